//! The application's command line outside Lambda: the tasks here, on this machine, with the
//! state directory. `run` them on their schedules (the default), `invoke`, `backfill` and
//! `replay` occurrences, read and change the local ledger (`status`, `history`, `pause`,
//! `resume`), and look at the tasks (`list`, `next`, `dst`). A deployment is the operator's
//! `ops` binary's; the infrastructure is `codegen`'s.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use schedule_core::jiff::Timestamp;
use schedule_core::limits::defaults;
use schedule_core::{NextError, Schedule, format_instant, time_zone};

use super::backfill::Request as BackfillRequest;
use super::invoke::InvokeRequest;
use super::ledger as commands;
use super::local::{self, LocalState, existing_ledger, local_dispatcher};
use super::{help, list};
use crate::environment;
use crate::ledger::Ledger;
use crate::registry::Registry;
use crate::runner::{LocalDeferrals, Runner};
use crate::task::Planned;

// The doc comment is the help's headline: about the application, not this crate (which is all
// `#[command(about)]` would see); the name in `--version` and usage is the binary's own.
/// The scheduled tasks of this application, here: run them on their schedules (the default),
/// run, backfill or replay occurrences, read and change the local ledger, look at the tasks.
/// A deployment is operated with the `ops` binary (`cargo run --bin ops -- --help`).
#[derive(Debug, Parser)]
#[command(version = concat!("(schedule-runtime ", env!("CARGO_PKG_VERSION"), ")"))]
struct Cli {
    /// The environment this process acts as: tasks that list environments run only in theirs.
    /// Default: `SCHEDULE_ENVIRONMENT`, else `local`.
    #[arg(long = "env", global = true, value_name = "NAME")]
    environment: Option<String>,
    /// Where the tasks' state here is kept: the idempotency records (`idempotency.json`, so a
    /// restart remembers what ran), the dead-letter file (`dead-letters.jsonl`), the ledger of
    /// every occurrence (`ledger.jsonl`, which `status` and `history` read) and the deferred
    /// runs (`deferred.json`).
    #[arg(long, global = true, default_value = ".schedule", value_name = "DIR")]
    state_dir: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

/// `--help`'s groups: what each command acts on.
const GROUPS: &[(&str, &[&str])] = &[
    (
        "Run the tasks here",
        &["run", "invoke", "backfill", "replay"],
    ),
    (
        "The local ledger",
        &["status", "history", "pause", "resume"],
    ),
    ("The tasks in the code", &["list", "next", "dst"]),
];

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every task enabled in the environment on its schedule, and every run deferred into
    /// the state directory at its time, until Ctrl-C (the default).
    Run,
    /// Run one occurrence of a task now, through the same dispatcher as in Lambda.
    Invoke(InvokeRequest),
    /// Run the occurrences of a task that were due in an interval, each with its own scheduled
    /// time; an idempotent task's completed occurrences are not run again.
    Backfill(BackfillRequest),
    /// Run the occurrences in the dead-letter file again; those that succeed leave the file.
    Replay,
    /// One line per task: enabled or not, last run and its outcome, last success, next fire
    /// time, occurrences missed.
    Status {
        /// Print JSON (one document) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// One line per occurrence of a task, newest first: scheduled time (task's zone and UTC),
    /// status, attempts, duration, error.
    History(commands::HistoryRequest),
    /// Stop running a task: its occurrences are recorded as skipped until `resume`, from the
    /// next one.
    Pause {
        /// The task's name (see `list`).
        task: String,
        /// Why, for `status` and the ledger.
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
    },
    /// Run a paused task again from its next occurrence.
    Resume {
        /// The task's name (see `list`).
        task: String,
    },
    /// List the tasks with their schedule, zone and next fire time (local and UTC), then the
    /// deferred runs waiting in the state directory.
    List,
    /// The next fire times of a task (as the runner would fire it) or of an expression (as AWS
    /// computes them), one RFC 3339 line each.
    Next {
        /// A task's name, or an expression such as 'cron(0 8 * * ? *)'.
        target: String,
        /// How many.
        #[arg(short = 'n', default_value_t = 5, value_name = "N")]
        count: usize,
        /// Zone of an expression (a task has its own).
        #[arg(long, default_value = defaults::TIMEZONE, value_name = "ZONE")]
        tz: String,
        /// Fire times strictly after this instant (RFC 3339); default now.
        #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
        after: Option<Timestamp>,
    },
    /// For every task, the scheduled minutes that daylight-saving changes skip (no run that
    /// day) or repeat (one run) in its zone.
    Dst {
        /// How far ahead to look, in years.
        #[arg(long, default_value_t = 1, value_name = "N")]
        years: u16,
        /// Look ahead from this instant (RFC 3339); default now.
        #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
        after: Option<Timestamp>,
    },
}

fn parse_instant(text: &str) -> Result<Timestamp, String> {
    text.parse().map_err(|e| {
        format!("expected an RFC 3339 instant with an offset, e.g. `2026-03-01T00:00:00Z`: {e}")
    })
}

/// Runs the command line on `args` (program name first).
pub(crate) async fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    let name = args
        .first()
        .and_then(|program| Path::new(program).file_stem())
        .map_or_else(
            || "app".to_owned(),
            |stem| stem.to_string_lossy().into_owned(),
        );
    // clap takes a `'static` name; this runs once per process.
    let command = help::grouped(
        Cli::command().name(&*Box::leak(name.into_boxed_str())),
        GROUPS,
    );
    let parsed = command
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let registry = match Registry::load() {
        Ok(registry) => registry,
        Err(error) => return fail(&error.to_string()),
    };
    let environment = cli.environment.unwrap_or_else(environment::deployment);
    let state_dir = cli.state_dir;
    match cli.command {
        None | Some(Command::Run) => match LocalState::open(&state_dir) {
            Ok(state) => run_tasks(registry, environment, state).await,
            Err(message) => fail(&message),
        },
        Some(Command::Invoke(request)) => {
            let occurrence = match request.occurrence(&registry, Timestamp::now()) {
                Ok(occurrence) => occurrence,
                Err(message) => return fail(&message),
            };
            init_readable_logs();
            printed(local::invoke(registry, environment, occurrence, &state_dir).await)
        }
        Some(Command::Backfill(plan)) => match LocalState::open(&state_dir) {
            Ok(state) => backfill(registry, environment, state, plan).await,
            Err(message) => fail(&message),
        },
        Some(Command::Replay) => match LocalState::open(&state_dir) {
            Ok(state) => {
                init_readable_logs();
                reported(local::replay(registry, environment, state).await)
            }
            Err(message) => fail(&message),
        },
        Some(Command::Status { json }) => match existing_ledger(&state_dir) {
            Ok(ledger) => status(&registry, &environment, &ledger, json).await,
            Err(message) => fail(&message),
        },
        Some(Command::History(request)) => match existing_ledger(&state_dir) {
            Ok(ledger) => printed(request.run(&registry, &environment, &ledger).await),
            Err(message) => fail(&message),
        },
        Some(Command::Pause { task, reason }) => {
            let pause = commands::pause_by_operator(reason);
            printed(local::set_pause(&registry, &state_dir, &task, Some(&pause)).await)
        }
        Some(Command::Resume { task }) => {
            printed(local::set_pause(&registry, &state_dir, &task, None).await)
        }
        Some(Command::List) => list(&registry, &state_dir),
        Some(Command::Next {
            target,
            count,
            tz,
            after,
        }) => next(
            &registry,
            &target,
            count,
            &tz,
            after.unwrap_or_else(Timestamp::now),
        ),
        Some(Command::Dst { years, after }) => {
            let after = after.unwrap_or_else(Timestamp::now);
            print(&list::dst_report(&registry, after, years));
            ExitCode::SUCCESS
        }
    }
}

/// The tasks, then the deferred runs waiting in the state directory.
fn list(registry: &Registry, state_dir: &Path) -> ExitCode {
    print(&list::tasks_table(registry, Timestamp::now()));
    let deferrals = LocalDeferrals::new(state_dir.join(crate::deferred::FILE));
    match deferrals.pending() {
        Ok(runs) if runs.is_empty() => ExitCode::SUCCESS,
        Ok(runs) => {
            print(&format!(
                "\nDeferred runs waiting in {}:\n{}",
                deferrals.path().display(),
                list::deferred_table(registry, &runs)
            ));
            ExitCode::SUCCESS
        }
        Err(error) => fail(&error.to_string()),
    }
}

async fn run_tasks(registry: Registry, environment: String, state: LocalState) -> ExitCode {
    init_readable_logs();
    // Records past their retention are dropped here, once per run, so the file stays small.
    if let Err(error) = state.ledger.compact() {
        return fail(&error.to_string());
    }
    let dispatcher =
        match local_dispatcher(registry, environment, state.store, state.ledger, &state.dir) {
            Ok(dispatcher) => dispatcher,
            Err(message) => return fail(&message),
        };
    // A clean stop is a success, whatever the runs did: failures are in the log and the
    // dead-letter file (the runner's last line counts them), where `replay` finds them.
    Runner::new(dispatcher, state.dead_letters)
        .with_deferrals(state.deferrals)
        .run(stop_requested())
        .await;
    ExitCode::SUCCESS
}

/// Prints the next `count` fire times of a task or an expression, one RFC 3339 line each; the
/// daylight-saving changes that skip or repeat a scheduled minute in that span go to stderr,
/// so that scripts reading stdout see fire times only.
fn next(registry: &Registry, target: &str, count: usize, zone: &str, now: Timestamp) -> ExitCode {
    let (times, schedule, tz) = if let Some(task) = registry.get(target) {
        let spec = task.spec();
        if spec.expression.is_none() {
            return fail(&format!(
                "task `{target}` has no schedule: it runs when code defers it (`#[scheduled(deferred)]`)"
            ));
        }
        let (Some(planned), Ok(tz), Some(Ok(schedule))) = (
            Planned::new(task, now),
            time_zone(spec.timezone),
            spec.schedule(),
        ) else {
            return fail(&format!("task `{target}` has an invalid schedule"));
        };
        let times: Vec<Timestamp> =
            std::iter::successors(planned.next_after(now), |t| planned.next_after(*t))
                .take(count)
                .collect();
        (times, schedule, tz)
    } else {
        let schedule: Schedule = match target.parse() {
            Ok(schedule) => schedule,
            Err(_) if !target.contains('(') => {
                let known: Vec<&str> = registry.names().collect();
                return fail(&format!(
                    "`{target}` is neither a task ({}) nor an expression like 'cron(0 8 * * ? *)'",
                    known.join(", ")
                ));
            }
            Err(error) => {
                let expression = target.to_owned();
                return fail(&NextError::Expression { expression, error }.to_string());
            }
        };
        let tz = match time_zone(zone) {
            Ok(tz) => tz,
            Err(error) => return fail(&error.to_string()),
        };
        let times: Vec<Timestamp> = schedule.fire_times(now, &tz).take(count).collect();
        (times, schedule, tz)
    };
    for time in &times {
        print(&format!("{}\n", format_instant(*time, &tz)));
    }
    if let Some(last) = times.last() {
        for change in schedule.dst_changes(now, *last, &tz) {
            let _ = writeln!(std::io::stderr().lock(), "note: {change}");
        }
    }
    ExitCode::SUCCESS
}

/// Completes on Ctrl-C (and, on Unix, SIGTERM, as sent by `docker stop` or systemd). The
/// handlers are installed before this returns, so a signal that arrives while the runner starts
/// is not lost.
fn stop_requested() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                // Without handlers there is no graceful way to stop: run until killed.
                _ => std::future::pending().await,
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Runs the occurrences of a task due in an interval through the local dispatcher, paced as
/// asked, and prints one line each.
async fn backfill(
    registry: Registry,
    environment: String,
    state: LocalState,
    request: BackfillRequest,
) -> ExitCode {
    let plan = match request.plan(&registry) {
        Ok(plan) => plan,
        Err(message) => return fail(&message),
    };
    let mut listing = String::new();
    let go = request.go_ahead(&plan, "run here", &mut listing);
    print(&listing);
    match go {
        Ok(true) => {}
        Ok(false) => return ExitCode::SUCCESS,
        Err(message) => return fail(&message),
    }
    init_readable_logs();
    reported(local::backfill(registry, environment, state, &plan).await)
}

async fn status(
    registry: &Registry,
    environment: &str,
    ledger: &dyn Ledger,
    json: bool,
) -> ExitCode {
    use std::io::IsTerminal;
    let colour = std::io::stdout().is_terminal();
    printed(commands::status(registry, environment, ledger, json, colour).await)
}

/// Prints a command's text, or fails with its error.
fn printed(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(text) => {
            print(&text);
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

/// Prints a command's report; fails with its problem, if any.
fn reported(result: Result<local::Report, String>) -> ExitCode {
    match result {
        Ok(report) => {
            print(&report.text);
            report
                .problem
                .map_or(ExitCode::SUCCESS, |problem| fail(&problem))
        }
        Err(message) => fail(&message),
    }
}

fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    ExitCode::FAILURE
}

/// Compact logs for a person, coloured when stderr is a terminal.
fn init_readable_logs() {
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .compact()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_in_exactly_one_help_group() {
        let problems = help::ungrouped(&Cli::command(), GROUPS);
        assert!(problems.is_empty(), "{problems:?}");
    }
}

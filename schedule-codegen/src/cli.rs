//! The command line: parse arguments, call the library, print, choose the exit status.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use schedule_core::jiff::Timestamp;

use schedule_runtime::Registry;

use crate::registry::manifest_json;
use crate::terraform::{Options, Trigger, render};
use crate::write::{check_module, write_module};
use schedule_core::limits::defaults;
use schedule_core::{format_zoned, next_fire_times};

/// Terraform and tooling for `schedule` applications.
#[derive(Debug, Parser)]
#[command(name = "codegen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the next fire times of a schedule expression, as AWS would compute them.
    Next {
        /// `cron(...)`, `rate(...)` or `at(...)`, quoted for the shell.
        expression: String,
        /// IANA time zone the expression is read in.
        #[arg(long, default_value = defaults::TIMEZONE, value_name = "ZONE")]
        tz: String,
        /// Print fire times strictly after this instant (RFC 3339); default now.
        #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
        after: Option<Timestamp>,
        /// How many fire times to print.
        #[arg(short = 'n', default_value_t = 5, value_name = "N")]
        count: usize,
    },
    /// List the application's tasks with their schedule, zone and next fire time.
    List,
    /// Print the application's registry as JSON: every task with every declared option.
    Manifest,
    /// List, for every task, the scheduled minutes that daylight-saving changes skip (no run
    /// that day) or repeat (one run) in its zone.
    Dst {
        /// How far ahead to look, in years.
        #[arg(long, default_value_t = 1, value_name = "N")]
        years: u16,
        /// Look ahead from this instant (RFC 3339); default now.
        #[arg(long, value_name = "RFC3339", value_parser = parse_instant)]
        after: Option<Timestamp>,
    },
    /// Write the Terraform module that deploys the application's tasks.
    Terraform {
        /// Directory of the module.
        #[arg(long, default_value = "terraform", value_name = "DIR")]
        out: PathBuf,
        /// Write nothing; exit 1 when DIR differs from what would be written (for CI).
        #[arg(long)]
        check: bool,
        /// Application name: the default prefix of resource names and the binary whose
        /// `cargo lambda` zip is deployed. Default: the package `cargo run` runs.
        #[arg(long, value_name = "NAME")]
        app: Option<String>,
        /// Also create a Healthchecks.io check for each `heartbeat` task (community
        /// `healthchecksio` provider) and wire its ping URL into the Lambda.
        #[arg(long)]
        healthchecks: bool,
        /// Fire the tasks with legacy EventBridge rules instead of EventBridge Scheduler
        /// (UTC only: refuses tasks with zones, windows, `at()` or start/end dates).
        #[arg(long)]
        eventbridge_rules: bool,
    },
    /// One line per task of a deployment: enabled, paused or not, last run and its outcome,
    /// last success, next fire time, occurrences missed (read from the deployed ledger).
    #[cfg(feature = "operate")]
    Status(crate::operate::Status),
    /// One line per occurrence of a deployed task, newest first: scheduled time (task's zone
    /// and UTC), status, attempts, duration, error.
    #[cfg(feature = "operate")]
    History(crate::operate::History),
    /// Stop running a deployed task: its deliveries are recorded as skipped until `resume`,
    /// from the next one.
    #[cfg(feature = "operate")]
    Pause(crate::operate::Pause),
    /// Run a paused deployed task again from its next delivery.
    #[cfg(feature = "operate")]
    Resume(crate::operate::Resume),
    /// Run a deployed task now: send its alias the event Scheduler would send, asynchronously
    /// as Scheduler does (its retries and dead-letter queue apply), and print the request id.
    #[cfg(feature = "operate")]
    Invoke(crate::operate::Invoke),
    /// Send a deployment the occurrences of a task that were due in an interval, each with its
    /// own scheduled time; an idempotent task's completed occurrences are not sent again.
    #[cfg(feature = "operate")]
    Backfill {
        #[command(flatten)]
        request: schedule_runtime::cli::backfill::Request,
        #[command(flatten)]
        target: crate::operate::Target,
    },
    /// Send the occurrences in a deployment's dead-letter queue to their tasks again; each
    /// message is deleted once Lambda accepted its event, or dropped when the occurrence has
    /// succeeded since.
    #[cfg(feature = "operate")]
    Replay(crate::operate::Replay),
}

fn parse_instant(text: &str) -> Result<Timestamp, String> {
    text.parse().map_err(|e| {
        format!("expected an RFC 3339 instant with an offset, e.g. `2026-03-01T00:00:00Z`: {e}")
    })
}

/// Runs the command line of the process and returns its exit status.
pub fn main() -> ExitCode {
    run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
}

/// Runs the command line on `args` (program name first), writing to `out` and `err`.
///
/// Exit status: 0 on success, 1 when the input is invalid (expression, zone), 2 on bad usage.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are not errors: they go to stdout and succeed.
            if e.use_stderr() {
                let _ = write!(err, "{}", e.render());
                return ExitCode::from(2);
            }
            let _ = write!(out, "{}", e.render());
            return ExitCode::SUCCESS;
        }
    };
    let result = match cli.command {
        Command::Next {
            expression,
            tz,
            after,
            count,
        } => next(
            &expression,
            &tz,
            after.unwrap_or_else(Timestamp::now),
            count,
            out,
        ),
        Command::List => Registry::load()
            .map_err(|e| e.to_string())
            .and_then(|registry| {
                write_all(
                    out,
                    &schedule_runtime::cli::list::tasks_table(&registry, Timestamp::now()),
                )
            }),
        Command::Manifest => Registry::load()
            .map_err(|e| e.to_string())
            .and_then(|registry| write_all(out, &(manifest_json(&registry) + "\n"))),
        Command::Dst { years, after } => {
            Registry::load()
                .map_err(|e| e.to_string())
                .and_then(|registry| {
                    let after = after.unwrap_or_else(Timestamp::now);
                    write_all(out, &dst_report(&registry, after, years))
                })
        }
        Command::Terraform {
            out: dir,
            check,
            app,
            healthchecks,
            eventbridge_rules,
        } => {
            let trigger = if eventbridge_rules {
                Trigger::EventBridgeRules
            } else {
                Trigger::Scheduler
            };
            terraform(&dir, check, app, healthchecks, trigger, out)
        }
        #[cfg(feature = "operate")]
        Command::Status(args) => crate::operate::block_on(crate::operate::status(args, out)),
        #[cfg(feature = "operate")]
        Command::History(args) => crate::operate::block_on(crate::operate::history(args, out)),
        #[cfg(feature = "operate")]
        Command::Pause(args) => crate::operate::block_on(crate::operate::pause(args, out)),
        #[cfg(feature = "operate")]
        Command::Resume(args) => crate::operate::block_on(crate::operate::resume(args, out)),
        #[cfg(feature = "operate")]
        Command::Invoke(args) => crate::operate::block_on(crate::operate::invoke(args, out)),
        #[cfg(feature = "operate")]
        Command::Backfill { request, target } => {
            crate::operate::block_on(crate::operate::backfill(request, target, out))
        }
        #[cfg(feature = "operate")]
        Command::Replay(args) => crate::operate::block_on(crate::operate::replay(args, out)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn next(
    expression: &str,
    zone: &str,
    after: Timestamp,
    count: usize,
    out: &mut dyn Write,
) -> Result<(), String> {
    let times = next_fire_times(expression, zone, after, count).map_err(|e| e.to_string())?;
    for time in &times {
        writeln!(out, "{}", format_zoned(time)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn terraform(
    dir: &Path,
    check: bool,
    app: Option<String>,
    healthchecks: bool,
    trigger: Trigger,
    out: &mut dyn Write,
) -> Result<(), String> {
    let app = app
        .or_else(|| std::env::var("CARGO_PKG_NAME").ok())
        .ok_or("pass --app NAME: the application's package (its binary is the dispatch Lambda)")?;
    let registry = Registry::load().map_err(|e| e.to_string())?;
    let options = Options {
        lambda_zip: default_lambda_zip(dir, &app),
        app,
        healthchecks,
        trigger,
        defer: schedule_runtime::environment::DEFER_FEATURE,
    };
    let specs: Vec<_> = registry.tasks().iter().map(|t| t.spec().clone()).collect();
    let files = render(&specs, &options).map_err(|e| e.to_string())?;
    let shown = dir.display();
    if check {
        let differences = check_module(dir, &files).map_err(|e| format!("reading {shown}: {e}"))?;
        if differences.is_empty() {
            return write_all(out, &format!("{shown} is up to date\n"));
        }
        let list: Vec<String> = differences.iter().map(|d| format!("  {d}")).collect();
        return Err(format!(
            "{shown} is out of date with the code:\n{}\nrun `cargo run --bin codegen -- terraform --out {shown}`",
            list.join("\n")
        ));
    }
    write_module(dir, &files).map_err(|e| format!("writing {shown}: {e}"))?;
    write_all(out, &format!("wrote {} files to {shown}\n", files.len()))
}

/// Every task's scheduled minutes that DST changes skip or repeat within `years` of `after`,
/// one line each, aligned: task, zone, what happens.
fn dst_report(registry: &Registry, after: Timestamp, years: u16) -> String {
    let until =
        after + schedule_core::jiff::SignedDuration::from_hours(i64::from(years) * 366 * 24);
    let mut rows: Vec<[String; 3]> = Vec::new();
    for task in registry.tasks() {
        let spec = task.spec();
        let (Some(Ok(schedule)), Ok(tz)) = (spec.schedule(), spec.time_zone()) else {
            continue;
        };
        for change in schedule.dst_changes(after, until, &tz) {
            rows.push([
                spec.name.to_owned(),
                spec.timezone.to_owned(),
                change.to_string(),
            ]);
        }
    }
    if rows.is_empty() {
        let span = if years == 1 {
            "year".to_owned()
        } else {
            format!("{years} years")
        };
        return format!("no task's schedule meets a daylight-saving change in the next {span}\n");
    }
    let width = |i: usize| rows.iter().map(|r| r[i].len()).max().unwrap_or(0);
    let (task_width, zone_width) = (width(0), width(1));
    rows.iter()
        .map(|[task, zone, change]| format!("{task:<task_width$}  {zone:<zone_width$}  {change}\n"))
        .collect()
}

/// Where `cargo lambda build` puts the zip of binary `app` with Cargo's default target
/// directory, relative to the module directory: `<workspace root>/target/lambda/<app>/bootstrap.zip`.
///
/// It depends on the source layout only, never on where this binary was built
/// (`CARGO_TARGET_DIR`), so that `--check` agrees on every machine; a build elsewhere sets the
/// module's `lambda_zip` variable. The package is `CARGO_MANIFEST_DIR` under `cargo run`, else
/// the nearest directory up from here with a `Cargo.toml`; its workspace root is the nearest
/// directory from there up whose `Cargo.toml` declares `[workspace]`, as Cargo decides it.
fn default_lambda_zip(dir: &Path, app: &str) -> String {
    let fallback = format!("../target/lambda/{app}/bootstrap.zip");
    let Ok(cwd) = std::env::current_dir() else {
        return fallback;
    };
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            cwd.ancestors()
                .find(|d| d.join("Cargo.toml").is_file())
                .map(Path::to_path_buf)
        });
    let Some(package) = package else {
        return fallback;
    };
    let declares_workspace = |d: &Path| {
        std::fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|text| {
            text.lines()
                .any(|l| l.trim_start().starts_with("[workspace"))
        })
    };
    let root = package
        .ancestors()
        .find(|d| declares_workspace(d))
        .unwrap_or(&package);
    let zip = root
        .join("target")
        .join("lambda")
        .join(app)
        .join("bootstrap.zip");
    relative(&cwd.join(dir), &zip).unwrap_or(fallback)
}

/// `to` relative to directory `from`, both absolute, with `/` separators.
fn relative(from: &Path, to: &Path) -> Option<String> {
    use std::path::Component;
    let clean = |p: &Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                Component::ParentDir => {
                    parts.pop();
                }
                _ => {}
            }
        }
        parts
    };
    let (from, to) = (clean(from), clean(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let ups = std::iter::repeat_n("..".to_owned(), from.len() - common);
    Some(
        ups.chain(to[common..].iter().cloned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

fn write_all(out: &mut dyn Write, text: &str) -> Result<(), String> {
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

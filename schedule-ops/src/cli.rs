//! The command line: parse arguments, call the command, print, choose the exit status.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use schedule_runtime::cli::help;

use crate::deployment::{Target, block_on};

/// Operate a deployed environment of this application with your AWS credentials: read and
/// change its ledger, run, backfill and replay occurrences.
///
/// The tasks here are the application's binary's (`cargo run -- --help`); the infrastructure
/// is `codegen`'s (`cargo run --bin codegen -- --help`).
#[derive(Debug, Parser)]
#[command(name = "ops", version, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// `--help`'s groups: what each command acts on.
const GROUPS: &[(&str, &[&str])] = &[
    (
        "The deployed ledger",
        &["status", "history", "pause", "resume"],
    ),
    (
        "Occurrences sent to the deployment",
        &["invoke", "backfill", "replay"],
    ),
    ("In a browser", &["console"]),
];

#[derive(Debug, Subcommand)]
enum Command {
    /// One line per task: enabled, paused or not, last run and its outcome, last success,
    /// next fire time, occurrences missed.
    Status(crate::ledger::Status),
    /// One line per occurrence of a task, newest first: scheduled time (task's zone and UTC),
    /// status, attempts, duration, error.
    History(crate::ledger::History),
    /// Stop running a task: its deliveries are recorded as skipped until `resume`, from the
    /// next one.
    Pause(crate::ledger::Pause),
    /// Run a paused task again from its next delivery.
    Resume(crate::ledger::Resume),
    /// Run a task's occurrence now: send its alias the event Scheduler would send,
    /// asynchronously as Scheduler does (its retries and dead-letter queue apply).
    Invoke(crate::invoke::Invoke),
    /// Send the occurrences of a task that were due in an interval, each with its own
    /// scheduled time; an idempotent task's completed occurrences are not sent again.
    Backfill(crate::backfill::Backfill),
    /// Send the occurrences in the dead-letter queue to their tasks again; each message is
    /// deleted once Lambda accepted its event, or dropped when the occurrence has succeeded
    /// since.
    Replay(crate::replay::Replay),
    /// Serve a web page on loopback that shows every task, its occurrences, the dead letters
    /// and the deferred runs, and pauses, resumes, runs, backfills and replays them: for the
    /// local state directory, or a deployment with `--env`.
    Console(crate::console::Console),
}

impl Command {
    /// The deployment's `--name-prefix`.
    fn name_prefix_mut(&mut self) -> &mut Option<String> {
        let target: &mut Target = match self {
            Command::Status(args) => &mut args.target,
            Command::History(args) => &mut args.target,
            Command::Pause(args) => &mut args.target,
            Command::Resume(args) => &mut args.target,
            Command::Invoke(args) => &mut args.target,
            Command::Backfill(args) => &mut args.target,
            Command::Replay(args) => &mut args.target,
            Command::Console(args) => return &mut args.name_prefix,
        };
        &mut target.name_prefix
    }

    /// The deployment the command acts on, `<name_prefix>-<env>`; `None` for the console of
    /// the local state directory.
    fn deployment(&self) -> Option<String> {
        let (environment, prefix) = match self {
            Command::Status(args) => (&args.target.environment, &args.target.name_prefix),
            Command::History(args) => (&args.target.environment, &args.target.name_prefix),
            Command::Pause(args) => (&args.target.environment, &args.target.name_prefix),
            Command::Resume(args) => (&args.target.environment, &args.target.name_prefix),
            Command::Invoke(args) => (&args.target.environment, &args.target.name_prefix),
            Command::Backfill(args) => (&args.target.environment, &args.target.name_prefix),
            Command::Replay(args) => (&args.target.environment, &args.target.name_prefix),
            Command::Console(args) => (args.environment.as_ref()?, &args.name_prefix),
        };
        Some(format!("{}-{environment}", prefix.as_deref()?))
    }
}

/// What most often makes AWS answer "not found" to an operator's command: the `--env` (or
/// `--name-prefix`) is not what the module was applied with, or not in this account and region.
/// Added to the error, which names the resource AWS did not find.
fn not_found_hint(message: &str, deployment: Option<&str>) -> Option<String> {
    let not_found = [
        "ResourceNotFoundException",
        "NonExistentQueue",
        "QueueDoesNotExist",
    ]
    .iter()
    .any(|code| message.contains(code));
    let deployment = deployment.filter(|_| not_found)?;
    Some(format!(
        "hint: is `{deployment}` deployed in this account and region? `--env` is the `environment` \
         the module was applied with (`terraform apply -var environment=...`), `--name-prefix` its \
         `name_prefix` (default: the application's name); `--region` or `--profile` pick another \
         account or region"
    ))
}

/// Runs the command line of the process and returns its exit status. `app` is the
/// application's name (its package's, `env!("CARGO_PKG_NAME")`): the module's default
/// `name_prefix`, used where `--name-prefix` is not given.
pub fn main(app: &str) -> ExitCode {
    run(
        app,
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
}

/// Runs the command line on `args` (program name first), writing to `out` and `err`.
///
/// Exit status: 0 on success, 1 when the command fails, 2 on bad usage.
pub fn run<I, T>(app: &str, args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let parsed = help::grouped(Cli::command(), GROUPS)
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let mut cli = match parsed {
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
    let name_prefix = cli.command.name_prefix_mut();
    if name_prefix.is_none() && !app.is_empty() {
        *name_prefix = Some(app.to_owned());
    }
    let deployment = cli.command.deployment();
    let result = block_on(async {
        match cli.command {
            Command::Status(args) => crate::ledger::status(args, out).await,
            Command::History(args) => crate::ledger::history(args, out).await,
            Command::Pause(args) => crate::ledger::pause(args, out).await,
            Command::Resume(args) => crate::ledger::resume(args, out).await,
            Command::Invoke(args) => crate::invoke::invoke(args, out).await,
            Command::Backfill(args) => crate::backfill::backfill(args, out).await,
            Command::Replay(args) => crate::replay::replay(args, out).await,
            Command::Console(args) => crate::console::console(args, out).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            if let Some(hint) = not_found_hint(&message, deployment.as_deref()) {
                let _ = writeln!(err, "{hint}");
            }
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_aws_does_not_find_is_explained_by_the_deployment_looked_for() {
        let message = "reading the ledger table `my-app-prod-ledger`: ResourceNotFoundException: \
                       Requested resource not found";
        let hint = not_found_hint(message, Some("my-app-prod")).unwrap();
        assert!(
            hint.starts_with("hint: is `my-app-prod` deployed in this account and region?"),
            "{hint}"
        );
        assert!(hint.contains("-var environment="), "{hint}");
        // SQS names a missing queue its own way.
        assert!(not_found_hint("AWS.SimpleQueueService.NonExistentQueue", Some("a-b")).is_some());
        // Another failure, or the local console: nothing to add.
        assert_eq!(
            not_found_hint("AccessDeniedException", Some("my-app-prod")),
            None
        );
        assert_eq!(not_found_hint(message, None), None);
    }

    #[test]
    fn every_command_is_in_exactly_one_help_group() {
        let problems = help::ungrouped(&Cli::command(), GROUPS);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn help_lists_the_commands_under_their_groups() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = run("shop", ["ops", "--help"], &mut out, &mut err);
        assert_eq!(status, ExitCode::SUCCESS);
        let help = String::from_utf8(out).unwrap_or_default();
        let ledger = help.find("The deployed ledger:").unwrap_or(usize::MAX);
        let sent = help
            .find("Occurrences sent to the deployment:")
            .unwrap_or(usize::MAX);
        let line = |name: &str| help.find(&format!("\n  {name} ")).unwrap_or(usize::MAX);
        assert!(ledger < line("status") && line("resume") < sent, "{help}");
        assert!(sent < line("invoke") && sent < line("replay"), "{help}");
        assert!(
            line("replay") < help.find("Options:").unwrap_or(0),
            "{help}"
        );
    }

    #[test]
    fn a_command_without_env_is_bad_usage_and_names_the_flag() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = run("shop", ["ops", "status"], &mut out, &mut err);
        assert_eq!(status, ExitCode::from(2));
        let err = String::from_utf8(err).unwrap_or_default();
        assert!(err.contains("--env <NAME>"), "{err}");
    }
}

//! The command line: parse arguments, call the library, print, choose the exit status.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use schedule_core::jiff::Timestamp;

use schedule_runtime::Registry;

use crate::next::{format_instant, next_fire_times};
use crate::registry::manifest_json;

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
        #[arg(long, default_value = "UTC", value_name = "ZONE")]
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
            .and_then(|registry| write_all(out, &registry.table(Timestamp::now()))),
        Command::Manifest => Registry::load()
            .map_err(|e| e.to_string())
            .and_then(|registry| write_all(out, &(manifest_json(&registry) + "\n"))),
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
    for (instant, tz) in &times {
        writeln!(out, "{}", format_instant(*instant, tz)).map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn write_all(out: &mut dyn Write, text: &str) -> Result<(), String> {
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

//! The application's command line outside Lambda: `invoke` a task now, `list` the tasks.
//!
//! The local runner (`run`) arrives with its own issue; this is enough to try a task by hand.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use schedule_core::jiff::Timestamp;
use serde_json::{Value, json};

use crate::dispatch::{Dispatcher, Invocation};
use crate::entry::environment;
use crate::heartbeat::Heartbeat;
use crate::idempotency::MemoryStore;
use crate::registry::Registry;

/// A `schedule` application.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one task now, through the same dispatcher as in Lambda.
    Invoke {
        /// The task's name (see `list`).
        task: String,
        /// The occurrence to run, as an RFC 3339 instant; default now.
        #[arg(long, value_name = "RFC3339")]
        at: Option<Timestamp>,
        /// The task's input as JSON; default the declared input.
        #[arg(long, value_name = "JSON")]
        input: Option<String>,
    },
    /// List the tasks with their schedule, zone and next fire time.
    List,
}

/// Runs the command line on `args` (program name first).
pub(crate) async fn run(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
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
    match cli.command {
        Command::List => {
            print(&registry.table(Timestamp::now()));
            ExitCode::SUCCESS
        }
        Command::Invoke { task, at, input } => invoke(registry, task, at, input).await,
    }
}

async fn invoke(
    registry: Registry,
    task: String,
    at: Option<Timestamp>,
    input: Option<String>,
) -> ExitCode {
    init_readable_logs();
    let mut event = json!({ "task": task });
    if let Some(at) = at {
        event["scheduled_time"] = Value::String(at.to_string());
    }
    if let Some(input) = input {
        match serde_json::from_str::<Value>(&input) {
            Ok(input) => event["input"] = input,
            Err(error) => return fail(&format!("--input is not valid JSON: {error}")),
        }
    }
    let heartbeat = Heartbeat::from_env(registry.tasks().iter().map(|t| t.name()));
    let dispatcher = Dispatcher::new(
        registry,
        Arc::new(MemoryStore::new()),
        heartbeat,
        environment(),
    );
    match dispatcher.dispatch(event, Invocation::default()).await {
        Ok(outcome) => {
            print(&format!(
                "{}\n",
                serde_json::to_string_pretty(&outcome).unwrap_or_default()
            ));
            ExitCode::SUCCESS
        }
        Err(error) => fail(&format!("[{}] {error}", error.error_type())),
    }
}

fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn fail(message: &str) -> ExitCode {
    let _ = writeln!(std::io::stderr().lock(), "error: {message}");
    ExitCode::FAILURE
}

fn init_readable_logs() {
    let _ = tracing_subscriber::fmt()
        .compact()
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

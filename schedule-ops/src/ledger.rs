//! `status`, `history`, `pause` and `resume` with `--env`: the application binary's ledger
//! commands, on the deployed table, with the operator's credentials (profiles included).

use std::io::{IsTerminal, Write};

use schedule_runtime::Registry;
use schedule_runtime::cli::ledger as commands;

use crate::deployment::{Deployment, Target, say};

/// `status`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Status {
    /// Print JSON (one document) instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    pub(crate) target: Target,
}

/// `history`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct History {
    #[command(flatten)]
    request: commands::HistoryRequest,
    #[command(flatten)]
    pub(crate) target: Target,
}

/// `pause`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Pause {
    /// The task's name (see `list`).
    task: String,
    /// Why, for `status` and the ledger.
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,
    #[command(flatten)]
    pub(crate) target: Target,
}

/// `resume`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Resume {
    /// The task's name (see `list`).
    task: String,
    #[command(flatten)]
    pub(crate) target: Target,
}

fn colour() -> bool {
    std::io::stdout().is_terminal()
}

/// Prints every task's line for the deployed environment.
pub(crate) async fn status(args: Status, out: &mut dyn Write) -> Result<(), String> {
    let registry = Registry::load().map_err(|e| e.to_string())?;
    let deployment = Deployment::connect(&args.target).await?;
    let text = commands::status(
        &registry,
        &deployment.environment,
        &deployment.ledger,
        args.json,
        colour(),
    )
    .await?;
    say(out, &text)
}

/// Prints a task's deployed occurrences, newest first.
pub(crate) async fn history(args: History, out: &mut dyn Write) -> Result<(), String> {
    let registry = Registry::load().map_err(|e| e.to_string())?;
    let deployment = Deployment::connect(&args.target).await?;
    let text = args
        .request
        .run(&registry, &deployment.environment, &deployment.ledger)
        .await?;
    say(out, &text)
}

/// Pauses a deployed task from its next delivery.
pub(crate) async fn pause(args: Pause, out: &mut dyn Write) -> Result<(), String> {
    let registry = Registry::load().map_err(|e| e.to_string())?;
    let deployment = Deployment::connect(&args.target).await?;
    let pause = deployment.pause_by_caller(args.reason).await?;
    let text = set_pause(&registry, &deployment, &args.task, Some(&pause)).await?;
    say(out, &text)
}

/// Resumes a deployed task from its next delivery.
pub(crate) async fn resume(args: Resume, out: &mut dyn Write) -> Result<(), String> {
    let registry = Registry::load().map_err(|e| e.to_string())?;
    let deployment = Deployment::connect(&args.target).await?;
    let text = set_pause(&registry, &deployment, &args.task, None).await?;
    say(out, &text)
}

/// `pause` (with a pause) and `resume` (`None`) on the deployed ledger: what they print.
pub(crate) async fn set_pause(
    registry: &Registry,
    deployment: &Deployment,
    task: &str,
    pause: Option<&schedule_runtime::ledger::Pause>,
) -> Result<String, String> {
    let when = format!("in {} from its next delivery", deployment.environment);
    commands::set_pause(registry, &deployment.ledger, task, pause, &when).await
}

//! The ledger commands (`status`, `history`, `pause`, `resume`) as text: what the
//! application's binary prints for its state directory and the operator's `codegen` prints for a
//! deployment, from the same code.

use schedule_core::jiff::Timestamp;

use super::{Ledger, Pause, Query};
use crate::dispatch::with_causes;
use crate::environment;
use crate::registry::Registry;

/// `status`: one line per task (or one JSON document), for `environment`.
pub async fn status(
    registry: &Registry,
    environment: &str,
    ledger: &dyn Ledger,
    json: bool,
    colour: bool,
) -> Result<String, String> {
    let retention = environment::ledger_retention()?;
    let now = Timestamp::now();
    let statuses = super::status(registry, environment, ledger, now, retention)
        .await
        .map_err(|e| with_causes(&e))?;
    if json {
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&statuses).map_err(|e| e.to_string())?
        ));
    }
    Ok(super::status_table(registry, &statuses, now, colour))
}

/// What `history` is asked: the command line's arguments, wherever the ledger is.
#[cfg(feature = "app")]
#[derive(Debug, Clone, clap::Args)]
pub struct HistoryRequest {
    /// The task's name (see `list`).
    pub task: String,
    /// How many occurrences.
    #[arg(short = 'n', default_value_t = 20, value_name = "N")]
    pub count: usize,
    /// Only occurrences due at or after this RFC 3339 instant.
    #[arg(long, value_name = "RFC3339")]
    pub since: Option<Timestamp>,
    /// Print JSON (one document) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[cfg(feature = "app")]
impl HistoryRequest {
    /// [`history`] for this request; colour when stdout is a terminal.
    pub async fn run(
        &self,
        registry: &Registry,
        environment: &str,
        ledger: &dyn Ledger,
    ) -> Result<String, String> {
        use std::io::IsTerminal;
        let query = Query {
            since: self.since,
            until: None,
            limit: self.count,
        };
        let colour = std::io::stdout().is_terminal();
        history(
            registry,
            environment,
            ledger,
            &self.task,
            query,
            self.json,
            colour,
        )
        .await
    }
}

/// `history`: one line per occurrence of `task` (or one JSON document), newest first.
pub async fn history(
    registry: &Registry,
    environment: &str,
    ledger: &dyn Ledger,
    task: &str,
    query: Query,
    json: bool,
    colour: bool,
) -> Result<String, String> {
    let registration = registry
        .get(task)
        .ok_or_else(|| unknown_task(registry, task))?;
    let now = Timestamp::now();
    let records = super::history(registration, environment, ledger, query, now)
        .await
        .map_err(|e| with_causes(&e))?;
    if json {
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&records).map_err(|e| e.to_string())?
        ));
    }
    if records.is_empty() {
        return Ok(format!("no occurrence of `{task}` is recorded\n"));
    }
    Ok(super::history_table(registration, &records, now, colour))
}

/// `pause` (with `reason`) and `resume` (`pause: None`): sets the switch and says from when it
/// holds; `takes_effect` completes "takes effect ...".
pub async fn set_pause(
    registry: &Registry,
    ledger: &dyn Ledger,
    task: &str,
    pause: Option<&Pause>,
    takes_effect: &str,
) -> Result<String, String> {
    if registry.get(task).is_none() {
        return Err(unknown_task(registry, task));
    }
    ledger
        .set_pause(task, pause)
        .await
        .map_err(|e| with_causes(&e))?;
    Ok(match pause {
        Some(pause) => format!("{task}: {pause}; takes effect {takes_effect}\n"),
        None => format!("{task}: resumed; takes effect {takes_effect}\n"),
    })
}

/// A pause by the operator running the command (their user name, as the shell says), now.
pub fn pause_by_operator(reason: Option<String>) -> Pause {
    let by = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    Pause {
        by,
        at: Timestamp::now(),
        reason,
    }
}

/// The error for a task name the registry does not know, listing the names it does.
pub fn unknown_task(registry: &Registry, task: &str) -> String {
    let known: Vec<&str> = registry.names().collect();
    format!(
        "no task named `{task}`; the tasks are: {} (see `list`)",
        known.join(", ")
    )
}

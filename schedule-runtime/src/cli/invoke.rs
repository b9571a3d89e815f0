//! What `invoke` is asked, and the event it makes: the same arguments and the same checks for
//! the application's binary (which runs the occurrence here) and the operator's `ops` (which
//! sends it to a deployment).

use schedule_core::jiff::Timestamp;
use serde_json::Value;

use super::ledger::unknown_task;
use crate::event::operator_event;
use crate::registry::Registry;
use crate::task::Registration;

/// `invoke`'s arguments, wherever the occurrence runs.
#[derive(Debug, Clone, clap::Args)]
pub struct InvokeRequest {
    /// The task's name (see `list`).
    pub task: String,
    /// The occurrence to run, as an RFC 3339 instant; default now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<Timestamp>,
    /// The task's input as JSON; default the declared input.
    #[arg(long, value_name = "JSON")]
    pub input: Option<String>,
}

/// One occurrence made ready to run: the event Scheduler would send for it, less the schedule
/// (an operator sent it, so it never moves the missed-run horizon).
#[derive(Debug)]
pub struct Occurrence {
    /// The task.
    pub task: &'static Registration,
    /// Its scheduled time, in whole seconds as Scheduler's are (the ledger keys it by this).
    pub at: Timestamp,
    /// The event.
    pub event: Value,
    /// The event's execution id.
    pub execution_id: String,
}

impl InvokeRequest {
    /// The occurrence this request names, due at `--at` or else at `now`. Errors name the
    /// problem: an unknown task (listing the known ones), or `--input` that is not JSON.
    pub fn occurrence(&self, registry: &Registry, now: Timestamp) -> Result<Occurrence, String> {
        let Some(task) = registry.get(&self.task) else {
            return Err(unknown_task(registry, &self.task));
        };
        if let Some(Err(error)) = self.input.as_deref().map(serde_json::from_str::<Value>) {
            return Err(format!(
                "--input is not valid JSON: {error}; e.g. --input '{{\"format\": \"pdf\"}}'"
            ));
        }
        let at = self.at.unwrap_or(now);
        let at = Timestamp::from_second(at.as_second()).map_err(|e| e.to_string())?;
        let spec = task.spec();
        let (event, execution_id) =
            operator_event(spec.name, self.input.as_deref().or(spec.input), at)
                .map_err(|e| format!("the task's declared input is not valid JSON: {e}"))?;
        Ok(Occurrence {
            task,
            at,
            event,
            execution_id,
        })
    }
}

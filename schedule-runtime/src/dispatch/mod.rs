//! The dispatcher: one event in, one outcome out, whatever the transport.
//!
//! The Lambda handler and the command line's `invoke` both call [`Dispatcher::dispatch`]. Around
//! the task's own future it composes, in order: event decoding and routing (here), then the
//! delivery's steps (`delivery.rs`): the idempotency claim (`claim.rs`), the start recorded
//! against the pause switch and the running marker, the heartbeat, a guarded run
//! (`guarded.rs`: its own tokio task, so a panic is caught, under a timeout that always ends
//! before the Lambda's deadline), the outcome recorded, the answer. Every way an invocation can
//! go wrong is a [`DispatchError`] with a stable `error_type` (`error.rs`), which Lambda records
//! and retries on.

mod budget;
mod claim;
mod delivery;
mod error;
mod guarded;
mod streak;

use std::sync::Arc;

use schedule_core::jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;
use tracing::{Instrument, error, info, info_span, warn};

pub use error::DispatchError;

use crate::event::{Event, EventError};
use crate::heartbeat::Heartbeat;
use crate::idempotency::IdempotencyStore;
use crate::ledger::{self, CheckReport, Recorder, Status};
use crate::metrics::Metrics;
use crate::registry::Registry;
use crate::secret::Secrets;
use crate::task::Registration;

/// Routes events to tasks. Cheap to clone; build one per process and reuse it.
#[derive(Clone)]
pub struct Dispatcher {
    registry: Arc<Registry>,
    store: Arc<dyn IdempotencyStore>,
    heartbeat: Heartbeat,
    environment: String,
    recorder: Recorder,
    metrics: Option<Arc<Metrics>>,
    /// The process's secrets; `None` when no task declares one (no run may read any).
    secrets: Option<Secrets>,
    /// Which tasks it runs.
    serves: Serves,
}

/// Which of the registered tasks a dispatcher runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Serves {
    /// Every one: the local runner and `invoke`, where one process runs them all.
    #[default]
    Every,
    /// A deployed function's: those of its function group (`None`: those that name none).
    Group(Option<String>),
}

/// What the transport knows about this invocation.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// Lambda's request id (or any id for a local run): logged and kept in the ledger.
    pub request_id: String,
    /// When the transport gives up on the invocation (Lambda's deadline), if it does.
    pub deadline: Option<Timestamp>,
}

/// A successful invocation: the response body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The task ran and succeeded.
    Succeeded {
        /// The task's name.
        task: String,
        /// The occurrence.
        scheduled_time: Timestamp,
        /// The task's result as JSON (`null` for `()`).
        result: Value,
    },
    /// The occurrence had already succeeded; the task did not run again.
    Duplicate {
        /// The task's name.
        task: String,
        /// The occurrence.
        scheduled_time: Timestamp,
        /// The result remembered from the successful run.
        result: Value,
    },
    /// The task is paused, or (`overlap = "skip"`) an earlier occurrence is still running; the
    /// occurrence was recorded as skipped and not run.
    Skipped {
        /// The task's name.
        task: String,
        /// The occurrence.
        scheduled_time: Timestamp,
        /// Why: who paused it, when and why, or which occurrence is running.
        reason: String,
    },
    /// The missed-run check ran (the event was [`CHECK_EVENT`]).
    Checked {
        /// What it found.
        report: CheckReport,
    },
}

/// The event of the generated schedule that runs the missed-run check
/// ([`ledger::check_missed_runs`]) every few minutes: `{"check": "missed_runs"}`.
pub const CHECK_EVENT: &str = r#"{"check":"missed_runs"}"#;

impl Dispatcher {
    /// A dispatcher over `registry`, recording idempotent runs in `store`.
    pub fn new(
        registry: Registry,
        store: Arc<dyn IdempotencyStore>,
        heartbeat: Heartbeat,
        environment: impl Into<String>,
    ) -> Dispatcher {
        Dispatcher {
            registry: Arc::new(registry),
            store,
            heartbeat,
            environment: environment.into(),
            recorder: Recorder::default(),
            metrics: None,
            secrets: None,
            serves: Serves::Every,
        }
    }

    /// Runs only the tasks of function group `group` (`None`: those that name no group), as
    /// the deployed function of that group does; any other task's event is refused
    /// ([`DispatchError::WrongFunction`]).
    pub fn serving_group(self, group: Option<String>) -> Dispatcher {
        Dispatcher {
            serves: Serves::Group(group),
            ..self
        }
    }

    /// Gives the runs their secrets from `secrets` (by default none: a task may read only
    /// what it declares, and a declaration registers where they are read).
    #[cfg(feature = "app")]
    pub(crate) fn with_secrets(self, secrets: Option<Secrets>) -> Dispatcher {
        Dispatcher { secrets, ..self }
    }

    /// Records every occurrence in `recorder`'s ledger (by default nothing is recorded).
    pub fn with_ledger(self, recorder: Recorder) -> Dispatcher {
        Dispatcher { recorder, ..self }
    }

    /// Publishes each run's outcome as CloudWatch metrics in `metrics`' log lines.
    #[cfg(feature = "app")]
    pub(crate) fn with_metrics(self, metrics: Metrics) -> Dispatcher {
        Dispatcher {
            metrics: Some(Arc::new(metrics)),
            ..self
        }
    }

    /// Where occurrences are recorded.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The tasks this dispatcher routes to.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The deployment environment tasks are told they run in.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// Runs the task an event names, at most once per occurrence when it is idempotent.
    pub async fn dispatch(
        &self,
        event: Value,
        invocation: Invocation,
    ) -> Result<Outcome, DispatchError> {
        if is_check(&event) {
            return self.check(Timestamp::now()).await;
        }
        let (task, event) = match self.route(event) {
            Ok(routed) => routed,
            Err(error) => return Err(rejected(error, &invocation)),
        };
        let now = Timestamp::now();
        // A hand-made invocation has no occurrence of its own: it is one, now.
        let scheduled_time = event.scheduled_time.unwrap_or(now);
        let span = info_span!(
            "task",
            task = task.name(),
            scheduled_time = %scheduled_time,
            attempt = event.attempt.unwrap_or(1),
            request_id = %invocation.request_id,
        );
        self.deliver(task, event, scheduled_time, now, invocation)
            .instrument(span)
            .await
    }

    /// [`Dispatcher::dispatch`] of an invocation's body as it arrived: a body that is not JSON
    /// is an [`EventError`] like any other malformed event.
    pub async fn dispatch_body(
        &self,
        body: &[u8],
        invocation: Invocation,
    ) -> Result<Outcome, DispatchError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(event) => self.dispatch(event, invocation).await,
            Err(error) => Err(rejected(
                EventError::Shape(format!("the body is not JSON ({error})")).into(),
                &invocation,
            )),
        }
    }

    /// Runs the missed-run check over every task enabled in this environment, publishing each
    /// task's count of newly missed occurrences.
    pub async fn check(&self, now: Timestamp) -> Result<Outcome, DispatchError> {
        let report =
            ledger::check_missed_runs(&self.registry, &self.environment, &self.recorder, now).await;
        for task in &report.tasks {
            if !task.scheduled_times.is_empty() {
                warn!(task = %task.task, missed = ?task.scheduled_times, "occurrences missed: nothing arrived for them");
            }
            if let Some(metrics) = &self.metrics {
                metrics.missed(&task.task, task.scheduled_times.len());
            }
        }
        if let Some(metrics) = &self.metrics {
            metrics.missed_total(report.missed());
        }
        if report.errors.is_empty() {
            info!(missed = report.missed(), "missed-run check done");
            Ok(Outcome::Checked { report })
        } else {
            let error = DispatchError::Check {
                problems: report.errors,
            };
            error!(error = %error, error_type = error.error_type(), "missed-run check failed");
            Err(error)
        }
    }

    /// The task an event names, and the event decoded.
    fn route(&self, event: Value) -> Result<(&'static Registration, Event), DispatchError> {
        let event = Event::from_json(event)?;
        match self.registry.get(&event.task) {
            Some(task) => match &self.serves {
                Serves::Group(here) if here.as_deref() != task.spec().function => {
                    Err(DispatchError::WrongFunction {
                        task: event.task,
                        runs_in: task.spec().function.map(str::to_owned),
                        here: here.clone(),
                    })
                }
                _ => Ok((task, event)),
            },
            None => Err(DispatchError::UnknownTask {
                task: event.task,
                known: self.registry.names().map(str::to_owned).collect(),
            }),
        }
    }

    /// Publishes one delivery's outcome as metrics, when this dispatcher publishes any.
    fn publish(&self, task: &str, status: Status, duration_ms: Option<u64>) {
        if let Some(metrics) = &self.metrics {
            metrics.run(task, status, duration_ms, self.recorder.failed_writes());
        }
    }
}

/// Whether `event` is the missed-run check's: `{"check": "missed_runs"}`.
fn is_check(event: &Value) -> bool {
    event.as_object().is_some_and(|object| {
        object.len() == 1 && object.get("check") == Some(&Value::from("missed_runs"))
    })
}

/// Logs an invocation refused before any task ran (its one log line, with the error's type)
/// and returns the error.
pub(crate) fn rejected(error: DispatchError, invocation: &Invocation) -> DispatchError {
    error!(
        request_id = %invocation.request_id,
        error_type = error.error_type(),
        error = %error,
        "rejected"
    );
    error
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::is_check;

    #[test]
    fn only_the_check_event_itself_is_the_check() {
        assert!(is_check(&json!({"check": "missed_runs"})));
        assert!(!is_check(
            &json!({"check": "missed_runs", "task": "nightly"})
        ));
        assert!(!is_check(&json!({"check": "something_else"})));
        assert!(!is_check(&json!({"task": "nightly"})));
        assert!(!is_check(&json!("missed_runs")));
    }
}

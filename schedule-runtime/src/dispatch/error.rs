//! Why an invocation did not succeed, named for Lambda and for the ledger.

use std::time::Duration;

use schedule_core::jiff::Timestamp;

use crate::causes::with_causes;
use crate::event::EventError;
use crate::idempotency::StoreError;
use crate::ledger::{self, Status};
use crate::task::TaskError;

/// Why an invocation did not succeed. Lambda retries every one of these (and finally sends the
/// event to the on-failure destination), so each leaves the occurrence ready to run again.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The event is not a schedule event.
    #[error(transparent)]
    Event(#[from] EventError),
    /// No task of that name in this binary.
    #[error("no task named `{task}`; the tasks are: {}", known.join(", "))]
    UnknownTask {
        /// The name in the event.
        task: String,
        /// The registered names.
        known: Vec<String>,
    },
    /// The task runs in another function group's function: the event reached the wrong
    /// function (a hand-made invocation, a schedule edited by hand), which holds the wrong
    /// permissions for it.
    #[error(
        "task `{task}` runs in {}, not in this function ({}); invoke that function's alias",
        group_words(.runs_in.as_deref()),
        group_words(.here.as_deref())
    )]
    WrongFunction {
        /// The task.
        task: String,
        /// The group it declares (`function = "..."`); `None` for the default function.
        runs_in: Option<String>,
        /// The group this function serves.
        here: Option<String>,
    },
    /// The input did not decode.
    #[error("task `{task}`: {source}")]
    Input {
        /// The task.
        task: String,
        /// The decoding error.
        source: TaskError,
    },
    /// The task returned an error.
    #[error("task `{task}` failed: {message}")]
    Failed {
        /// The task.
        task: String,
        /// The task's error.
        message: String,
    },
    /// The task panicked.
    #[error("task `{task}` panicked: {message}")]
    Panicked {
        /// The task.
        task: String,
        /// The panic's message.
        message: String,
    },
    /// The task ran past its timeout (or the Lambda's deadline) and was cancelled.
    #[error("task `{task}` timed out after {after:?} and was cancelled")]
    TimedOut {
        /// The task.
        task: String,
        /// How long it was given.
        after: Duration,
    },
    /// Another delivery of this occurrence is running; retry after its lease.
    #[error(
        "task `{task}`: the occurrence {scheduled_time} is being run by another delivery until {lease_until}; retry later"
    )]
    InProgress {
        /// The task.
        task: String,
        /// The occurrence.
        scheduled_time: Timestamp,
        /// When the other run's lease lapses.
        lease_until: Timestamp,
    },
    /// The missed-run check could not read or write the ledger for some tasks; the next check
    /// looks at them again.
    #[error("the missed-run check failed for: {}", problems.join("; "))]
    Check {
        /// Each task's problem.
        problems: Vec<String>,
    },
    /// The idempotency store did not answer, so the task was not run (fail closed).
    #[error("task `{task}` was not run: {source}")]
    Store {
        /// The task.
        task: String,
        /// The store's error.
        source: StoreError,
    },
    /// The function's environment does not configure a dispatcher (no task registered, a
    /// variable it cannot read), so no task was run. In Lambda every invocation answers this
    /// until the function's configuration is mended.
    #[error("the function cannot serve invocations: {problem}")]
    Configuration {
        /// What is wrong, naming the variable or the registration.
        problem: String,
    },
}

/// A function group in words: `function group `backup`` or `the default function`.
fn group_words(group: Option<&str>) -> String {
    match group {
        Some(group) => format!("function group `{group}`"),
        None => "the default function".to_owned(),
    }
}

impl DispatchError {
    /// A stable name for the kind of failure: Lambda's `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            DispatchError::Event(_) => "InvalidScheduleEvent",
            DispatchError::UnknownTask { .. } => "UnknownTask",
            DispatchError::WrongFunction { .. } => "WrongFunction",
            DispatchError::Input { .. } => "InvalidTaskInput",
            DispatchError::Failed { .. } => "TaskFailed",
            DispatchError::Panicked { .. } => "TaskPanicked",
            DispatchError::TimedOut { .. } => "TaskTimedOut",
            DispatchError::InProgress { .. } => "OccurrenceInProgress",
            DispatchError::Store { .. } => "IdempotencyStoreUnavailable",
            DispatchError::Check { .. } => "MissedRunCheckFailed",
            DispatchError::Configuration { .. } => "InvalidConfiguration",
        }
    }
}

/// How a guarded run failed, before it is named after its task.
pub(super) enum Failure {
    Task(TaskError),
    Panicked(String),
    TimedOut(Duration),
}

impl Failure {
    /// How the ledger records it.
    pub(super) fn status(&self) -> Status {
        match self {
            Failure::Task(_) => Status::Failed,
            Failure::Panicked(_) => Status::Panicked,
            Failure::TimedOut(_) => Status::TimedOut,
        }
    }

    pub(super) fn into_dispatch_error(self, task: String) -> DispatchError {
        match self {
            Failure::Task(source @ (TaskError::Input { .. } | TaskError::MissingInput { .. })) => {
                DispatchError::Input { task, source }
            }
            Failure::Task(TaskError::Failed(error)) => DispatchError::Failed {
                task,
                message: with_causes(error.as_ref()),
            },
            Failure::Task(error) => DispatchError::Failed {
                task,
                message: error.to_string(),
            },
            Failure::Panicked(message) => DispatchError::Panicked { task, message },
            Failure::TimedOut(after) => DispatchError::TimedOut { task, after },
        }
    }
}

/// The ledger's excerpt of a failure: its message without the task's name, which the record
/// already carries (`the supplier answered 503`, not ``task `sync` failed: the supplier …``).
pub(super) fn failure_excerpt(failure: &DispatchError, task: &str) -> String {
    let text = failure.to_string();
    let named = format!("task `{task}`");
    let message = text.strip_prefix(&named).map_or(text.as_str(), |rest| {
        let rest = rest.trim_start_matches(':').trim_start();
        rest.strip_prefix("failed: ").unwrap_or(rest)
    });
    ledger::excerpt(message)
}

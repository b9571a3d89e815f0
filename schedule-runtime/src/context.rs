//! [`TaskContext`]: what a running task knows about the run it is part of.

use schedule_core::jiff::{SignedDuration, Timestamp};

/// Facts about one run of a task, given to the task as a parameter of type `TaskContext`.
///
/// ```
/// use schedule_runtime::TaskContext;
///
/// // Tests of a task build the context they need.
/// let ctx = TaskContext::new("daily-sales-report", "2026-11-26T08:00:00Z".parse()?)
///     .with_attempt(2)
///     .with_environment("staging");
/// assert_eq!(ctx.task(), "daily-sales-report");
/// assert_eq!(ctx.attempt(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskContext {
    task: String,
    scheduled_time: Timestamp,
    attempt: u32,
    execution_id: String,
    deadline: Timestamp,
    environment: String,
}

impl TaskContext {
    /// A context for the first attempt of `task`'s occurrence at `scheduled_time`, with a
    /// deadline one minute later, an empty execution id and the environment `local`.
    pub fn new(task: impl Into<String>, scheduled_time: Timestamp) -> TaskContext {
        TaskContext {
            task: task.into(),
            scheduled_time,
            attempt: 1,
            execution_id: String::new(),
            // Only a minute before the end of representable time can this fail.
            deadline: scheduled_time
                .checked_add(SignedDuration::from_mins(1))
                .unwrap_or(Timestamp::MAX),
            environment: "local".to_owned(),
        }
    }

    /// Sets the attempt number (1 for the first delivery).
    #[must_use]
    pub fn with_attempt(mut self, attempt: u32) -> TaskContext {
        self.attempt = attempt;
        self
    }

    /// Sets the id the scheduler gave this delivery.
    #[must_use]
    pub fn with_execution_id(mut self, execution_id: impl Into<String>) -> TaskContext {
        self.execution_id = execution_id.into();
        self
    }

    /// Sets the instant by which the run must finish.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Timestamp) -> TaskContext {
        self.deadline = deadline;
        self
    }

    /// Sets the deployment environment's name.
    #[must_use]
    pub fn with_environment(mut self, environment: impl Into<String>) -> TaskContext {
        self.environment = environment.into();
        self
    }

    /// The task's name, as registered.
    pub fn task(&self) -> &str {
        &self.task
    }

    /// The occurrence this run is for: the time the schedule was due, not when the run started
    /// (a flexible window or a retry starts it later).
    pub fn scheduled_time(&self) -> Timestamp {
        self.scheduled_time
    }

    /// Which delivery of this occurrence this is, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The scheduler's id for this delivery; empty when run by hand.
    pub fn execution_id(&self) -> &str {
        &self.execution_id
    }

    /// The instant by which the run must have finished.
    pub fn deadline(&self) -> Timestamp {
        self.deadline
    }

    /// The deployment environment the task runs in, e.g. `production`.
    pub fn environment(&self) -> &str {
        &self.environment
    }
}

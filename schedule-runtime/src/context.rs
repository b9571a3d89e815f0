//! [`TaskContext`]: what a running task knows about the run it is part of.

use schedule_core::Schedule;
use schedule_core::jiff::{SignedDuration, Timestamp};

use crate::secret::{Secret, SecretError, Secrets};

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
///
/// // What it knows of its schedule, in the task's zone with AWS's DST rules (the dispatcher
/// // gives it the task's own): the occurrences around this one.
/// let monday: schedule_runtime::core::jiff::Timestamp = "2026-11-30T08:00:00Z".parse()?;
/// let ctx = TaskContext::new("report", monday).with_schedule("cron(0 9 ? * MON-FRI *)", "Europe/Berlin");
/// assert_eq!(ctx.previous_scheduled_time(), Some("2026-11-27T08:00:00Z".parse()?));
/// assert_eq!(ctx.next_scheduled_time(), Some("2026-12-01T08:00:00Z".parse()?));
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
    /// The task's schedule expression and zone, read when asked.
    schedule: Option<(&'static str, &'static str)>,
    /// Where [`secret`](TaskContext::secret) reads from: the process's, shared by its runs;
    /// `None` reads the `SCHEDULE_SECRET_*` variables.
    secrets: Option<Secrets>,
    /// The secrets the task declares, the only ones it may read; `None` (a context a test
    /// built) allows any.
    declared: Option<&'static [&'static str]>,
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
            schedule: None,
            secrets: None,
            declared: None,
        }
    }

    /// Sets the schedule the task runs on and its zone (an IANA name), which
    /// [`previous_scheduled_time`](TaskContext::previous_scheduled_time) and
    /// [`next_scheduled_time`](TaskContext::next_scheduled_time) read. The dispatcher sets the
    /// task's own.
    #[must_use]
    pub fn with_schedule(
        mut self,
        expression: &'static str,
        timezone: &'static str,
    ) -> TaskContext {
        self.schedule = Some((expression, timezone));
        self
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

    /// Gives the run the secret `name` with `value`, read before any other source: for a
    /// task's tests.
    ///
    /// ```
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// use schedule_runtime::TaskContext;
    ///
    /// let ctx = TaskContext::new("inventory-sync", "2026-11-26T08:05:00Z".parse().unwrap())
    ///     .with_secret("supplier-api-key", "test-key");
    /// let key = ctx.secret("supplier-api-key").await.unwrap();
    /// assert_eq!(key.expose(), "test-key");
    /// assert_eq!(format!("{key:?}"), "Secret(supplier-api-key: <redacted>)");
    /// # });
    /// ```
    #[must_use]
    pub fn with_secret(mut self, name: &str, value: &str) -> TaskContext {
        self.secrets = Some(Secrets::fixed(name, value, None));
        self
    }

    /// Sets where secrets are read from (the dispatcher gives each run its process's) and
    /// which the task may read (its declaration's).
    #[must_use]
    pub(crate) fn with_secrets(
        mut self,
        secrets: Option<Secrets>,
        declared: &'static [&'static str],
    ) -> TaskContext {
        self.secrets = secrets;
        self.declared = Some(declared);
        self
    }

    /// The secret `name`, read when first asked for and kept by the process a while
    /// (`secret_store.rs` in Lambda: five minutes; outside it, read on every call). The task
    /// must declare it, `#[scheduled(..., secrets = ["supplier-api-key"])]`: that is what the
    /// deployed function is given, and the only secrets its runs may read.
    ///
    /// In Lambda it comes from where the generated module put it for the task's function
    /// (Parameter Store or Secrets Manager); outside Lambda from the variable
    /// `SCHEDULE_SECRET_<NAME>` (upper case, `-` and `.` as `_`) or the file
    /// `<state dir>/secrets/<name>`. The error names the secret, never a value; a run that
    /// returns it fails and is retried like any failure.
    pub async fn secret(&self, name: &str) -> Result<Secret, SecretError> {
        if let Some(declared) = self.declared
            && !declared.contains(&name)
        {
            return Err(SecretError::new(
                name,
                format!(
                    "task `{}` does not declare it; add `secrets = [\"{name}\"]` to its \
                     #[scheduled] (the deployed function is given only declared secrets)",
                    self.task
                ),
            ));
        }
        match &self.secrets {
            Some(secrets) => secrets.read(name).await,
            None => Secrets::local(None).read(name).await,
        }
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

    /// The task's occurrence before this one: its schedule's last fire time before
    /// [`scheduled_time`](TaskContext::scheduled_time), in the task's zone with AWS's DST
    /// rules. Where "everything since the last run" starts, without storing it. For a `rate()`,
    /// one period earlier; for a cron, looking back at most ten years. `None` for a task
    /// without a schedule (it runs when deferred) and for an `at()` task's only run.
    pub fn previous_scheduled_time(&self) -> Option<Timestamp> {
        let (schedule, zone) = self.parsed_schedule()?;
        schedule.last_before(self.scheduled_time, &zone)
    }

    /// The task's occurrence after this one: its schedule's first fire time after
    /// [`scheduled_time`](TaskContext::scheduled_time) (for a `rate()`, one period later).
    /// `None` without a schedule, or when it never fires again.
    pub fn next_scheduled_time(&self) -> Option<Timestamp> {
        let (schedule, zone) = self.parsed_schedule()?;
        match &schedule {
            Schedule::Rate(rate) => self.scheduled_time.checked_add(rate.period()).ok(),
            _ => schedule.next_after(self.scheduled_time, &zone),
        }
    }

    /// The schedule and its zone, parsed on each call: a run that never asks pays nothing.
    /// The macro checked both when the crate compiled.
    fn parsed_schedule(&self) -> Option<(Schedule, schedule_core::jiff::tz::TimeZone)> {
        let (expression, timezone) = self.schedule?;
        let schedule = expression.parse().ok()?;
        let zone = schedule_core::time_zone(timezone).ok()?;
        Some((schedule, zone))
    }
}

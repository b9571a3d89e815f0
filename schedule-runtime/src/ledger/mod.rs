//! The ledger: what happened to every occurrence of every task, to answer "did it run?".
//!
//! Each delivery of an occurrence changes its one [`Record`] (task + scheduled time): a run
//! [starts](Change::Started) (unless the task is [paused](Pause)) and
//! [finishes](Change::Finished), a delivery of an occurrence that
//! already succeeded counts as a [duplicate](Change::Duplicate), the local runner's final
//! failure is [dead-lettered](Change::DeadLettered), and the missed-run check marks an
//! occurrence that never arrived as [missed](Change::Missed). [`Record::apply`] is the one
//! definition of what each change does; the DynamoDB ledger's update expressions do the same
//! in the table.
//!
//! Writing the ledger never stops a run: [`Recorder`] bounds each write in time, logs and counts
//! one that fails, and the run goes on (idempotency, not the ledger, keeps an occurrence from
//! running twice).

mod check;
#[cfg(any(test, feature = "test-util"))]
pub mod conformance;
#[cfg(feature = "app")]
mod dynamodb;
mod local;
pub(crate) mod missed;
mod recorder;
mod report;
pub mod table;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use schedule_core::jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use check::{CheckReport, MissedRuns, check_missed_runs};
#[cfg(feature = "app")]
pub use dynamodb::DynamoDbLedger;
pub use local::LocalLedger;
pub use missed::{GRACE, lateness};
pub use recorder::{DEFAULT_RETENTION, Recorder, WRITE_TIMEOUT};
pub use report::{
    LongRuns, RECENT_RUNS, TaskReport, TaskStatus, history, interval, shown_status, status,
    task_report, task_status,
};

/// How an occurrence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A delivery is running it.
    Running,
    /// Its last run succeeded.
    Succeeded,
    /// Its last run returned an error (or its input did not decode).
    Failed,
    /// Its last run ran out of time and was cancelled.
    TimedOut,
    /// Its last run panicked.
    Panicked,
    /// A delivery found it already completed (the ledger had no earlier record of it).
    Duplicate,
    /// It was not run, on purpose; [`Record::excerpt`] says why.
    Skipped,
    /// It was due and no delivery arrived (see the missed-run check).
    Missed,
    /// Its last attempt failed and no retry follows: it is in the dead-letter queue or file.
    DeadLettered,
}

impl Status {
    /// The word `status` and `history` print.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::TimedOut => "timed_out",
            Status::Panicked => "panicked",
            Status::Duplicate => "duplicate",
            Status::Skipped => "skipped",
            Status::Missed => "missed",
            Status::DeadLettered => "dead_lettered",
        }
    }

    /// Parses [`Status::as_str`]'s words.
    pub fn parse(word: &str) -> Option<Status> {
        [
            Status::Running,
            Status::Succeeded,
            Status::Failed,
            Status::TimedOut,
            Status::Panicked,
            Status::Duplicate,
            Status::Skipped,
            Status::Missed,
            Status::DeadLettered,
        ]
        .into_iter()
        .find(|status| status.as_str() == word)
    }

    /// A run that ended badly.
    pub fn is_failure(self) -> bool {
        matches!(
            self,
            Status::Failed | Status::TimedOut | Status::Panicked | Status::DeadLettered
        )
    }
}

/// The wire word, padded as the format asks (tables align on it).
impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Everything the ledger knows about one occurrence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The task.
    pub task: String,
    /// When the occurrence was due.
    pub scheduled_time: Timestamp,
    /// How it stands.
    pub status: Status,
    /// Deliveries that started a run.
    pub deliveries: u32,
    /// Runs that failed, timed out or panicked.
    pub failures: u32,
    /// Deliveries that found the occurrence already completed.
    pub duplicates: u32,
    /// Scheduler's attempt number of the last delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
    /// Scheduler's execution id of the last delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
    /// Lambda's request id (or the local run's id) of the last delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The deployment environment it ran in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// When the last run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<Timestamp>,
    /// When the last run ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<Timestamp>,
    /// How long the last run took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The last failure's type (`TaskFailed`, `TaskTimedOut`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    /// The start of the last error, the result, or why it was skipped, at most
    /// [`EXCERPT_CHARS`] characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    /// Whether a delivery from one of the task's schedules arrived for it (not only an
    /// operator's `invoke`, `backfill` or `replay`, nor a deferred run): such an occurrence
    /// shows that the deployment existed when it was due, which is where the missed-run rule
    /// may start (`docs/contracts.md`, section 5).
    #[serde(default, skip_serializing_if = "is_false")]
    pub by_schedule: bool,
    /// For a run deferred from code, its key: part of the occurrence, so that runs of one task
    /// deferred to the same instant under different keys are records of their own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferral: Option<String>,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// The longest excerpt of an error or result the ledger keeps.
pub const EXCERPT_CHARS: usize = 500;

/// `text` cut to [`EXCERPT_CHARS`] characters (an ellipsis marks the cut).
pub fn excerpt(text: &str) -> String {
    cut(text, EXCERPT_CHARS)
}

/// `text` cut to `chars` characters, the last of them an ellipsis when anything was cut.
pub(crate) fn cut(text: &str, chars: usize) -> String {
    if text.chars().nth(chars).is_none() {
        return text.to_owned();
    }
    let end = text
        .char_indices()
        .nth(chars.saturating_sub(1))
        .map_or(text.len(), |(at, _)| at);
    format!("{}…", &text[..end])
}

/// A run's start, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Start {
    /// When.
    pub at: Timestamp,
    /// Scheduler's attempt number.
    pub attempt: Option<u32>,
    /// Scheduler's execution id.
    pub execution_id: Option<String>,
    /// Lambda's request id.
    pub request_id: String,
    /// The deployment environment.
    pub environment: String,
    /// Whether one of the task's schedules sent the delivery ([`Record::by_schedule`]).
    #[serde(default, skip_serializing_if = "is_false")]
    pub by_schedule: bool,
}

/// A run's end, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct End {
    /// When.
    pub at: Timestamp,
    /// How: succeeded, failed, timed out or panicked.
    pub status: Status,
    /// How long it took.
    pub duration_ms: u64,
    /// The failure's type, when it failed.
    pub error_type: Option<String>,
    /// The error's or the result's start.
    pub excerpt: Option<String>,
}

/// One change to an occurrence's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A delivery started a run.
    Started(Start),
    /// The run ended.
    Finished(End),
    /// A delivery found the occurrence already completed and did not run it.
    Duplicate {
        /// The deployment environment.
        environment: String,
        /// Whether one of the task's schedules sent the delivery ([`Record::by_schedule`]).
        #[serde(default, skip_serializing_if = "is_false")]
        by_schedule: bool,
    },
    /// The occurrence was not run, on purpose.
    Skipped {
        /// Why.
        reason: String,
        /// The skipped delivery's request id (Lambda's, or a local one).
        request_id: String,
        /// Whether one of the task's schedules sent the delivery ([`Record::by_schedule`]).
        #[serde(default, skip_serializing_if = "is_false")]
        by_schedule: bool,
    },
    /// The occurrence was due and nothing arrived.
    Missed,
    /// The last attempt failed and no retry follows.
    DeadLettered {
        /// The failure's type.
        error_type: String,
        /// The error's start.
        excerpt: String,
    },
}

impl Record {
    /// The record of an occurrence nothing has happened to yet (the status is a placeholder
    /// that the first change replaces).
    pub fn empty(task: impl Into<String>, scheduled_time: Timestamp) -> Record {
        Record {
            task: task.into(),
            scheduled_time,
            status: Status::Missed,
            deliveries: 0,
            failures: 0,
            duplicates: 0,
            attempt: None,
            execution_id: None,
            request_id: None,
            environment: None,
            started: None,
            finished: None,
            duration_ms: None,
            error_type: None,
            excerpt: None,
            by_schedule: false,
            deferral: None,
        }
    }

    /// The record of a run deferred under `key` (or of an occurrence, with `None`) nothing
    /// has happened to yet.
    pub fn empty_of(
        task: impl Into<String>,
        scheduled_time: Timestamp,
        deferral: Option<String>,
    ) -> Record {
        Record {
            deferral,
            ..Record::empty(task, scheduled_time)
        }
    }

    /// What `change` does to a record; `fresh` says the record did not exist before.
    pub fn apply(&mut self, change: &Change, fresh: bool) {
        match change {
            Change::Started(start) => self.start(start),
            Change::Finished(end) => self.end(end),
            Change::Duplicate {
                environment,
                by_schedule,
            } => {
                if fresh {
                    self.status = Status::Duplicate;
                }
                self.duplicates += 1;
                if self.environment.is_none() {
                    self.environment = Some(environment.clone());
                }
                self.by_schedule |= by_schedule;
            }
            Change::Skipped {
                reason,
                request_id,
                by_schedule,
            } => {
                self.status = Status::Skipped;
                self.excerpt = Some(reason.clone());
                self.request_id = Some(request_id.clone());
                self.by_schedule |= by_schedule;
            }
            Change::Missed => {
                // Only an occurrence nothing arrived for is missed.
                if fresh {
                    self.status = Status::Missed;
                }
            }
            Change::DeadLettered {
                error_type,
                excerpt,
            } => {
                self.status = Status::DeadLettered;
                self.error_type = Some(error_type.clone());
                self.excerpt = Some(excerpt.clone());
            }
        }
    }

    fn start(&mut self, start: &Start) {
        self.status = Status::Running;
        self.deliveries += 1;
        self.started = Some(start.at);
        self.finished = None;
        self.duration_ms = None;
        if start.attempt.is_some() {
            self.attempt = start.attempt;
        }
        if start.execution_id.is_some() {
            self.execution_id.clone_from(&start.execution_id);
        }
        self.request_id = Some(start.request_id.clone());
        self.environment = Some(start.environment.clone());
        // Once a schedule delivered the occurrence, an operator's later delivery of it does
        // not undo that.
        self.by_schedule |= start.by_schedule;
    }

    fn end(&mut self, end: &End) {
        self.status = end.status;
        self.finished = Some(end.at);
        self.duration_ms = Some(end.duration_ms);
        self.error_type.clone_from(&end.error_type);
        self.excerpt.clone_from(&end.excerpt);
        if end.status.is_failure() {
            self.failures += 1;
        }
    }

    /// Whether no retry of this failed occurrence will come, so that it ended in the
    /// dead-letter queue: Lambda gives an occurrence `1 + retries` runs (the ledger counts the
    /// failed ones) and none after its maximum age, `given_up_at`.
    pub fn dead_lettered(&self, retries: u8, given_up_at: Timestamp, now: Timestamp) -> bool {
        self.status == Status::DeadLettered
            || (self.status.is_failure()
                && (self.failures > u32::from(retries) || now >= given_up_at))
    }
}

/// Which record a change goes to: a task's occurrence, and for a run deferred from code its key
/// (runs of one task deferred to the same instant under different keys are different
/// occurrences, as they are to idempotency).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence<'a> {
    /// The task.
    pub task: &'a str,
    /// When it was due.
    pub scheduled_time: Timestamp,
    /// A deferred run's key.
    pub deferral: Option<&'a str>,
}

impl<'a> Occurrence<'a> {
    /// `task`'s occurrence due at `scheduled_time`, not a deferred run.
    pub fn of(task: &'a str, scheduled_time: Timestamp) -> Occurrence<'a> {
        Occurrence {
            task,
            scheduled_time,
            deferral: None,
        }
    }

    /// The same occurrence as the run deferred under `key`, when there is one.
    #[must_use]
    pub fn deferred(self, key: Option<&'a str>) -> Occurrence<'a> {
        Occurrence {
            deferral: key,
            ..self
        }
    }
}

/// One change to one occurrence, with how long its record is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The task.
    pub task: String,
    /// The occurrence.
    pub scheduled_time: Timestamp,
    /// When the record may be forgotten.
    pub expires_at: Timestamp,
    /// For a run deferred from code, its key ([`Record::deferral`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferral: Option<String>,
    /// The change.
    #[serde(flatten)]
    pub change: Change,
}

/// Which of a task's records to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Query {
    /// Occurrences due at or after this.
    pub since: Option<Timestamp>,
    /// Occurrences due before this.
    pub until: Option<Timestamp>,
    /// At most this many, newest first.
    pub limit: usize,
}

/// The ledger could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("ledger: {message}")]
pub struct LedgerError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl LedgerError {
    /// An error with a message and, when there is one, its cause.
    pub fn new(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> LedgerError {
        LedgerError {
            message: message.into(),
            source,
        }
    }
}

/// A boxed future returned by a ledger.
pub type LedgerFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, LedgerError>> + Send + 'a>>;

/// Where the records live: DynamoDB in AWS, a file in the local state directory.
pub trait Ledger: Send + Sync + 'static {
    /// Applies one change to its occurrence's record (creating the record).
    fn write<'a>(&'a self, entry: &'a Entry) -> LedgerFuture<'a, ()>;

    /// A task's records, newest occurrence first.
    fn history<'a>(&'a self, task: &'a str, query: Query) -> LedgerFuture<'a, Vec<Record>>;

    /// Until when the missed-run check has looked at `task`'s occurrences; `None` before its
    /// first check.
    fn checked_until<'a>(&'a self, task: &'a str) -> LedgerFuture<'a, Option<Timestamp>>;

    /// The earliest occurrence of `task` due at or after `since` that one of its schedules
    /// delivered ([`Record::by_schedule`]), if any: where the missed-run rule starts before the
    /// check's first look. Reads from the oldest record on and stops at the first such one, so
    /// it costs the records operators sent before it, not the task's whole history.
    fn first_by_schedule<'a>(
        &'a self,
        task: &'a str,
        since: Timestamp,
    ) -> LedgerFuture<'a, Option<Timestamp>>;

    /// Remembers that the missed-run check has looked at `task` up to `until`.
    fn set_checked_until<'a>(
        &'a self,
        task: &'a str,
        until: Timestamp,
        expires_at: Timestamp,
    ) -> LedgerFuture<'a, ()>;

    /// Records a run's start, in one step with what may stop it: the task's pause switch, and,
    /// with `hold` (the lease's end), the task's running marker, which this occurrence then
    /// holds until it is released or the lease ends. Nothing is written when the answer is
    /// not [`StartAnswer::Started`]. `start` holds a [`Change::Started`].
    fn start_run<'a>(
        &'a self,
        start: &'a Entry,
        hold: Option<Timestamp>,
    ) -> LedgerFuture<'a, StartAnswer>;

    /// Gives up the running marker `holder` (an occurrence's scheduled time) holds, if it still
    /// does.
    fn release<'a>(&'a self, task: &'a str, holder: Timestamp) -> LedgerFuture<'a, ()>;

    /// Whether `task` is paused, and by whom and why.
    fn pause<'a>(&'a self, task: &'a str) -> LedgerFuture<'a, Option<Pause>>;

    /// Pauses `task` (`Some`) or resumes it (`None`).
    fn set_pause<'a>(&'a self, task: &'a str, pause: Option<&'a Pause>) -> LedgerFuture<'a, ()>;

    /// What `status` needs of `task`: its records due at or after `since`, its pause and the
    /// check's mark. Three reads here; a store that keeps them together answers in one (the
    /// DynamoDB ledger: one `Query` of the task's partition), so that an overview of every
    /// task costs one query per task.
    fn read_task<'a>(&'a self, task: &'a str, since: Timestamp) -> LedgerFuture<'a, TaskRead> {
        Box::pin(async move {
            let query = Query {
                since: Some(since),
                until: None,
                limit: usize::MAX,
            };
            Ok(TaskRead {
                records: self.history(task, query).await?,
                pause: self.pause(task).await?,
                checked_until: self.checked_until(task).await?,
            })
        })
    }
}

/// What [`Ledger::read_task`] reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskRead {
    /// The records due at or after the time asked, newest first.
    pub records: Vec<Record>,
    /// The task's pause, if it is paused.
    pub pause: Option<Pause>,
    /// Until when the missed-run check has looked.
    pub checked_until: Option<Timestamp>,
}

/// What [`Ledger::start_run`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartAnswer {
    /// The start is recorded (and the marker held, when asked): run.
    Started,
    /// The task is paused: do not run.
    Paused(Pause),
    /// Another occurrence of the task holds its running marker: do not run.
    Overlapping {
        /// That occurrence.
        running: Timestamp,
        /// When its lease ends.
        until: Timestamp,
    },
}

/// Who paused a task, when and why. A paused task's deliveries are recorded as
/// [skipped](Status::Skipped), not run; they are not missed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// Who (the operator's user name).
    pub by: String,
    /// When.
    pub at: Timestamp,
    /// Why, as given.
    pub reason: Option<String>,
}

impl fmt::Display for Pause {
    /// `paused by alice at 2026-11-30T08:00:00Z: supplier outage`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = self.at.strftime("%Y-%m-%dT%H:%M:%SZ");
        write!(f, "paused by {} at {at}", self.by)?;
        match &self.reason {
            Some(reason) => write!(f, ": {reason}"),
            None => Ok(()),
        }
    }
}

/// The ledger of a process that keeps none (a Lambda without its ledger table): writes go
/// nowhere, reads find nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoLedger;

impl Ledger for NoLedger {
    fn write<'a>(&'a self, _: &'a Entry) -> LedgerFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn history<'a>(&'a self, _: &'a str, _: Query) -> LedgerFuture<'a, Vec<Record>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }

    fn checked_until<'a>(&'a self, _: &'a str) -> LedgerFuture<'a, Option<Timestamp>> {
        Box::pin(std::future::ready(Ok(None)))
    }

    fn first_by_schedule<'a>(
        &'a self,
        _: &'a str,
        _: Timestamp,
    ) -> LedgerFuture<'a, Option<Timestamp>> {
        Box::pin(std::future::ready(Ok(None)))
    }

    fn set_checked_until<'a>(
        &'a self,
        _: &'a str,
        _: Timestamp,
        _: Timestamp,
    ) -> LedgerFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn start_run<'a>(
        &'a self,
        _: &'a Entry,
        _: Option<Timestamp>,
    ) -> LedgerFuture<'a, StartAnswer> {
        Box::pin(std::future::ready(Ok(StartAnswer::Started)))
    }

    fn release<'a>(&'a self, _: &'a str, _: Timestamp) -> LedgerFuture<'a, ()> {
        Box::pin(std::future::ready(Ok(())))
    }

    fn pause<'a>(&'a self, _: &'a str) -> LedgerFuture<'a, Option<Pause>> {
        Box::pin(std::future::ready(Ok(None)))
    }

    fn set_pause<'a>(&'a self, _: &'a str, _: Option<&'a Pause>) -> LedgerFuture<'a, ()> {
        Box::pin(std::future::ready(Err(LedgerError::new(
            "this process keeps no ledger, so it cannot pause a task",
            None,
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_shows_as_its_word_on_the_wire() {
        assert_eq!(Status::DeadLettered.to_string(), "dead_lettered");
        assert_eq!(Status::TimedOut.to_string(), "timed_out");
        assert_eq!(format!("{:>9}", Status::Missed), "   missed");
    }

    #[test]
    fn a_flag_that_is_off_is_left_out_of_a_record() {
        // `by_schedule` and the other flags are written only when set, so records written
        // before they existed and records without them read the same.
        assert!(is_false(&false));
        assert!(!is_false(&true));
    }

    fn at(text: &str) -> Timestamp {
        text.parse().expect("an instant")
    }

    fn start(request_id: &str) -> Start {
        Start {
            at: at("2026-11-26T08:00:01Z"),
            attempt: Some(1),
            execution_id: Some("e1".into()),
            request_id: request_id.into(),
            environment: "production".into(),
            by_schedule: false,
        }
    }

    fn started(request_id: &str) -> Change {
        Change::Started(start(request_id))
    }

    fn end(status: Status) -> End {
        End {
            at: at("2026-11-26T08:00:03Z"),
            status,
            duration_ms: 2_000,
            error_type: status.is_failure().then(|| "TaskFailed".to_owned()),
            excerpt: status.is_failure().then(|| "boom".to_owned()),
        }
    }

    fn finished(status: Status) -> Change {
        Change::Finished(end(status))
    }

    #[test]
    fn a_retry_that_succeeds_clears_the_error_and_counts_both_deliveries() {
        let mut record = Record::empty("report", at("2026-11-26T08:00:00Z"));
        record.apply(&started("r1"), true);
        record.apply(&finished(Status::Failed), false);
        assert_eq!(record.status, Status::Failed);
        assert_eq!(record.error_type.as_deref(), Some("TaskFailed"));
        record.apply(&started("r2"), false);
        assert_eq!(record.status, Status::Running);
        record.apply(&finished(Status::Succeeded), false);
        assert_eq!(record.status, Status::Succeeded);
        assert_eq!((record.deliveries, record.failures), (2, 1));
        assert_eq!(record.error_type, None);
        assert_eq!(record.request_id.as_deref(), Some("r2"));
        assert!(!record.dead_lettered(2, Timestamp::MAX, Timestamp::MIN));
    }

    #[test]
    fn a_duplicate_of_a_success_leaves_it_succeeded() {
        let mut record = Record::empty("report", at("2026-11-26T08:00:00Z"));
        record.apply(&started("r1"), true);
        record.apply(&finished(Status::Succeeded), false);
        record.apply(
            &Change::Duplicate {
                environment: "production".into(),
                by_schedule: false,
            },
            false,
        );
        assert_eq!(record.status, Status::Succeeded);
        assert_eq!(record.duplicates, 1);
        let mut unknown = Record::empty("report", at("2026-11-26T08:00:00Z"));
        unknown.apply(
            &Change::Duplicate {
                environment: "production".into(),
                by_schedule: false,
            },
            true,
        );
        assert_eq!(unknown.status, Status::Duplicate);
    }

    #[test]
    fn missed_marks_only_an_occurrence_nothing_arrived_for() {
        let mut record = Record::empty("report", at("2026-11-26T08:00:00Z"));
        record.apply(&started("r1"), true);
        record.apply(&Change::Missed, false);
        assert_eq!(record.status, Status::Running);
        let mut late = Record::empty("report", at("2026-11-26T08:00:00Z"));
        late.apply(&Change::Missed, true);
        assert_eq!(late.status, Status::Missed);
        // A delivery that arrives after all replaces the verdict.
        late.apply(&started("r1"), false);
        assert_eq!(late.status, Status::Running);
    }

    #[test]
    fn a_delivery_by_schedule_marks_the_record_for_good() {
        let mut record = Record::empty("report", at("2026-11-26T08:00:00Z"));
        record.apply(&started("operator"), true);
        assert!(
            !record.by_schedule,
            "an operator's run is not the schedule's"
        );
        let by_schedule = Change::Started(Start {
            by_schedule: true,
            ..start("scheduler")
        });
        record.apply(&by_schedule, false);
        assert!(record.by_schedule);
        // A later operator's run of the same occurrence leaves it as the schedule's.
        record.apply(&started("operator-again"), false);
        record.apply(&finished(Status::Succeeded), false);
        assert!(record.by_schedule);
        // A paused task's delivery is the schedule's too: the deployment existed.
        let mut skipped = Record::empty("report", at("2026-11-26T09:00:00Z"));
        skipped.apply(
            &Change::Skipped {
                reason: "paused".into(),
                request_id: "r".into(),
                by_schedule: true,
            },
            true,
        );
        assert!(skipped.by_schedule);
        let mut missed = Record::empty("report", at("2026-11-26T10:00:00Z"));
        missed.apply(&Change::Missed, true);
        assert!(!missed.by_schedule);
    }

    #[test]
    fn failures_beyond_the_retries_read_as_dead_lettered() {
        let mut record = Record::empty("report", at("2026-11-26T08:00:00Z"));
        for _ in 0..2 {
            record.apply(&started("r"), false);
            record.apply(&finished(Status::TimedOut), false);
        }
        let (later, now) = (Timestamp::MAX, at("2026-11-26T08:30:00Z"));
        assert!(!record.dead_lettered(2, later, now));
        assert!(record.dead_lettered(1, later, now));
        // Past its maximum age no retry comes, however many are left.
        assert!(record.dead_lettered(2, at("2026-11-26T08:10:00Z"), now));
    }

    #[test]
    fn excerpts_are_bounded_by_characters() {
        assert_eq!(excerpt("short"), "short");
        let long = "é".repeat(EXCERPT_CHARS + 10);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn statuses_read_back_from_their_words() {
        for word in [
            "running",
            "succeeded",
            "timed_out",
            "dead_lettered",
            "missed",
        ] {
            assert_eq!(Status::parse(word).map(Status::as_str), Some(word));
        }
        assert_eq!(Status::parse("done"), None);
    }
}

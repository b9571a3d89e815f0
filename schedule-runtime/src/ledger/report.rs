//! What `status` and `history` show, computed from the ledger and the declarations: the same
//! for the local state directory and a deployed table.

use schedule_core::TaskSpec;
use schedule_core::jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::missed::{Watch, lateness, uncovered};
use super::{Ledger, LedgerError, Pause, Query, Record, Status};
use crate::registry::Registry;
use crate::task::Planned;
use crate::task::Registration;

/// One task's line of `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskStatus {
    /// The task.
    pub task: String,
    /// Whether its schedule runs in the environment.
    pub enabled: bool,
    /// Who paused it, when and why, if it is paused.
    pub paused: Option<Pause>,
    /// Its newest occurrence that something arrived for.
    pub last_run: Option<Record>,
    /// Its newest occurrence that succeeded.
    pub last_success: Option<Timestamp>,
    /// When it fires next, if it is enabled and fires again.
    pub next: Option<Timestamp>,
    /// Occurrences missed within the retention window: marked missed by the check, or due
    /// and unrecorded since its last look.
    pub missed: usize,
    /// Recent runs that took more than half the task's interval, if they did: a warning
    /// before runs overlap (`overlap = "skip"` would start skipping, `allow` would run two at
    /// once).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub long_runs: Option<LongRuns>,
    /// The task's zone, for display.
    #[serde(skip)]
    pub(crate) zone: String,
}

/// A task's recent runs against its interval; see [`TaskStatus::long_runs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LongRuns {
    /// The longest of the recent runs.
    pub longest_ms: u64,
    /// The shortest time between two of the task's next fire times.
    pub interval_ms: u64,
}

/// How many of a task's newest runs [`LongRuns`] looks at.
pub const RECENT_RUNS: usize = 10;

/// How many of a task's next fire times its interval is taken from (the shortest gap: a
/// business-hours cron's is within the day, not across the night).
const SAMPLED_FIRE_TIMES: usize = 24;

/// The status of every task of `registry` in `environment`, from `ledger`'s records of the
/// last `retention`.
pub async fn status(
    registry: &Registry,
    environment: &str,
    ledger: &dyn Ledger,
    now: Timestamp,
    retention: SignedDuration,
) -> Result<Vec<TaskStatus>, LedgerError> {
    let mut statuses = Vec::new();
    for task in registry.tasks() {
        statuses.push(task_status(task, environment, ledger, now, retention).await?);
    }
    Ok(statuses)
}

/// The status of one task, as [`status`] gives it for every task.
pub async fn task_status(
    task: &'static Registration,
    environment: &str,
    ledger: &dyn Ledger,
    now: Timestamp,
    retention: SignedDuration,
) -> Result<TaskStatus, LedgerError> {
    Ok(task_report(task, environment, ledger, now, retention, 0)
        .await?
        .status)
}

/// A task's status and its newest occurrences, from the one read [`task_status`] makes: what
/// the console draws each task's row from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskReport {
    /// The task's line of `status`.
    pub status: TaskStatus,
    /// Its newest occurrences, newest first, as `history` shows them: the records, and as
    /// `missed` the occurrences the missed-run rule finds unrecorded.
    pub occurrences: Vec<Record>,
}

/// [`task_status`], and the task's `newest` occurrences of the same read (no second query).
pub async fn task_report(
    task: &'static Registration,
    environment: &str,
    ledger: &dyn Ledger,
    now: Timestamp,
    retention: SignedDuration,
    newest: usize,
) -> Result<TaskReport, LedgerError> {
    let spec = task.spec();
    let enabled = spec.enabled_in(environment);
    // One read of the task (one query on DynamoDB): its records, pause and check mark.
    let read = ledger.read_task(spec.name, now - retention).await?;
    let records = &read.records;
    let marked = records
        .iter()
        .filter(|r| r.status == Status::Missed)
        .count();
    // Since the check's last look (or, before its first, since the first delivery by
    // schedule), the rule is applied here, so `status` is right even where no check runs.
    let unrecorded = match Watch::from_read(&read, now - retention).since() {
        Some(from) if enabled => uncovered(task, from, now - lateness(spec), records),
        _ => Vec::new(),
    };
    let status = TaskStatus {
        task: spec.name.to_owned(),
        enabled,
        paused: read.pause.clone(),
        last_run: records.iter().find(|r| r.status != Status::Missed).cloned(),
        last_success: records
            .iter()
            .find(|r| r.status == Status::Succeeded)
            .map(|r| r.scheduled_time),
        next: enabled
            .then(|| Planned::new(task, now).and_then(|plan| plan.next_after(now)))
            .flatten(),
        missed: marked + unrecorded.len(),
        long_runs: long_runs(spec, records, now),
        zone: spec.timezone.to_owned(),
    };
    Ok(TaskReport {
        status,
        occurrences: newest_occurrences(spec.name, read.records, &unrecorded, newest),
    })
}

/// The `newest` of `records` and the `unrecorded` misses, newest first.
fn newest_occurrences(
    task: &str,
    mut records: Vec<Record>,
    unrecorded: &[Timestamp],
    newest: usize,
) -> Vec<Record> {
    if newest == 0 {
        return Vec::new();
    }
    records.extend(unrecorded.iter().map(|&time| {
        let mut missed = Record::empty(task, time);
        missed.apply(&super::Change::Missed, true);
        missed
    }));
    records.sort_by_key(|record| std::cmp::Reverse(record.scheduled_time));
    records.truncate(newest);
    records
}

/// Whether the task's [`RECENT_RUNS`] newest runs include one longer than half its interval.
fn long_runs(spec: &TaskSpec, records: &[Record], now: Timestamp) -> Option<LongRuns> {
    let longest_ms = records
        .iter()
        .filter_map(|r| r.duration_ms)
        .take(RECENT_RUNS)
        .max()?;
    let interval_ms = interval(spec, now)?;
    (longest_ms.saturating_mul(2) > interval_ms).then_some(LongRuns {
        longest_ms,
        interval_ms,
    })
}

/// The shortest time between two of the task's next fire times, in milliseconds; `None`
/// without a recurring schedule.
pub fn interval(spec: &TaskSpec, now: Timestamp) -> Option<u64> {
    let schedule = spec.schedule()?.ok()?;
    let zone = spec.time_zone().ok()?;
    if let schedule_core::Schedule::Rate(rate) = &schedule {
        return u64::try_from(rate.period().as_millis()).ok();
    }
    schedule
        .gaps(now, &zone)
        .take(SAMPLED_FIRE_TIMES - 1)
        .map(|gap| gap.as_millis())
        .min()
        .and_then(|ms| u64::try_from(ms).ok())
}

/// The occurrences of `task` the missed-run rule finds with no record at all since its
/// [`Watch`] and after `read_from`, the start of what `records` holds: the rule applied here,
/// so that `status` and `history` are right even where no check runs.
async fn unrecorded_misses(
    task: &'static Registration,
    environment: &str,
    ledger: &dyn Ledger,
    now: Timestamp,
    records: &[Record],
    read_from: Timestamp,
) -> Result<Vec<Timestamp>, LedgerError> {
    let spec = task.spec();
    if !spec.enabled_in(environment) {
        return Ok(Vec::new());
    }
    let floor = read_from
        .checked_sub(SignedDuration::from_nanos(1))
        .unwrap_or(read_from);
    let Some(from) = Watch::read(ledger, spec.name, floor).await?.since() else {
        return Ok(Vec::new());
    };
    Ok(uncovered(task, from, now - lateness(spec), records))
}

/// A task's occurrences, newest first, as `history` shows them: the ledger's records and, as
/// `missed`, the occurrences the missed-run rule finds unrecorded (the check has not looked
/// at them yet).
pub async fn history(
    task: &'static Registration,
    environment: &str,
    ledger: &dyn Ledger,
    query: Query,
    now: Timestamp,
) -> Result<Vec<Record>, LedgerError> {
    let records = ledger.history(task.name(), query).await?;
    // Unrecorded misses are looked for only where the read saw everything: after `--since`,
    // and after the oldest record when the limit cut the read short.
    let read_from = match records.last() {
        Some(oldest) if records.len() >= query.limit => oldest.scheduled_time,
        _ => query.since.unwrap_or(Timestamp::MIN),
    };
    let found = unrecorded_misses(task, environment, ledger, now, &records, read_from).await?;
    let asked = |time: &Timestamp| query.until.is_none_or(|until| *time < until);
    let found: Vec<Timestamp> = found.into_iter().filter(asked).collect();
    Ok(newest_occurrences(
        task.name(),
        records,
        &found,
        query.limit,
    ))
}

/// The word a record's status is shown as at `now`: a failure of `spec`'s task that no retry
/// follows (its retries used up, or its maximum age passed) reads as `dead_lettered`.
pub fn shown_status(record: &Record, spec: &TaskSpec, now: Timestamp) -> &'static str {
    let given_up_at = record
        .scheduled_time
        .checked_add(SignedDuration::from_secs(
            spec.effective_max_age_seconds().into(),
        ))
        .unwrap_or(Timestamp::MAX);
    if record.dead_lettered(spec.retries, given_up_at, now) {
        Status::DeadLettered.as_str()
    } else {
        record.status.as_str()
    }
}

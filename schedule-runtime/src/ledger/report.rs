//! What `status` and `history` show, computed from the ledger and the declarations: the same
//! for the local state directory and a deployed table.

use schedule_core::jiff::tz::TimeZone;
use schedule_core::jiff::{SignedDuration, Timestamp};
use schedule_core::{TaskSpec, format_instant, time_zone};
use serde::Serialize;

use super::missed::{Watch, lateness, uncovered};
use super::{Ledger, LedgerError, Pause, Query, Record, Status};
use crate::registry::Registry;
use crate::runner::plan::Planned;
use crate::task::Registration;
use crate::text_table;

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
    /// The task's zone, for display.
    #[serde(skip)]
    zone: String,
}

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

async fn task_status(
    task: &'static Registration,
    environment: &str,
    ledger: &dyn Ledger,
    now: Timestamp,
    retention: SignedDuration,
) -> Result<TaskStatus, LedgerError> {
    let spec = task.spec();
    let enabled = spec.enabled_in(environment);
    let records = ledger
        .history(
            spec.name,
            Query {
                since: Some(now - retention),
                until: None,
                limit: usize::MAX,
            },
        )
        .await?;
    let marked = records
        .iter()
        .filter(|r| r.status == Status::Missed)
        .count();
    // Since the check's last look (or, before its first, since the first delivery by
    // schedule), the rule is applied here, so `status` is right even where no check runs.
    let unrecorded = match Watch::read(ledger, spec.name, now - retention)
        .await?
        .since()
    {
        Some(from) if enabled => uncovered(task, from, now - lateness(spec), &records).len(),
        _ => 0,
    };
    Ok(TaskStatus {
        task: spec.name.to_owned(),
        enabled,
        paused: ledger.pause(spec.name).await?,
        last_run: records.iter().find(|r| r.status != Status::Missed).cloned(),
        last_success: records
            .iter()
            .find(|r| r.status == Status::Succeeded)
            .map(|r| r.scheduled_time),
        next: enabled
            .then(|| Planned::new(task, now).and_then(|plan| plan.next_after(now)))
            .flatten(),
        missed: marked + unrecorded,
        zone: spec.timezone.to_owned(),
    })
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
    let mut records = ledger.history(task.name(), query).await?;
    // Unrecorded misses are looked for only where the read saw everything: after `--since`,
    // and after the oldest record when the limit cut the read short.
    let read_from = match records.last() {
        Some(oldest) if records.len() >= query.limit => oldest.scheduled_time,
        _ => query.since.unwrap_or(Timestamp::MIN),
    };
    let found = unrecorded_misses(task, environment, ledger, now, &records, read_from).await?;
    let asked = |time: &Timestamp| query.until.is_none_or(|until| *time < until);
    records.extend(found.into_iter().filter(asked).map(|time| {
        let mut missed = Record::empty(task.name(), time);
        missed.apply(&super::Change::Missed, true);
        missed
    }));
    records.sort_by_key(|record| std::cmp::Reverse(record.scheduled_time));
    records.truncate(query.limit);
    Ok(records)
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

/// `status` as aligned columns; `colour` paints outcomes for a terminal.
pub fn status_table(
    registry: &Registry,
    statuses: &[TaskStatus],
    now: Timestamp,
    colour: bool,
) -> String {
    let header = [
        "TASK",
        "ENABLED",
        "LAST RUN",
        "OUTCOME",
        "LAST SUCCESS",
        "NEXT",
        "MISSED",
    ];
    let rows: Vec<Vec<String>> = statuses
        .iter()
        .map(|s| {
            let tz = time_zone(&s.zone).unwrap_or(TimeZone::UTC);
            let spec = registry.get(&s.task).map(Registration::spec);
            // Minutes and the zone's abbreviation keep the table within a terminal's width.
            let when = |t: Option<Timestamp>| {
                t.map_or_else(
                    || "-".to_owned(),
                    |t| {
                        t.to_zoned_datetime(tz.clone())
                            .strftime("%Y-%m-%d %H:%M %Z")
                            .to_string()
                    },
                )
            };
            let enabled = match (s.enabled, &s.paused) {
                (false, _) => "no",
                (true, Some(_)) => "paused",
                (true, None) => "yes",
            };
            vec![
                s.task.clone(),
                enabled.to_owned(),
                when(s.last_run.as_ref().map(|r| r.scheduled_time)),
                s.last_run.as_ref().zip(spec).map_or_else(
                    || "-".to_owned(),
                    |(r, spec)| shown_status(r, spec, now).to_owned(),
                ),
                when(s.last_success),
                when(s.next),
                s.missed.to_string(),
            ]
        })
        .collect();
    let paint = |column: usize, cell: &str| match column {
        1 if cell == "paused" => Some("33"),
        3 => outcome_colour(cell),
        6 if cell != "0" => Some("33"),
        _ => None,
    };
    let mut table = text_table::render(
        &header,
        &rows,
        colour.then_some(&paint as text_table::Paint<'_>),
    );
    for s in statuses {
        if let Some(pause) = &s.paused {
            table.push_str(&format!("{}: {pause}\n", s.task));
        }
    }
    table
}

/// `history` as aligned columns: one line per occurrence, newest first.
pub fn history_table(
    task: &'static Registration,
    records: &[Record],
    now: Timestamp,
    colour: bool,
) -> String {
    let spec = task.spec();
    let tz = time_zone(spec.timezone).unwrap_or(TimeZone::UTC);
    let header = [
        "SCHEDULED",
        "UTC",
        "STATUS",
        "ATTEMPTS",
        "DURATION",
        "ERROR",
    ];
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let attempts = match r.duplicates {
                0 => r.deliveries.to_string(),
                n => format!("{} (+{n} duplicate)", r.deliveries),
            };
            let error = match (&r.error_type, &r.excerpt) {
                (Some(kind), Some(text)) => format!("{kind}: {}", first_line(text)),
                (None, Some(text)) if r.status == Status::Skipped => first_line(text),
                _ => "-".to_owned(),
            };
            vec![
                format_instant(r.scheduled_time, &tz),
                format_instant(r.scheduled_time, &TimeZone::UTC),
                shown_status(r, spec, now).to_owned(),
                attempts,
                r.duration_ms.map_or_else(|| "-".to_owned(), duration),
                error,
            ]
        })
        .collect();
    let paint = |column: usize, cell: &str| {
        if column == 2 {
            outcome_colour(cell)
        } else {
            None
        }
    };
    text_table::render(
        &header,
        &rows,
        colour.then_some(&paint as text_table::Paint<'_>),
    )
}

fn outcome_colour(word: &str) -> Option<&'static str> {
    match Status::parse(word)? {
        Status::Succeeded => Some("32"),
        Status::Missed | Status::Skipped | Status::Running => Some("33"),
        status if status.is_failure() => Some("31"),
        _ => None,
    }
}

/// The first line of `text`, at most 80 characters.
fn first_line(text: &str) -> String {
    super::cut(text.lines().next().unwrap_or_default(), 80)
}

/// `850ms`, `12.3s`, `4m05s`.
fn duration(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms}ms"),
        1_000..60_000 => format!("{:.1}s", ms as f64 / 1_000.0),
        _ => format!("{}m{:02}s", ms / 60_000, (ms / 1_000) % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(12_345), "12.3s");
        assert_eq!(duration(245_000), "4m05s");
    }
}

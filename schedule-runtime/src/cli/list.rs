//! `list` and `dst`: the tasks with their schedules and next fire times, the deferred runs
//! waiting, and the minutes daylight-saving changes skip or repeat, as tables for people.

use schedule_core::jiff::tz::TimeZone;
use schedule_core::jiff::{SignedDuration, Timestamp};
use schedule_core::{DstChange, DstKind, format_instant, time_zone};

use crate::deferred::Pending;
use crate::registry::Registry;
use crate::task::{Planned, Registration};

/// How `list` shows the schedule of a task that has none (`#[scheduled(deferred)]`).
const DEFERRED_ONLY: &str = "deferred only";

/// A table of deferred runs waiting to fire (`list` prints it under the tasks): task, key,
/// time in the task's zone and in UTC, and when it was deferred (UTC).
pub fn deferred_table(registry: &Registry, runs: &[Pending]) -> String {
    let header = ["TASK", "KEY", "AT", "UTC", "DEFERRED"];
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|run| {
            let zone = registry
                .get(&run.task)
                .and_then(|task| time_zone(task.spec().timezone).ok())
                .unwrap_or(TimeZone::UTC);
            vec![
                run.task.clone(),
                run.key.clone(),
                format_instant(run.at, &zone),
                format_instant(run.at, &TimeZone::UTC),
                format_instant(run.deferred_at, &TimeZone::UTC),
            ]
        })
        .collect();
    super::table::render(&header, &rows, None)
}

/// A table of the tasks for people: name, schedule, zone, environments, the next fire time
/// after `now` (as the local runner would fire it) in the task's zone and in UTC, and the
/// first scheduled minute within a year that a daylight-saving change skips or repeats.
pub fn tasks_table(registry: &Registry, now: Timestamp) -> String {
    let header = [
        "TASK",
        "SCHEDULE",
        "ZONE",
        "ENVIRONMENTS",
        "NEXT",
        "UTC",
        "DST",
    ];
    let rows: Vec<[String; 7]> = registry
        .tasks()
        .iter()
        .map(|task| {
            let spec = task.spec();
            // As the runner would fire it: start and end dates, a rate counted from now.
            // The macro validated the schedule and zone; `None` means a hand-built spec.
            let next = match (Planned::new(task, now), time_zone(spec.timezone)) {
                _ if spec.expression.is_none() => ["-".to_owned(), "-".to_owned()],
                (Some(_), Ok(tz)) => next_fire_times(task, now, 1).first().map_or_else(
                    || ["never".to_owned(), "never".to_owned()],
                    |t| [format_instant(*t, &tz), format_instant(*t, &TimeZone::UTC)],
                ),
                _ => ["invalid".to_owned(), "invalid".to_owned()],
            };
            let [next_local, next_utc] = next;
            let dst = next_dst_change(task, now).map_or_else(|| "-".to_owned(), |c| dst_cell(&c));
            let environments = if spec.environments.is_empty() {
                "all".to_owned()
            } else {
                spec.environments.join(",")
            };
            [
                spec.name.to_owned(),
                spec.expression.unwrap_or(DEFERRED_ONLY).to_owned(),
                spec.timezone.to_owned(),
                environments,
                next_local,
                next_utc,
                dst,
            ]
        })
        .collect();
    let rows: Vec<Vec<String>> = rows.into_iter().map(Vec::from).collect();
    super::table::render(&header, &rows, None)
}

/// The next `count` times `task` fires after `now`, as the runner would fire it (start and end
/// dates, a rate counted from now); empty for a task without a schedule.
pub fn next_fire_times(
    task: &'static Registration,
    now: Timestamp,
    count: usize,
) -> Vec<Timestamp> {
    Planned::new(task, now).map_or_else(Vec::new, |planned| {
        std::iter::successors(planned.next_after(now), |t| planned.next_after(*t))
            .take(count)
            .collect()
    })
}

/// The first scheduled minute of `task` within a year of `now` that a daylight-saving change
/// skips or repeats in its zone (`list`'s `DST` column).
pub fn next_dst_change(task: &'static Registration, now: Timestamp) -> Option<DstChange> {
    let spec = task.spec();
    let (Some(Ok(schedule)), Ok(tz)) = (spec.schedule(), time_zone(spec.timezone)) else {
        return None;
    };
    schedule
        .dst_changes(now, now + SignedDuration::from_hours(366 * 24), &tz)
        .into_iter()
        .next()
}

/// `dst`: every task's scheduled minutes that DST changes skip or repeat within `years` of `after`,
/// one line each, aligned: task, zone, what happens.
pub fn dst_report(registry: &Registry, after: Timestamp, years: u16) -> String {
    let until = after + SignedDuration::from_hours(i64::from(years) * 366 * 24);
    let mut rows: Vec<[String; 3]> = Vec::new();
    for task in registry.tasks() {
        let spec = task.spec();
        let (Some(Ok(schedule)), Ok(tz)) = (spec.schedule(), spec.time_zone()) else {
            continue;
        };
        for change in schedule.dst_changes(after, until, &tz) {
            rows.push([
                spec.name.to_owned(),
                spec.timezone.to_owned(),
                change.to_string(),
            ]);
        }
    }
    if rows.is_empty() {
        let span = if years == 1 {
            "year".to_owned()
        } else {
            format!("{years} years")
        };
        return format!("no task's schedule meets a daylight-saving change in the next {span}\n");
    }
    let width = |i: usize| rows.iter().map(|r| r[i].len()).max().unwrap_or(0);
    let (task_width, zone_width) = (width(0), width(1));
    rows.iter()
        .map(|[task, zone, change]| format!("{task:<task_width$}  {zone:<zone_width$}  {change}\n"))
        .collect()
}

/// A DST change as a table cell: "2027-03-28 02:30 skipped", "2026-10-25 02:30 once".
pub fn dst_cell(change: &DstChange) -> String {
    let when = change.local.strftime("%Y-%m-%d %H:%M");
    match change.kind {
        DstKind::Skipped => format!("{when} skipped"),
        DstKind::Repeated => format!("{when} once"),
    }
}

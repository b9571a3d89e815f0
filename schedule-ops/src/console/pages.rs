//! The console's HTML, one function per page, from data the handlers read: no I/O here, so a
//! page renders the same in a test, a benchmark and the server.
//!
//! Every table cell that a test or a script reads carries `data-field`; every task row
//! carries `data-task`. Times are `<time datetime="…UTC…">` shown in the task's zone.

use maud::{DOCTYPE, Markup, html};
use schedule_core::jiff::Timestamp;
use schedule_core::jiff::tz::TimeZone;
use schedule_core::{format_instant, time_zone};
use schedule_runtime::Registration;
use schedule_runtime::cli::list::{dst_cell, next_dst_change, next_fire_times};
use schedule_runtime::deferred::Pending;
use schedule_runtime::ledger::{Record, Status, TaskStatus, shown_status};

use super::pictures::{self, Health};
use super::source::Letter;

/// What every page's frame says: where the console looks, whether it may act, and the token
/// its forms carry.
pub(crate) struct Frame<'a> {
    pub(crate) environment: &'a str,
    pub(crate) place: &'a str,
    pub(crate) read_only: bool,
    pub(crate) token: &'a str,
    /// The output of the action just taken, and whether it succeeded.
    pub(crate) result: Option<(&'a str, bool)>,
}

/// How many next fire times the overview shows per task.
pub(crate) const NEXT_SHOWN: usize = 3;

fn page(frame: &Frame<'_>, title: &str, body: &Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · schedule console" }
                link rel="stylesheet" href="/assets/console.css";
                script src="/assets/console.js" defer {}
            }
            body {
                header {
                    nav aria-label="Views" {
                        a href="/" { "Tasks" }
                        a href="/dead-letters" { "Dead letters" }
                        a href="/deferred" { "Deferred runs" }
                    }
                    p.place {
                        "Environment " strong data-field="environment" { (frame.environment) }
                        " · " (frame.place)
                        @if frame.read_only { " · " strong { "read-only" } }
                    }
                }
                main data-refresh="5" {
                    @if let Some((text, ok)) = frame.result {
                        section.result.ok[ok].failed[!ok] role="status" aria-label="Result" {
                            pre data-field="result" { (text) }
                        }
                    }
                    (body)
                }
            }
        }
    }
}

/// A form that posts `action` with the console's token, and a button.
fn action(frame: &Frame<'_>, path: &str, label: &str, fields: &Markup) -> Markup {
    html! {
        @if !frame.read_only {
            form method="post" action=(path) {
                input type="hidden" name="csrf" value=(frame.token);
                (fields)
                button type="submit" { (label) }
            }
        }
    }
}

fn zone_of(spec: &schedule_core::TaskSpec) -> TimeZone {
    time_zone(spec.timezone).unwrap_or(TimeZone::UTC)
}

/// An instant in `zone` (minutes and the zone's abbreviation), UTC in its attribute.
fn when(at: Option<Timestamp>, zone: &TimeZone) -> Markup {
    match at {
        None => html! { "–" },
        Some(at) => html! {
            time datetime=(utc(at)) { (at.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%d %H:%M %Z")) }
        },
    }
}

/// An instant in UTC, to the second, as `<time datetime>` holds it.
fn utc(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Fire times in `zone`, one a line: the first in full, a later one on the same day as the
/// one before it by its time alone (the overview of hundreds of tasks stays light).
fn fire_times(times: &[Timestamp], zone: &TimeZone) -> Markup {
    let shown: Vec<(String, String)> = times
        .iter()
        .scan(None, |day, at| {
            let local = at.to_zoned_datetime(zone.clone());
            let format = if *day == Some(local.date()) {
                "%H:%M"
            } else {
                "%Y-%m-%d %H:%M %Z"
            };
            *day = Some(local.date());
            Some((utc(*at), local.strftime(format).to_string()))
        })
        .collect();
    html! {
        @for (i, (datetime, text)) in shown.iter().enumerate() {
            @if i > 0 { br; }
            time datetime=(datetime) { (text) }
        }
    }
}

fn status_class(word: &str) -> &'static str {
    match Status::parse(word) {
        Some(Status::Succeeded) => "good",
        Some(Status::Missed | Status::Skipped | Status::Running) => "warn",
        Some(status) if status.is_failure() => "bad",
        _ => "",
    }
}

fn schedule_cell(spec: &schedule_core::TaskSpec) -> Markup {
    match spec.schedule() {
        Some(Ok(schedule)) => html! {
            span.words { (schedule.describe()) }
            br;
            code data-field="expression" { (spec.expression.unwrap_or_default()) }
        },
        _ => html! { span.words { "deferred only" } },
    }
}

fn environments(spec: &schedule_core::TaskSpec) -> String {
    if spec.environments.is_empty() {
        "all".to_owned()
    } else {
        spec.environments.join(", ")
    }
}

/// One task's row of the overview.
pub(crate) struct Row<'a> {
    pub(crate) task: &'static Registration,
    pub(crate) status: &'a TaskStatus,
    /// Its newest occurrences, newest first, for its grid.
    pub(crate) occurrences: &'a [Record],
}

/// The overview: the health bar, then every task (or those of the group `only`) with its
/// state, recent occurrences, last run, missed count and next fire times.
pub(crate) fn overview(
    frame: &Frame<'_>,
    rows: &[Row<'_>],
    only: Option<Health>,
    now: Timestamp,
) -> Markup {
    let tasks: Vec<_> = rows
        .iter()
        .map(|row| (row.task.spec(), row.status))
        .collect();
    page(
        frame,
        "Tasks",
        &html! {
            h1 { "Tasks" }
            (pictures::health_bar(&tasks, now, only))
            (pictures::legend())
            table.tasks {
                thead {
                    tr {
                        th scope="col" { "Task" }
                        th scope="col" { "Schedule" }
                        th scope="col" { "State" }
                        th scope="col" { "Recent" }
                        th scope="col" { "Last run" }
                        th scope="col" class="num" { "Missed" }
                        th scope="col" { "Next" }
                    }
                }
                tbody {
                    @for row in rows.iter().filter(|row| only.is_none_or(|group| group.holds(row.task.spec(), row.status, now))) {
                        (overview_row(row, now))
                    }
                }
            }
        },
    )
}

fn overview_row(row: &Row<'_>, now: Timestamp) -> Markup {
    let spec = row.task.spec();
    let status = row.status;
    let zone = zone_of(spec);
    let state = match (status.enabled, &status.paused) {
        (false, _) => "disabled",
        (true, Some(_)) => "paused",
        (true, None) => "enabled",
    };
    let outcome = status
        .last_run
        .as_ref()
        .map_or("–", |record| shown_status(record, spec, now));
    let next = if status.enabled {
        next_fire_times(row.task, now, NEXT_SHOWN)
    } else {
        Vec::new()
    };
    let dst = next_dst_change(row.task, now);
    let last_run = status.last_run.as_ref().map(|r| r.scheduled_time);
    html! {
        tr data-task=(spec.name) {
            td {
                a data-field="task" href={ "/tasks/" (spec.name) } { (spec.name) }
                @if let Some(description) = spec.description { small.description { (description) } }
            }
            td {
                (schedule_cell(spec))
                br; small { span data-field="zone" { (spec.timezone) } " · in " (environments(spec)) }
            }
            td {
                span.good[state == "enabled"].warn[state != "enabled"] data-field="state" { (state) }
                @if let Some(pause) = &status.paused {
                    br; small data-field="paused" { (pause.to_string()) }
                }
            }
            td data-field="recent" { (pictures::grid(spec, row.occurrences, &next, &zone, now)) }
            td {
                span data-field="outcome" class=(status_class(outcome)) { (outcome) }
                " " span data-field="last_run" { (when(last_run, &zone)) }
                // The last success, when it is not the last run.
                @if status.last_success != last_run {
                    br; small { "last success " span data-field="last_success" { (when(status.last_success, &zone)) } }
                }
            }
            td.num.warn[status.missed > 0] data-field="missed" { (status.missed) }
            td data-field="next" {
                @if next.is_empty() { "–" }
                (fire_times(&next, &zone))
                @if let Some(change) = &dst {
                    br; small.warn data-field="dst" title="A daylight-saving change skips or repeats this scheduled minute" { "DST: " (dst_cell(change)) }
                }
                @if let Some(long) = &status.long_runs {
                    br; small.warn data-field="long_runs" {
                        "a recent run took " (long.longest_ms / 1000) " s of a " (long.interval_ms / 1000) " s interval"
                    }
                }
            }
        }
    }
}

/// The history filter a task page was asked for.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filter {
    pub(crate) status: Option<String>,
    pub(crate) since: Option<Timestamp>,
    pub(crate) until: Option<Timestamp>,
}

/// One task: what it is, what can be done, and its occurrences newest first.
pub(crate) struct TaskPage<'a> {
    pub(crate) task: &'static Registration,
    pub(crate) status: &'a TaskStatus,
    /// Its newest occurrences, for its grid.
    pub(crate) recent: &'a [Record],
    /// The page of its history asked for.
    pub(crate) records: &'a [Record],
    pub(crate) filter: &'a Filter,
    /// Where the next (older) page starts, when there is one.
    pub(crate) older: Option<Timestamp>,
    /// The occurrence an action just started, to follow on the page.
    pub(crate) follow: Option<Timestamp>,
}

/// The statuses the history can be filtered by.
const STATUSES: &[&str] = &[
    "succeeded",
    "failed",
    "timed_out",
    "panicked",
    "dead_lettered",
    "running",
    "skipped",
    "duplicate",
    "missed",
];

/// A task's page.
pub(crate) fn task(frame: &Frame<'_>, view: &TaskPage<'_>, now: Timestamp) -> Markup {
    let spec = view.task.spec();
    let zone = zone_of(spec);
    let base = format!("/tasks/{}", spec.name);
    let row = Row {
        task: view.task,
        status: view.status,
        occurrences: view.recent,
    };
    page(
        frame,
        spec.name,
        &html! {
            h1 { (spec.name) }
            @if let Some(description) = spec.description { p { (description) } }
            (pictures::legend())
            table.tasks { tbody { (overview_row(&row, now)) } }
            @if !frame.read_only {
                section.actions aria-label="Actions" {
                    @if view.status.paused.is_some() {
                        (action(frame, &format!("{base}/resume"), "Resume", &html! {}))
                    } @else {
                        (action(frame, &format!("{base}/pause"), "Pause", &html! {
                            label { "Reason " input type="text" name="reason" placeholder="why, for the ledger"; }
                        }))
                    }
                    (action(frame, &format!("{base}/run"), "Run now", &html! {}))
                    @if spec.expression.is_some() {
                        form method="get" action={ (base) "/backfill" } {
                            label { "From " input type="datetime-local" name="from" required; }
                            label { "to " input type="datetime-local" name="to" required; }
                            small { "in " (spec.timezone) }
                            button type="submit" { "Preview backfill" }
                        }
                    }
                }
            }
            h2 { "Durations" }
            (pictures::durations(spec, view.records, now))
            h2 { "Occurrences" }
            form.filter method="get" action=(base) {
                label { "Status "
                    select name="status" {
                        option value="" { "any" }
                        @for word in STATUSES {
                            option value=(word) selected[view.filter.status.as_deref() == Some(*word)] { (word) }
                        }
                    }
                }
                label { "Since " input type="datetime-local" name="since" value=[view.filter.since.map(|t| local_input(t, &zone))]; }
                label { "Until " input type="datetime-local" name="until" value=[view.filter.until.map(|t| local_input(t, &zone))]; }
                button type="submit" { "Filter" }
            }
            @if view.records.is_empty() {
                p { "No occurrence recorded" @if view.filter.status.is_some() || view.filter.since.is_some() || view.filter.until.is_some() { " matches the filter" } "." }
            } @else {
                table.history {
                    thead {
                        tr {
                            th scope="col" { "Scheduled (" (spec.timezone) ")" }
                            th scope="col" { "UTC" }
                            th scope="col" { "Status" }
                            th scope="col" class="num" { "Attempts" }
                            th scope="col" class="num" { "Duplicates" }
                            th scope="col" class="num" { "Duration" }
                            th scope="col" { "Error" }
                        }
                    }
                    tbody {
                        @for record in view.records {
                            @let word = shown_status(record, spec, now);
                            tr data-at=(format_instant(record.scheduled_time, &TimeZone::UTC)) class=[(view.follow == Some(record.scheduled_time)).then_some("followed")] {
                                td data-label="Scheduled" { (format_instant(record.scheduled_time, &zone)) }
                                td data-label="UTC" { (format_instant(record.scheduled_time, &TimeZone::UTC)) }
                                td data-label="Status" { span data-field="status" class=(status_class(word)) { (word) } }
                                td data-label="Attempts" .num data-field="attempts" { (record.deliveries) }
                                td data-label="Duplicates" .num data-field="duplicates" { (record.duplicates) }
                                td data-label="Duration" .num { (record.duration_ms.map_or_else(|| "–".to_owned(), duration)) }
                                td data-label="Error" .error data-field="error" {
                                    // As `history`: a failure's type and excerpt, or why it was
                                    // skipped; a success's excerpt is its result, not shown.
                                    @if let Some(kind) = &record.error_type {
                                        strong { (kind) } ": " (record.excerpt.as_deref().unwrap_or(""))
                                    } @else if record.status == Status::Skipped {
                                        (record.excerpt.as_deref().unwrap_or(""))
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(older) = view.older {
                    p { a rel="next" href=(older_link(&base, view.filter, older)) { "Older occurrences →" } }
                }
            }
        },
    )
}

/// The link to the page of occurrences older than `older`, keeping the filter.
fn older_link(base: &str, filter: &Filter, older: Timestamp) -> String {
    let mut link = format!("{base}?until={}", format_instant(older, &TimeZone::UTC));
    if let Some(status) = &filter.status {
        link.push_str(&format!("&status={status}"));
    }
    if let Some(since) = filter.since {
        link.push_str(&format!("&since={}", format_instant(since, &TimeZone::UTC)));
    }
    link.replace('+', "%2B")
}

/// An instant as a `datetime-local` input's value in `zone`.
fn local_input(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string()
}

/// `850 ms`, `12.3 s`, `4 min 05 s`.
pub(super) fn duration(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1_000.0),
        _ => format!("{} min {:02} s", ms / 60_000, (ms / 1_000) % 60),
    }
}

/// The occurrences a backfill would send, and the button that sends them.
pub(crate) fn backfill_preview(
    frame: &Frame<'_>,
    task: &'static Registration,
    (from, to): (Timestamp, Timestamp),
    due: &[Timestamp],
) -> Markup {
    let spec = task.spec();
    let zone = zone_of(spec);
    let utc = |t: Timestamp| format_instant(t, &TimeZone::UTC);
    page(
        frame,
        &format!("Backfill {}", spec.name),
        &html! {
            h1 { "Backfill " a href={ "/tasks/" (spec.name) } { (spec.name) } }
            p {
                "From " (format_instant(from, &zone)) " to " (format_instant(to, &zone)) " (not included): "
                strong data-field="count" { (due.len()) } " occurrence(s)"
                @if spec.idempotency.is_some() { "; those already completed are not sent again" }
                "."
            }
            @if !due.is_empty() {
                ol.due {
                    @for at in due {
                        li data-at=(utc(*at)) { (format_instant(*at, &zone)) " (" (utc(*at)) ")" }
                    }
                }
                (action(frame, &format!("/tasks/{}/backfill", spec.name), &format!("Send {} occurrence(s)", due.len()), &html! {
                    input type="hidden" name="from" value=(utc(from));
                    input type="hidden" name="to" value=(utc(to));
                }))
            }
        },
    )
}

/// The dead letters waiting, and the button that replays them.
pub(crate) fn dead_letters(frame: &Frame<'_>, letters: &[Letter]) -> Markup {
    page(
        frame,
        "Dead letters",
        &html! {
            h1 { "Dead letters" }
            @if letters.is_empty() {
                p { "No dead letter is waiting." }
            } @else {
                table.letters {
                    thead { tr { th scope="col" { "Task" } th scope="col" { "Scheduled (UTC)" } th scope="col" { "Why" } } }
                    tbody {
                        @for letter in letters {
                            tr data-task=(letter.task) {
                                td data-label="Task" { a href={ "/tasks/" (letter.task) } { (letter.task) } }
                                td data-label="Scheduled" data-field="scheduled" { (letter.scheduled_time.map_or_else(|| "–".to_owned(), |t| format_instant(t, &TimeZone::UTC))) }
                                td data-label="Why" .error { (letter.why) }
                            }
                        }
                    }
                }
                (action(frame, "/dead-letters/replay", &format!("Replay {} dead letter(s)", letters.len()), &html! {}))
            }
        },
    )
}

/// The deferred runs waiting.
pub(crate) fn deferred(
    frame: &Frame<'_>,
    registry: &schedule_runtime::Registry,
    runs: &[Pending],
) -> Markup {
    page(
        frame,
        "Deferred runs",
        &html! {
            h1 { "Deferred runs" }
            @if runs.is_empty() {
                p { "No deferred run is waiting." }
            } @else {
                table.deferred {
                    thead { tr { th scope="col" { "Task" } th scope="col" { "Key" } th scope="col" { "At" } th scope="col" { "Deferred" } th scope="col" { span.visually-hidden { "Action" } } } }
                    tbody {
                        @for run in runs {
                            @let zone = registry.get(&run.task).map_or(TimeZone::UTC, |t| zone_of(t.spec()));
                            tr data-task=(run.task) data-key=(run.key) {
                                td data-label="Task" { a href={ "/tasks/" (run.task) } { (run.task) } }
                                td data-label="Key" { code { (run.key) } }
                                td data-label="At" { (when(Some(run.at), &zone)) }
                                td data-label="Deferred" { (when(Some(run.deferred_at), &TimeZone::UTC)) }
                                td { (action(frame, "/deferred/cancel", "Cancel", &html! {
                                    input type="hidden" name="task" value=(run.task);
                                    input type="hidden" name="key" value=(run.key);
                                })) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A page that says what went wrong, with the status the handler chose.
pub(crate) fn problem(frame: &Frame<'_>, text: &str) -> Markup {
    page(
        frame,
        "Problem",
        &html! {
            h1 { "Problem" }
            section.result.failed role="alert" { pre data-field="problem" { (text) } }
            p { a href="/" { "Back to the tasks" } }
        },
    )
}

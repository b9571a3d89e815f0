//! The console's pictures, drawn on the server from what the pages already read (no request
//! of their own, no script, nothing inline that the Content-Security-Policy would refuse):
//!
//! - the health bar of the overview: how many tasks fail, miss, are paused or run long;
//! - each task's outcome grid: its newest occurrences as cells, oldest on the left, then its
//!   next fire times greyed;
//! - a task's duration chart: an SVG of each run's duration, with the half-interval line of
//!   the overlap warning and the timeout line.
//!
//! Colour is never the only sign: a cell carries a letter and a title, a failed run is a
//! cross where a successful one is a dot.

use maud::{Markup, html};
use schedule_core::TaskSpec;
use schedule_core::jiff::Timestamp;
use schedule_core::jiff::tz::TimeZone;
use schedule_runtime::ledger::{Record, Status, TaskStatus, shown_status};

use super::pages::duration;

/// How many of a task's newest occurrences its grid shows.
pub(crate) const GRID: usize = 24;

/// The groups of the health bar, each a filter of the overview (`/?only=<word>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Health {
    /// Its newest run failed (or is dead-lettered).
    Failing,
    /// It missed occurrences within the retention.
    Missed,
    /// An operator paused it.
    Paused,
    /// A recent run took more than half its interval.
    Long,
}

impl Health {
    pub(crate) const ALL: [Health; 4] = [
        Health::Failing,
        Health::Missed,
        Health::Paused,
        Health::Long,
    ];

    /// The word of the filter's address.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Health::Failing => "failing",
            Health::Missed => "missed",
            Health::Paused => "paused",
            Health::Long => "long",
        }
    }

    /// The words [`Health::word`] gives, back.
    pub(crate) fn parse(word: &str) -> Option<Health> {
        Health::ALL.into_iter().find(|group| group.word() == word)
    }

    fn label(self) -> &'static str {
        match self {
            Health::Failing => "failing",
            Health::Missed => "missed runs",
            Health::Paused => "paused",
            Health::Long => "running long",
        }
    }

    /// Whether the task of `status` (declared as `spec`) is in this group at `now`.
    pub(crate) fn holds(self, spec: &TaskSpec, status: &TaskStatus, now: Timestamp) -> bool {
        match self {
            Health::Failing => status.last_run.as_ref().is_some_and(|record| {
                Status::parse(shown_status(record, spec, now)).is_some_and(Status::is_failure)
            }),
            Health::Missed => status.missed > 0,
            Health::Paused => status.paused.is_some(),
            Health::Long => status.long_runs.is_some(),
        }
    }
}

/// The health bar: every group's count, each a link to the overview of its tasks.
pub(crate) fn health_bar(
    tasks: &[(&TaskSpec, &TaskStatus)],
    now: Timestamp,
    only: Option<Health>,
) -> Markup {
    html! {
        nav.health aria-label="Health" {
            a href="/" aria-current=[only.is_none().then_some("page")] {
                strong data-count="all" { (tasks.len()) } " tasks"
            }
            @for group in Health::ALL {
                @let count = tasks.iter().filter(|(spec, status)| group.holds(spec, status, now)).count();
                a.(group.word()).some[count > 0] href={ "/?only=" (group.word()) }
                    aria-current=[(only == Some(group)).then_some("page")] {
                    strong data-count=(group.word()) { (count) } " " (group.label())
                }
            }
        }
    }
}

/// The letter a cell shows for an outcome: with the title, what a reader without colour gets.
fn letter(word: &str) -> &'static str {
    match Status::parse(word) {
        Some(Status::Succeeded) => "✓",
        Some(Status::Failed) => "F",
        Some(Status::TimedOut) => "T",
        Some(Status::Panicked) => "P",
        Some(Status::DeadLettered) => "D",
        Some(Status::Skipped) => "S",
        Some(Status::Missed) => "M",
        Some(Status::Running) => "R",
        Some(Status::Duplicate) => "=",
        None => "?",
    }
}

/// What the letters mean, once per page.
pub(crate) fn legend() -> Markup {
    let words = [
        "succeeded",
        "failed",
        "timed_out",
        "panicked",
        "dead_lettered",
        "skipped",
        "missed",
        "running",
        "duplicate",
    ];
    html! {
        p.legend {
            "Recent occurrences, oldest first: "
            @for word in words {
                span.cell.(word) { (letter(word)) } " " (word.replace('_', " ")) " · "
            }
            span.cell.succeeded.dup { (letter("succeeded")) } " with duplicate deliveries · "
            span.cell.next { "·" } " upcoming"
        }
    }
}

/// An occurrence in the task's zone, as titles name it: `Mon 07 Dec 09:00 CET`.
fn local(at: Timestamp, zone: &TimeZone) -> String {
    at.to_zoned_datetime(zone.clone())
        .strftime("%a %d %b %H:%M %Z")
        .to_string()
}

/// A cell's title: the occurrence in the task's zone, and what became of it.
fn title(at: Timestamp, zone: &TimeZone, what: &str) -> String {
    format!("{} {what}", local(at, zone))
}

/// The address of one occurrence on its task's page.
fn occurrence_link(task: &str, at: Timestamp) -> String {
    format!("/tasks/{task}?at={}", at.strftime("%Y-%m-%dT%H:%M:%SZ"))
}

/// A task's grid: `occurrences` (newest first, as read) from the oldest, then `upcoming`.
pub(crate) fn grid(
    spec: &TaskSpec,
    occurrences: &[Record],
    upcoming: &[Timestamp],
    zone: &TimeZone,
    now: Timestamp,
) -> Markup {
    html! {
        span.grid {
            @for record in occurrences.iter().rev() {
                @let word = shown_status(record, spec, now);
                @let what = match record.duplicates {
                    0 => word.replace('_', " "),
                    1 => format!("{}, 1 duplicate delivery", word.replace('_', " ")),
                    n => format!("{}, {n} duplicate deliveries", word.replace('_', " ")),
                };
                a.cell.(word).dup[record.duplicates > 0]
                    href=(occurrence_link(spec.name, record.scheduled_time))
                    title=(title(record.scheduled_time, zone, &what)) { (letter(word)) }
            }
            @for at in upcoming {
                span.cell.next title=(title(*at, zone, "upcoming")) { "·" }
            }
        }
    }
}

/// The chart's drawing area, in the SVG's own units.
const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 170.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 632.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 140.0;

/// A line across the chart at a duration: its class, its label and the value.
struct Mark {
    class: &'static str,
    label: &'static str,
    ms: u64,
}

/// The duration chart of `records` (newest first, as a task's page lists them): one point per
/// run that has a duration, failures as crosses, and the half-interval and timeout lines.
pub(crate) fn durations(spec: &TaskSpec, records: &[Record], now: Timestamp) -> Markup {
    let zone = schedule_core::time_zone(spec.timezone).unwrap_or(TimeZone::UTC);
    let runs: Vec<(&Record, u64)> = records
        .iter()
        .filter_map(|record| record.duration_ms.map(|ms| (record, ms)))
        .collect();
    let (Some(&(newest, _)), Some(&(oldest, _))) = (runs.first(), runs.last()) else {
        return html! { p.chart-empty { "No run with a duration is on this page yet." } };
    };
    let longest = runs.iter().map(|&(_, ms)| ms).max().unwrap_or(0);
    // The scale fits the runs (a quarter of room above the longest); a line further up is
    // named under the chart instead of flattening every point to the floor.
    let top_ms = (longest + longest / 4).max(1_000) as f64;
    let lines: Vec<Mark> = schedule_runtime::ledger::interval(spec, now)
        .map(|interval| Mark {
            class: "half",
            label: "half the interval",
            ms: interval / 2,
        })
        .into_iter()
        .chain(std::iter::once(Mark {
            class: "timeout",
            label: "timeout",
            ms: u64::from(spec.timeout_seconds) * 1_000,
        }))
        .collect();
    let (first, last) = (oldest.scheduled_time, newest.scheduled_time);
    let span = last.duration_since(first).as_secs_f64();
    let x = |at: Timestamp| {
        if span <= 0.0 {
            (LEFT + RIGHT) / 2.0
        } else {
            LEFT + (RIGHT - LEFT) * at.duration_since(first).as_secs_f64() / span
        }
    };
    let y = |ms: u64| BOTTOM - (BOTTOM - TOP) * (ms as f64 / top_ms).min(1.0);
    let when = |at: Timestamp| {
        at.to_zoned_datetime(zone.clone())
            .strftime("%d %b %H:%M")
            .to_string()
    };
    let failures = runs
        .iter()
        .filter(|(record, _)| {
            Status::parse(shown_status(record, spec, now)).is_some_and(Status::is_failure)
        })
        .count();
    let summary = format!(
        "Durations of the {} run(s) on this page, {} failed; longest {}",
        runs.len(),
        failures,
        duration(longest)
    );
    html! {
        figure.chart {
            svg.durations viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(summary) {
                title { (summary) }
                line.axis x1=(LEFT) y1=(BOTTOM) x2=(RIGHT) y2=(BOTTOM) {}
                line.axis x1=(LEFT) y1=(TOP) x2=(LEFT) y2=(BOTTOM) {}
                text.tick x=(LEFT - 6.0) y=(BOTTOM) { "0" }
                text.tick x=(LEFT - 6.0) y=(TOP + 4.0) { (duration(top_ms as u64)) }
                text.tick.start x=(LEFT) y=(HEIGHT - 10.0) { (when(first)) }
                @if span > 0.0 { text.tick.end x=(RIGHT) y=(HEIGHT - 10.0) { (when(last)) } }
                @for mark in &lines {
                    @if (mark.ms as f64) <= top_ms {
                        @let level = format!("{:.1}", y(mark.ms));
                        line.(mark.class) data-line=(mark.class) x1=(LEFT) y1=(level) x2=(RIGHT) y2=(level) {
                            title { (mark.label) ": " (duration(mark.ms)) }
                        }
                        text.label.(mark.class) x=(RIGHT - 4.0) y=(format!("{:.1}", y(mark.ms) - 4.0)) { (mark.label) " " (duration(mark.ms)) }
                    }
                }
                @for (record, ms) in &runs {
                    @let word = shown_status(record, spec, now);
                    @let (cx, cy) = (x(record.scheduled_time), y(*ms));
                    @let at = record.scheduled_time.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
                    @let tip = format!("{}: {} in {}", local(record.scheduled_time, &zone), word.replace('_', " "), duration(*ms));
                    @if Status::parse(word).is_some_and(Status::is_failure) {
                        path.run.failed data-at=(at) data-ms=(ms)
                            d=(format!("M{:.1} {:.1}l8 8m0-8l-8 8", cx - 4.0, cy - 4.0)) {
                            title { (tip) }
                        }
                    } @else {
                        circle.run.(word) data-at=(at) data-ms=(ms) cx=(format!("{cx:.1}")) cy=(format!("{cy:.1}")) r="4" {
                            title { (tip) }
                        }
                    }
                }
            }
            figcaption {
                "Each run's duration by its scheduled time (" (spec.timezone) "); a cross is a failed run."
                @let above: Vec<String> = lines.iter()
                    .filter(|mark| mark.ms as f64 > top_ms)
                    .map(|mark| format!("{} {}", mark.label, duration(mark.ms)))
                    .collect();
                @if !above.is_empty() {
                    " " span data-field="above" { "Above the chart: " (above.join("; ")) "." }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use schedule_runtime::ledger::{Change, End, Start};

    fn at(text: &str) -> Timestamp {
        text.parse().expect("an instant")
    }

    /// A record of `task` at `time` that ran once and ended as `status` after `ms`.
    fn ran(time: &str, status: Status, ms: u64) -> Record {
        let time = at(time);
        let mut record = Record::empty("sync", time);
        record.apply(
            &Change::Started(Start {
                at: time,
                attempt: Some(1),
                execution_id: None,
                request_id: "r".to_owned(),
                environment: "production".to_owned(),
                by_schedule: true,
            }),
            true,
        );
        record.apply(
            &Change::Finished(End {
                at: time,
                status,
                duration_ms: ms,
                error_type: status.is_failure().then(|| "TaskFailed".to_owned()),
                excerpt: None,
            }),
            false,
        );
        record
    }

    fn spec(expression: &'static str) -> TaskSpec {
        TaskSpec {
            timezone: "Europe/Berlin",
            retries: 2,
            timeout_seconds: 60,
            ..TaskSpec::new("sync", expression)
        }
    }

    #[test]
    fn every_outcome_has_its_own_letter_so_colour_is_never_the_only_sign() {
        let letters: Vec<&str> = [
            "succeeded",
            "failed",
            "timed_out",
            "panicked",
            "dead_lettered",
            "skipped",
            "missed",
            "running",
            "duplicate",
        ]
        .into_iter()
        .map(letter)
        .collect();
        assert_eq!(
            letters,
            ["✓", "F", "T", "P", "D", "S", "M", "R", "="],
            "one letter each, none shared"
        );
        // The legend says what each means.
        let legend = legend().into_string();
        for said in [
            r#"<span class="cell succeeded">✓</span> succeeded"#,
            r#"<span class="cell dead_lettered">D</span> dead lettered"#,
            r#"<span class="cell missed">M</span> missed"#,
            r#"<span class="cell next">·</span> upcoming"#,
            r#"<span class="cell duplicate">=</span> duplicate"#,
        ] {
            assert!(legend.contains(said), "{said} in {legend}");
        }
    }

    #[test]
    fn the_grid_runs_from_the_oldest_occurrence_and_marks_duplicate_deliveries() {
        let now = at("2026-12-07T10:00:00Z");
        let mut twice = ran("2026-12-07T09:00:00Z", Status::Succeeded, 900);
        twice.apply(
            &Change::Duplicate {
                environment: "production".to_owned(),
                by_schedule: true,
            },
            false,
        );
        twice.apply(
            &Change::Duplicate {
                environment: "production".to_owned(),
                by_schedule: true,
            },
            false,
        );
        let failed = ran("2026-12-07T08:00:00Z", Status::Failed, 400);
        let mut missed = Record::empty("sync", at("2026-12-07T07:00:00Z"));
        missed.apply(&Change::Missed, true);
        // Newest first, as the ledger reads them.
        let records = [twice, failed, missed];
        let html = grid(
            &spec("cron(0 * * * ? *)"),
            &records,
            &[at("2026-12-07T10:00:00Z")],
            &TimeZone::get("Europe/Berlin").unwrap(),
            now,
        )
        .into_string();
        let cells: Vec<&str> = html.split("<a ").skip(1).collect();
        assert_eq!(cells.len(), 3, "{html}");
        assert!(cells[0].starts_with(r#"class="cell missed" href="/tasks/sync?at=2026-12-07T07:00:00Z" title="Mon 07 Dec 08:00 CET missed">M</a>"#), "{html}");
        assert!(cells[1].starts_with(r#"class="cell failed" href="/tasks/sync?at=2026-12-07T08:00:00Z" title="Mon 07 Dec 09:00 CET failed">F</a>"#), "{html}");
        assert!(cells[2].starts_with(r#"class="cell succeeded dup" href="/tasks/sync?at=2026-12-07T09:00:00Z" title="Mon 07 Dec 10:00 CET succeeded, 2 duplicate deliveries">✓</a>"#), "{html}");
        assert!(
            html.ends_with(
                r#"<span class="cell next" title="Mon 07 Dec 11:00 CET upcoming">·</span></span>"#
            ),
            "{html}"
        );
    }

    #[test]
    fn a_failure_that_no_retry_follows_shows_as_dead_lettered() {
        let now = at("2026-12-07T10:00:00Z");
        let mut spent = ran("2026-12-07T09:00:00Z", Status::Failed, 400);
        for _ in 0..2 {
            spent.apply(
                &Change::Finished(End {
                    at: now,
                    status: Status::Failed,
                    duration_ms: 400,
                    error_type: None,
                    excerpt: None,
                }),
                false,
            );
        }
        let html = grid(
            &spec("cron(0 * * * ? *)"),
            &[spent],
            &[],
            &TimeZone::UTC,
            now,
        )
        .into_string();
        assert!(html.contains(r#"class="cell dead_lettered""#), "{html}");
        assert!(html.contains(">D</a>"), "{html}");
    }

    #[test]
    fn the_chart_has_one_point_per_run_crosses_for_failures_and_the_lines_in_scale() {
        let now = at("2026-12-07T10:10:00Z");
        // Every minute: half the interval is 30 s; the timeout, 60 s.
        let records = [
            Record::empty("sync", at("2026-12-07T10:03:00Z")), // not run: no point
            ran("2026-12-07T10:02:00Z", Status::Succeeded, 40_000),
            ran("2026-12-07T10:01:00Z", Status::TimedOut, 20_000),
            ran("2026-12-07T10:00:00Z", Status::Succeeded, 10_000),
        ];
        let html = durations(&spec("rate(1 minute)"), &records, now).into_string();
        assert_eq!(html.matches("<circle").count(), 2, "{html}");
        assert_eq!(
            html.matches(r#"<path class="run failed""#).count(),
            1,
            "{html}"
        );
        // The scale tops at 50 s (the longest, 40 s, and a quarter): 30 s is at 60 % of the
        // 128 units between y = 140 (0 s) and y = 12, so at 140 - 76.8.
        assert!(
            html.contains(r#"data-line="half" x1="56" y1="63.2" x2="632" y2="63.2""#),
            "{html}"
        );
        // The first run at the left edge, the last at the right one, 40 s at 140 - 102.4.
        assert!(
            html.contains(r#"data-at="2026-12-07T10:00:00Z" data-ms="10000" cx="56.0" cy="114.4""#),
            "{html}"
        );
        assert!(
            html.contains(r#"data-at="2026-12-07T10:02:00Z" data-ms="40000" cx="632.0" cy="37.6""#),
            "{html}"
        );
        // The timeout (60 s) is above the scale: named, not drawn.
        assert!(!html.contains(r#"data-line="timeout""#), "{html}");
        assert!(
            html.contains("Above the chart: timeout 1 min 00 s."),
            "{html}"
        );
    }

    #[test]
    fn a_page_without_a_finished_run_says_so_instead_of_an_empty_chart() {
        let now = at("2026-12-07T10:10:00Z");
        let html = durations(
            &spec("rate(1 minute)"),
            &[Record::empty("sync", at("2026-12-07T10:03:00Z"))],
            now,
        )
        .into_string();
        assert!(!html.contains("<svg"), "{html}");
        assert!(html.contains("No run with a duration"), "{html}");
    }

    #[test]
    fn a_single_run_stands_in_the_middle_of_the_chart() {
        let now = at("2026-12-07T10:10:00Z");
        let records = [ran("2026-12-07T10:00:00Z", Status::Succeeded, 10_000)];
        let html = durations(&spec("rate(1 minute)"), &records, now).into_string();
        // Halfway between x = 56 and x = 632; 10 s of a 12.5 s scale is at 140 - 102.4.
        assert!(
            html.contains(r#"data-ms="10000" cx="344.0" cy="37.6""#),
            "{html}"
        );
    }

    #[test]
    fn each_health_group_is_named_by_its_word_in_the_address() {
        for group in Health::ALL {
            assert_eq!(Health::parse(group.word()), Some(group));
        }
        assert_eq!(
            Health::ALL.map(Health::word),
            ["failing", "missed", "paused", "long"]
        );
        assert_eq!(Health::parse("slow"), None);
        assert_eq!(Health::parse(""), None);
    }

    #[allow(clippy::needless_pass_by_value)] // The signature of every task's entry point.
    fn never_run(
        _: schedule_runtime::TaskContext,
        _: schedule_runtime::__private::TaskInput,
    ) -> schedule_runtime::__private::TaskFuture {
        Box::pin(async { Ok(serde_json::Value::Null) })
    }

    /// A task every minute, registered as the macro would.
    fn every_minute() -> &'static schedule_runtime::Registration {
        let location = schedule_runtime::__private::Location {
            file: "pictures.rs",
            line: 1,
            column: 1,
        };
        Box::leak(Box::new(schedule_runtime::Registration::new(
            spec("rate(1 minute)"),
            location,
            never_run,
            None,
        )))
    }

    #[test]
    fn a_task_is_in_the_health_groups_its_status_puts_it_in() {
        use schedule_runtime::ledger::{self, Entry, Ledger, LocalLedger, Pause};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime");
        let task = every_minute();
        let now = at("2026-12-07T10:00:00Z");
        let ledger = LocalLedger::in_memory();
        // The groups the task is in, and what the health bar counts.
        let groups_of = |ledger: &LocalLedger| {
            let report = runtime
                .block_on(ledger::task_report(
                    task,
                    "production",
                    ledger,
                    now,
                    ledger::DEFAULT_RETENTION,
                    GRID,
                ))
                .expect("read");
            let groups: Vec<&str> = Health::ALL
                .into_iter()
                .filter(|group| group.holds(task.spec(), &report.status, now))
                .map(Health::word)
                .collect();
            let bar = health_bar(&[(task.spec(), &report.status)], now, None).into_string();
            for (group, label) in
                Health::ALL
                    .into_iter()
                    .zip(["failing", "missed runs", "paused", "running long"])
            {
                let count = usize::from(groups.contains(&group.word()));
                let shown = format!(
                    r#"href="/?only={}"><strong data-count="{}">{count}</strong> {label}</a>"#,
                    group.word(),
                    group.word()
                );
                assert!(bar.contains(&shown), "{shown} in {bar}");
            }
            groups
        };
        let write = |ledger: &LocalLedger, record_at: &str, change: Change| {
            let entry = Entry {
                task: "sync".to_owned(),
                scheduled_time: at(record_at),
                deferral: None,
                expires_at: Timestamp::MAX,
                change,
            };
            runtime.block_on(ledger.write(&entry)).expect("written");
        };
        // One run of the occurrence `time`, ended as `status` after `ms`.
        let run = |time: &str, status: Status, ms: u64| {
            let start = Start {
                at: at(time),
                attempt: Some(1),
                execution_id: None,
                request_id: "r".to_owned(),
                environment: "production".to_owned(),
                by_schedule: false,
            };
            write(&ledger, time, Change::Started(start));
            let end = End {
                at: at(time),
                status,
                duration_ms: ms,
                error_type: None,
                excerpt: None,
            };
            write(&ledger, time, Change::Finished(end));
        };
        assert_eq!(groups_of(&ledger), Vec::<&str>::new(), "nothing ran yet");
        // A success in 20 s of a 60 s interval: healthy.
        run("2026-12-07T09:57:00Z", Status::Succeeded, 20_000);
        assert_eq!(groups_of(&ledger), Vec::<&str>::new());
        // Then a failure in 31 s: failing, and longer than half the interval.
        run("2026-12-07T09:58:00Z", Status::Failed, 31_000);
        assert_eq!(groups_of(&ledger), ["failing", "long"]);
        // A missed occurrence after it, and a pause.
        write(&ledger, "2026-12-07T09:59:00Z", Change::Missed);
        let pause = Pause {
            by: "alice".to_owned(),
            at: now,
            reason: None,
        };
        runtime
            .block_on(ledger.set_pause("sync", Some(&pause)))
            .expect("paused");
        assert_eq!(groups_of(&ledger), ["failing", "missed", "paused", "long"]);
        // Resumed, and the failed occurrence retried to success in 1 s (its record's
        // duration is now the retry's): only the miss stays.
        runtime
            .block_on(ledger.set_pause("sync", None))
            .expect("resumed");
        run("2026-12-07T09:58:00Z", Status::Succeeded, 1_000);
        assert_eq!(groups_of(&ledger), ["missed"]);
    }
}

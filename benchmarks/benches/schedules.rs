//! schedule-core against the `croner` and `cron` crates, on equivalent expressions, in one run.
//!
//! Each case is written once per library in that library's dialect so that all three compute
//! the same fire times (checked before measuring). `cron` has no `L`, `W` or `#`, so it sits out
//! the cases that need them. Run with `cargo bench -p schedule-benchmarks`.

use std::hint::black_box;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone as _, Utc};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use croner::parser::{CronParser, Seconds, Year};
use schedule_core::jiff::Timestamp;
use schedule_core::{Schedule, time_zone};

struct Case {
    name: &'static str,
    /// AWS's dialect, as schedule-core reads it.
    ours: &'static str,
    /// The same fields behind a seconds field, as both croner (configured for Quartz weekdays,
    /// 1 = Sunday, and a year field) and the `cron` crate read them.
    quartz: &'static str,
    /// Whether the `cron` crate can express the case.
    cron: bool,
}

const CASES: [Case; 4] = [
    Case {
        name: "daily",
        ours: "cron(0 8 * * ? *)",
        quartz: "0 0 8 * * ? *",
        cron: true,
    },
    Case {
        name: "business-hours",
        ours: "cron(0/15 9-17 ? * MON-FRI *)",
        quartz: "0 0/15 9-17 ? * MON-FRI *",
        cron: true,
    },
    Case {
        name: "leap-day",
        ours: "cron(0 0 29 2 ? *)",
        quartz: "0 0 0 29 2 ? *",
        cron: true,
    },
    Case {
        name: "last-friday",
        ours: "cron(15 10 ? * 6L 2026-2030)",
        quartz: "0 15 10 ? * 6L 2026-2030",
        cron: false,
    },
];

fn croner_parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .alternative_weekdays(true)
        .sloppy_ranges(true)
        .build()
}

const START: &str = "2026-11-26T10:07:00Z";
const ZONE: &str = "Europe/London";

fn start_chrono() -> DateTime<chrono_tz::Tz> {
    let utc: DateTime<Utc> = START.parse().expect("valid");
    chrono_tz::Europe::London.from_utc_datetime(&utc.naive_utc())
}

/// All three libraries agree on the first fire times of every case before anything is measured.
fn check_equivalence() {
    let tz = time_zone(ZONE).expect("known zone");
    let after: Timestamp = START.parse().expect("valid");
    for case in &CASES {
        let ours: Schedule = case.ours.parse().expect("valid");
        let expected: Vec<i64> = ours
            .fire_times(after, &tz)
            .take(5)
            .map(Timestamp::as_second)
            .collect();
        let croner = croner_parser().parse(case.quartz).expect("croner parses");
        let mut t = start_chrono();
        let mut theirs = Vec::new();
        for _ in 0..5 {
            t = croner
                .find_next_occurrence(&t, false)
                .expect("croner finds");
            theirs.push(t.timestamp());
        }
        assert_eq!(expected, theirs, "croner disagrees on {}", case.name);
        if case.cron {
            let cron = cron::Schedule::from_str(case.quartz).expect("cron parses");
            let theirs: Vec<i64> = cron
                .after(&start_chrono())
                .take(5)
                .map(|t| t.timestamp())
                .collect();
            assert_eq!(expected, theirs, "cron disagrees on {}", case.name);
        }
    }
}

fn parse(c: &mut Criterion) {
    check_equivalence();
    let mut group = c.benchmark_group("parse");
    for case in &CASES {
        group.bench_with_input(
            BenchmarkId::new("schedule-core", case.name),
            case,
            |b, case| {
                b.iter(|| black_box(case.ours).parse::<Schedule>().expect("valid"));
            },
        );
        let parser = croner_parser();
        group.bench_with_input(BenchmarkId::new("croner", case.name), case, |b, case| {
            b.iter(|| parser.parse(black_box(case.quartz)).expect("valid"));
        });
        if case.cron {
            group.bench_with_input(
                BenchmarkId::new("cron", case.name),
                case.quartz,
                |b, text| {
                    b.iter(|| cron::Schedule::from_str(black_box(text)).expect("valid"));
                },
            );
        }
    }
    group.finish();
}

/// The next fire time after a fixed instant, in Europe/London.
fn next(c: &mut Criterion) {
    let mut group = c.benchmark_group("next");
    let tz = time_zone(ZONE).expect("known zone");
    let after: Timestamp = START.parse().expect("valid");
    let after_chrono = start_chrono();
    for case in &CASES {
        let ours: Schedule = case.ours.parse().expect("valid");
        group.bench_function(BenchmarkId::new("schedule-core", case.name), |b| {
            b.iter(|| ours.next_after(black_box(after), &tz).expect("fires"));
        });
        let croner = croner_parser().parse(case.quartz).expect("valid");
        group.bench_function(BenchmarkId::new("croner", case.name), |b| {
            b.iter(|| {
                croner
                    .find_next_occurrence(black_box(&after_chrono), false)
                    .expect("fires")
            });
        });
        if case.cron {
            let cron = cron::Schedule::from_str(case.quartz).expect("valid");
            group.bench_function(BenchmarkId::new("cron", case.name), |b| {
                b.iter(|| cron.after(black_box(&after_chrono)).next().expect("fires"));
            });
        }
    }
    group.finish();
}

/// A year of fire times for a dense schedule: 100 successive times of the business-hours case.
fn iterate(c: &mut Criterion) {
    let mut group = c.benchmark_group("iterate-100");
    let case = &CASES[1];
    let tz = time_zone(ZONE).expect("known zone");
    let after: Timestamp = START.parse().expect("valid");
    let ours: Schedule = case.ours.parse().expect("valid");
    group.bench_function("schedule-core", |b| {
        b.iter(|| ours.fire_times(black_box(after), &tz).take(100).count());
    });
    let croner = croner_parser().parse(case.quartz).expect("valid");
    let after_chrono = start_chrono();
    group.bench_function("croner", |b| {
        b.iter(|| croner.iter_after(black_box(after_chrono)).take(100).count());
    });
    let cron = cron::Schedule::from_str(case.quartz).expect("valid");
    group.bench_function("cron", |b| {
        b.iter(|| cron.after(black_box(&after_chrono)).take(100).count());
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = parse, next, iterate
}
criterion_main!(benches);

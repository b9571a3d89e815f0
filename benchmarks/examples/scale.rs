//! The generated module at 10, 100 and 1,000 tasks: `codegen terraform`'s work (render and
//! write, median of 5), the files' size, and what the tasks' schedules make AWS do in a month
//! (runs, and the hours in which each task publishes metrics), for `scripts/scale-benchmark.sh`,
//! which plans each module against moto and prints the table of `BENCHMARKS.md`.
//!
//! Usage: `scale <out-dir>`; writes `<out-dir>/<n>/*.tf` and prints one JSON line per size.
//!
//! The tasks are those of the scale test (`examples/shop/tests/scale.rs`): a third daily crons
//! in four zones, a third rates of 5 to 59 minutes, a third every 15 minutes in business hours
//! on weekdays; 9 in 20 with `heartbeat`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use schedule_codegen::terraform::{Options, Trigger, render};
use schedule_codegen::write_module;
use schedule_core::TaskSpec;
use schedule_core::jiff::{SignedDuration, Timestamp};

const SIZES: [usize; 3] = [10, 100, 1_000];
/// A 30-day month from a fixed day, so that the figures do not depend on when they are made.
const MONTH_FROM: Timestamp = Timestamp::constant(1_764_547_200, 0); // 2025-12-01T00:00:00Z
const MONTH: SignedDuration = SignedDuration::from_hours(30 * 24);

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn tasks(count: usize) -> Vec<TaskSpec> {
    let zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"];
    (0..count)
        .map(|i| {
            let expression = match i % 3 {
                0 => leak(format!("cron({} {} * * ? *)", i % 60, i % 24)),
                1 => leak(format!("rate({} minutes)", 5 + i % 55)),
                _ => leak(format!("cron(0/15 {}-{} ? * MON-FRI *)", i % 8, 9 + i % 8)),
            };
            TaskSpec {
                timezone: zones[i % zones.len()],
                window_minutes: (i % 4 == 0).then_some(15),
                heartbeat: i % 20 < 9,
                ..TaskSpec::new(leak(format!("scale-task-{i:04}")), expression)
            }
        })
        .collect()
}

/// Runs in the month, and the hours in which the task ran (each such hour, each metric a run
/// publishes counts for an hour of CloudWatch's prorated metric price).
fn month_of(spec: &TaskSpec) -> (usize, usize) {
    let schedule = spec.schedule().expect("a schedule").expect("valid");
    let zone = spec.time_zone().expect("a zone");
    let end = MONTH_FROM + MONTH;
    let mut runs = 0;
    let mut hours = HashSet::new();
    for at in schedule.fire_times(MONTH_FROM, &zone) {
        if at >= end {
            break;
        }
        runs += 1;
        hours.insert(at.as_second() / 3_600);
    }
    (runs, hours.len())
}

#[allow(clippy::print_stdout)] // An example's whole job is to print.
fn main() {
    let out = PathBuf::from(std::env::args().nth(1).expect("usage: scale <out-dir>"));
    let options = Options {
        app: "scale".to_owned(),
        lambda_zip: "bootstrap.zip".to_owned(),
        monitors: false,
        default_monitor: schedule_core::Monitor::Healthchecks,
        trigger: Trigger::Scheduler,
        defer: false,
    };
    for n in SIZES {
        let specs = tasks(n);
        let dir = out.join(n.to_string());
        let mut times: Vec<Duration> = (0..5)
            .map(|_| {
                let started = Instant::now();
                let files = render(&specs, &options).expect("renders");
                write_module(&dir, &files).expect("writes");
                started.elapsed()
            })
            .collect();
        times.sort();
        let files = render(&specs, &options).expect("renders");
        let bytes: usize = files.iter().map(|f| f.contents.len()).sum();
        let (runs, active_hours) = specs
            .iter()
            .map(month_of)
            .fold((0, 0), |(r, h), (runs, hours)| (r + runs, h + hours));
        let heartbeats = specs.iter().filter(|s| s.heartbeat).count();
        println!(
            "{}",
            serde_json::json!({
                "tasks": n,
                "heartbeat_tasks": heartbeats,
                "files": files.len(),
                "bytes": bytes,
                "codegen_ms": times[2].as_secs_f64() * 1_000.0,
                "runs_per_month": runs,
                "task_active_hours_per_month": active_hours,
            })
        );
    }
}

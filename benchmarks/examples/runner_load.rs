//! One local runner holding 10,000 schedules: its memory, and how late runs start.
//!
//! Every schedule fires every minute (cron in ten zones, including half-hour offsets, and
//! `rate(1 minute)`), so each minute boundary is a burst of 10,000 runs: the worst case for a
//! single process. Each run records how long after its scheduled time it started. Real time,
//! not a paused clock: it takes `MINUTES` minutes.
//!
//! ```sh
//! cargo run --release -p schedule-benchmarks --example runner_load -- [SCHEDULES] [MINUTES]
//! ```

use std::sync::{Arc, Mutex};
use std::time::Duration;

use schedule_core::TaskSpec;
use schedule_core::jiff::Timestamp;
use schedule_runtime::__private::{Location, Registration, TaskFuture, TaskInput};
use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::runner::{DeadLetterFile, Runner};
use schedule_runtime::{Dispatcher, Heartbeat, Registry, TaskContext};

/// Microseconds from each run's scheduled time to its start.
static LATENESS: Mutex<Vec<i64>> = Mutex::new(Vec::new());

#[allow(clippy::needless_pass_by_value)] // The signature of every task's entry point.
fn probe(ctx: TaskContext, _input: TaskInput) -> TaskFuture {
    let late = Timestamp::now().duration_since(ctx.scheduled_time());
    LATENESS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(late.as_micros().try_into().unwrap_or(i64::MAX));
    Box::pin(async { Ok(serde_json::Value::Null) })
}

const ZONES: [&str; 10] = [
    "UTC",
    "Europe/Berlin",
    "Europe/Moscow",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Tokyo",
    "Australia/Adelaide",
    "Pacific/Auckland",
    "Africa/Johannesburg",
];

/// Resident memory and its peak, in KiB, from /proc (Linux).
fn memory() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(sorted: &[i64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[rank] as f64 / 1000.0
}

#[allow(clippy::print_stdout)]
fn main() {
    let mut args = std::env::args().skip(1);
    let schedules: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let minutes: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let (before, _) = memory();

    let registrations: Vec<&'static Registration> = (0..schedules)
        .map(|i| {
            let name: &'static str = Box::leak(format!("task-{i:05}").into_boxed_str());
            let spec = if i % 11 == 10 {
                TaskSpec::new(name, "rate(1 minute)")
            } else {
                TaskSpec {
                    timezone: ZONES[i % ZONES.len()],
                    ..TaskSpec::new(name, "cron(* * * * ? *)")
                }
            };
            let location = Location {
                file: "runner_load.rs",
                line: 1,
                column: 1,
            };
            &*Box::leak(Box::new(Registration::new(spec, location, probe, None)))
        })
        .collect();
    let registry = Registry::from_registrations(registrations).expect("unique names");
    let dispatcher = Dispatcher::new(
        registry,
        Arc::new(MemoryStore::new()),
        Heartbeat::disabled(),
        "bench",
    );
    let dead_letters =
        std::env::temp_dir().join(format!("runner-load-{}.jsonl", std::process::id()));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let summary = runtime.block_on(async {
        let runner = Runner::new(dispatcher, DeadLetterFile::new(&dead_letters));
        let (loaded, _) = memory();
        println!(
            "schedules: {schedules}; resident memory with the registry built: {} KiB (+{} KiB)",
            loaded,
            loaded.saturating_sub(before)
        );
        runner
            .run(tokio::time::sleep(Duration::from_secs(minutes * 60)))
            .await
    });
    let (after, peak) = memory();
    let mut lateness = LATENESS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    lateness.sort_unstable();
    println!(
        "runs: {} (succeeded {}, dead-lettered {}) in {minutes} min",
        lateness.len(),
        summary.succeeded,
        summary.dead_lettered
    );
    println!(
        "start lateness: median {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&lateness, 0.5),
        percentile(&lateness, 0.99),
        percentile(&lateness, 1.0)
    );
    println!(
        "resident memory: {after} KiB at the end, {peak} KiB peak, {before} KiB before the registry"
    );
}

//! The console's overview of a 500-task application: the page `ops console` serves at `/`,
//! computed from a ledger and rendered, server side (median and slowest of 30), and its weight
//! as rendered and as sent (gzipped, to a browser that accepts it).
//!
//! Usage: `console_overview [tasks]` (default 500). The ledger is a state directory's file,
//! holding 20 runs per task within the last days (a failure in every fifth), a pause on every
//! tenth task; the tasks are those of the scale benchmark (daily crons in four zones, rates,
//! business-hours crons), each with a description. Prints one JSON line; with
//! `CONSOLE_OVERVIEW_HTML=<file>`, also writes the page there.

use std::time::{Duration, Instant};

use schedule_core::TaskSpec;
use schedule_core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::__private::{Location, Registration, TaskFuture, TaskInput};
use schedule_runtime::ledger::{Change, End, Entry, Ledger, LocalLedger, Pause, Start, Status};
use schedule_runtime::{Registry, TaskContext};

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

#[allow(clippy::needless_pass_by_value)] // The signature of every task's entry point.
fn never_run(_: TaskContext, _: TaskInput) -> TaskFuture {
    Box::pin(async { Ok(serde_json::Value::Null) })
}

fn registry(count: usize) -> Registry {
    let zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"];
    let registrations = (0..count).map(|i| {
        let expression = match i % 3 {
            0 => leak(format!("cron({} {} * * ? *)", i % 60, i % 24)),
            1 => leak(format!("rate({} minutes)", 5 + i % 55)),
            _ => leak(format!("cron(0/15 {}-{} ? * MON-FRI *)", i % 8, 9 + i % 8)),
        };
        let spec = TaskSpec {
            timezone: zones[i % zones.len()],
            description: Some(leak(format!(
                "Task number {i} of the benchmark: refreshes one slice of the catalogue"
            ))),
            ..TaskSpec::new(leak(format!("overview-task-{i:04}")), expression)
        };
        let location = Location {
            file: "console_overview.rs",
            line: 1,
            column: 1,
        };
        &*Box::leak(Box::new(Registration::new(spec, location, never_run, None)))
    });
    Registry::from_registrations(registrations).expect("unique names")
}

async fn fill(ledger: &LocalLedger, registry: &Registry, now: Timestamp) {
    for (i, task) in registry.tasks().iter().enumerate() {
        let name = task.spec().name;
        for run in 0..20_i64 {
            let at = now - SignedDuration::from_hours(3 * (run + 1) + (i as i64 % 3));
            let failed = run % 5 == 4;
            let entry = |change| Entry {
                task: name.to_owned(),
                scheduled_time: at,
                deferral: None,
                expires_at: Timestamp::MAX,
                change,
            };
            let start = Start {
                at,
                attempt: Some(1),
                execution_id: Some(format!("{i:08x}{run:08x}")),
                request_id: format!("request-{i}-{run}"),
                environment: "production".to_owned(),
                by_schedule: true,
            };
            ledger
                .write(&entry(Change::Started(start)))
                .await
                .expect("written");
            let end = End {
                at: at + SignedDuration::from_secs(2),
                status: if failed {
                    Status::Failed
                } else {
                    Status::Succeeded
                },
                duration_ms: 1_800,
                error_type: failed.then(|| "TaskFailed".to_owned()),
                excerpt: Some(
                    if failed {
                        "supplier API returned 503"
                    } else {
                        "42"
                    }
                    .to_owned(),
                ),
            };
            ledger
                .write(&entry(Change::Finished(end)))
                .await
                .expect("written");
        }
        if i % 10 == 0 {
            let pause = Pause {
                by: "alice".to_owned(),
                at: now,
                reason: Some("supplier outage".to_owned()),
            };
            ledger.set_pause(name, Some(&pause)).await.expect("written");
        }
    }
}

#[allow(clippy::print_stdout)] // An example's whole job is to print.
fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .map_or(500, |n| n.parse().expect("usage: console_overview [tasks]"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let registry = registry(count);
        // The ledger file of a state directory, as `ops console` reads it.
        let dir = std::env::temp_dir().join(format!("console-overview-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let ledger = LocalLedger::open(dir.join("ledger.jsonl"));
        let now = Timestamp::now();
        fill(&ledger, &registry, now).await;
        let mut times = Vec::new();
        let mut html = String::new();
        for _ in 0..30 {
            let started = Instant::now();
            html = schedule_ops::overview_html(&registry, "production", &ledger, now)
                .await
                .expect("the overview renders");
            times.push(started.elapsed());
        }
        times.sort();
        let _ = std::fs::remove_dir_all(&dir);
        // To look at what is measured: `CONSOLE_OVERVIEW_HTML=page.html console_overview`.
        if let Some(path) = std::env::var_os("CONSOLE_OVERVIEW_HTML") {
            std::fs::write(&path, &html).expect("the page written");
        }
        let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
        let started = Instant::now();
        let gzipped = schedule_ops::gzipped_size(html.as_bytes()).expect("gzip");
        let gzip_ms = ms(started.elapsed());
        println!(
            "{{\"tasks\": {count}, \"median_ms\": {:.1}, \"slowest_ms\": {:.1}, \"bytes\": {}, \"gzipped_bytes\": {gzipped}, \"gzip_ms\": {gzip_ms:.1}}}",
            ms(times[times.len() / 2]),
            ms(times[times.len() - 1]),
            html.len()
        );
    });
}

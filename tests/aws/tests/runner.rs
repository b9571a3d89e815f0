//! The local runner on tokio's paused clock: days of schedules in milliseconds, with the firing
//! order across zones, flexible windows, retries and their spacing, `max_age`, the dead-letter
//! file, environments and graceful shutdown checked against times worked out by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::runner::{Clock, DeadLetterFile, Runner, Summary};
use schedule_runtime::{Dispatcher, Heartbeat, Registry, TaskContext, scheduled};
use std::sync::Arc;

/// (task, scheduled time, when it ran).
static RUNS: Mutex<Vec<(String, Timestamp, Timestamp)>> = Mutex::new(Vec::new());
/// Every test's clock starts here: a Friday, 27 November 2026, midnight UTC.
const START: &str = "2026-11-27T00:00:00Z";

fn start() -> Timestamp {
    START.parse().unwrap()
}

thread_local! {
    /// When this test's runner started, on its paused clock. Each test runs on a thread of its
    /// own (tokio's current-thread runtime), and so do the tasks it spawns.
    static ORIGIN: std::cell::Cell<Option<tokio::time::Instant>> = const { std::cell::Cell::new(None) };
}

/// Records a run with the (paused) wall time it happened at.
fn record(ctx: &TaskContext) {
    let origin = ORIGIN.get().expect("the runner started");
    let elapsed = SignedDuration::try_from(tokio::time::Instant::now() - origin).unwrap();
    RUNS.lock().unwrap().push((
        ctx.task().to_owned(),
        ctx.scheduled_time(),
        start() + elapsed,
    ));
}

fn runs_of(tasks: &[&str]) -> Vec<(String, String, String)> {
    RUNS.lock()
        .unwrap()
        .iter()
        .filter(|(task, ..)| tasks.contains(&task.as_str()))
        .map(|(task, scheduled, ran)| (task.clone(), scheduled.to_string(), ran.to_string()))
        .collect()
}

#[scheduled("cron(0 8 * * ? *)", timezone = "Europe/Moscow")]
async fn moscow_report(ctx: TaskContext) {
    record(&ctx);
}

#[scheduled("cron(0 9 ? * MON *)", timezone = "Europe/Berlin")]
async fn berlin_digest(ctx: TaskContext) {
    record(&ctx);
}

#[scheduled("cron(0 12 * * ? *)", window = "15m")]
async fn windowed_noon(ctx: TaskContext) {
    record(&ctx);
}

#[scheduled("rate(1 day)", environments = ["production"])]
async fn production_only(ctx: TaskContext) {
    record(&ctx);
}

/// Only the test that runs it in production uses it (the test above must see it never run).
#[scheduled("cron(0 3 * * ? *)", environments = ["production"])]
async fn production_nightly(ctx: TaskContext) {
    assert_eq!(ctx.environment(), "production");
    record(&ctx);
}

static FLAKY_CALLS: AtomicU32 = AtomicU32::new(0);

/// Fails its first two attempts.
#[scheduled("rate(1 day)", retries = 2)]
async fn flaky(ctx: TaskContext) -> anyhow::Result<()> {
    record(&ctx);
    let call = FLAKY_CALLS.fetch_add(1, Ordering::SeqCst);
    anyhow::ensure!(call >= 2, "the API answered 503 (call {call})");
    Ok(())
}

#[scheduled("rate(1 day)", retries = 1)]
async fn broken(ctx: TaskContext) -> anyhow::Result<()> {
    record(&ctx);
    anyhow::bail!("the disk is full")
}

/// Fails every attempt; used only by the test of the ledger's dead letter.
#[scheduled("rate(1 day)", retries = 0)]
async fn always_broken() -> anyhow::Result<()> {
    anyhow::bail!("the supplier is gone")
}

#[scheduled("rate(1 day)", retries = 2, max_age = "1m")]
async fn impatient(ctx: TaskContext) -> anyhow::Result<()> {
    record(&ctx);
    anyhow::bail!("the disk is full")
}

#[scheduled("rate(1 day)", timeout = "1m")]
async fn long_job(ctx: TaskContext) {
    tokio::time::sleep(Duration::from_secs(30)).await;
    record(&ctx);
}

/// A runner of `tasks` only, in `environment`, on a paused clock at [`START`], with delays in
/// windows fixed at 7 minutes; runs until `until` after the start.
async fn run(
    name: &str,
    tasks: &[&str],
    environment: &str,
    until: Duration,
) -> (Summary, DeadLetterFile) {
    run_with_store(
        name,
        tasks,
        environment,
        until,
        Arc::new(MemoryStore::new()),
    )
    .await
}

async fn run_with_store(
    name: &str,
    tasks: &[&str],
    environment: &str,
    until: Duration,
    store: Arc<MemoryStore>,
) -> (Summary, DeadLetterFile) {
    ORIGIN.set(Some(tokio::time::Instant::now()));
    let all = Registry::load().unwrap();
    let chosen = all
        .tasks()
        .iter()
        .copied()
        .filter(|t| tasks.contains(&t.name()));
    let registry = Registry::from_registrations(chosen).unwrap();
    let dispatcher = Dispatcher::new(registry, store, Heartbeat::disabled(), environment);
    let path =
        std::env::temp_dir().join(format!("dead-letters-{name}-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let dead_letters = DeadLetterFile::new(&path);
    let summary = Runner::new(dispatcher, dead_letters.clone())
        .with_clock(Clock::starting_at(start()))
        .with_jitter(Arc::new(|window| window.min(Duration::from_secs(7 * 60))))
        .run(tokio::time::sleep(until))
        .await;
    (summary, dead_letters)
}

fn row(task: &str, scheduled: &str, ran: &str) -> (String, String, String) {
    (task.to_owned(), scheduled.to_owned(), ran.to_owned())
}

#[tokio::test(start_paused = true)]
async fn fires_in_order_across_zones_with_windows() {
    let tasks = ["moscow-report", "berlin-digest", "windowed-noon"];
    // Four days: Friday to Monday night.
    let (summary, _) = run("zones", &tasks, "local", Duration::from_secs(4 * 86_400)).await;
    assert_eq!(
        runs_of(&tasks),
        [
            // 08:00 in Moscow is 05:00 UTC (UTC+3, no DST).
            row(
                "moscow-report",
                "2026-11-27T05:00:00Z",
                "2026-11-27T05:00:00Z"
            ),
            // Noon UTC, started 7 minutes into its 15-minute window.
            row(
                "windowed-noon",
                "2026-11-27T12:00:00Z",
                "2026-11-27T12:07:00Z"
            ),
            row(
                "moscow-report",
                "2026-11-28T05:00:00Z",
                "2026-11-28T05:00:00Z"
            ),
            row(
                "windowed-noon",
                "2026-11-28T12:00:00Z",
                "2026-11-28T12:07:00Z"
            ),
            row(
                "moscow-report",
                "2026-11-29T05:00:00Z",
                "2026-11-29T05:00:00Z"
            ),
            row(
                "windowed-noon",
                "2026-11-29T12:00:00Z",
                "2026-11-29T12:07:00Z"
            ),
            row(
                "moscow-report",
                "2026-11-30T05:00:00Z",
                "2026-11-30T05:00:00Z"
            ),
            // Monday 09:00 in Berlin is 08:00 UTC in winter (CET).
            row(
                "berlin-digest",
                "2026-11-30T08:00:00Z",
                "2026-11-30T08:00:00Z"
            ),
            row(
                "windowed-noon",
                "2026-11-30T12:00:00Z",
                "2026-11-30T12:07:00Z"
            ),
        ]
    );
    assert_eq!(
        summary,
        Summary {
            succeeded: 9,
            duplicates: 0,
            dead_lettered: 0,
            skipped: 0
        }
    );
}

#[tokio::test(start_paused = true)]
async fn a_task_listing_environments_runs_only_there() {
    let tasks = ["production-only"];
    let (summary, _) = run(
        "staging",
        &tasks,
        "staging",
        Duration::from_secs(2 * 86_400),
    )
    .await;
    assert_eq!(summary, Summary::default());
    assert!(runs_of(&tasks).is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_task_listing_environments_runs_there() {
    let tasks = ["production-nightly"];
    let (summary, _) = run(
        "production",
        &tasks,
        "production",
        Duration::from_secs(2 * 86_400),
    )
    .await;
    assert_eq!(
        runs_of(&tasks),
        [
            row(
                "production-nightly",
                "2026-11-27T03:00:00Z",
                "2026-11-27T03:00:00Z"
            ),
            row(
                "production-nightly",
                "2026-11-28T03:00:00Z",
                "2026-11-28T03:00:00Z"
            ),
        ]
    );
    assert_eq!(summary.succeeded, 2);
}

#[tokio::test(start_paused = true)]
async fn failures_are_retried_a_minute_then_two_apart_then_dead_lettered() {
    let tasks = ["flaky", "broken"];
    // A rate fires one period after the runner starts: 28 November, midnight.
    let (summary, dead_letters) = run(
        "retries",
        &tasks,
        "local",
        Duration::from_secs(86_400 + 3_600),
    )
    .await;
    let first = "2026-11-28T00:00:00Z";
    let mut runs = runs_of(&tasks);
    runs.sort();
    assert_eq!(
        runs,
        [
            row("broken", first, "2026-11-28T00:00:00Z"),
            row("broken", first, "2026-11-28T00:01:00Z"),
            row("flaky", first, "2026-11-28T00:00:00Z"),
            row("flaky", first, "2026-11-28T00:01:00Z"),
            row("flaky", first, "2026-11-28T00:03:00Z"),
        ]
    );
    assert_eq!(
        summary,
        Summary {
            succeeded: 1,
            duplicates: 0,
            dead_lettered: 1,
            skipped: 0
        }
    );
    let letters = dead_letters.read().unwrap();
    assert_eq!(letters.len(), 1);
    let letter = &letters[0];
    assert_eq!(letter.task, "broken");
    assert_eq!(letter.attempts, 2);
    assert_eq!(letter.error_type, "TaskFailed");
    assert!(
        letter.error.contains("the disk is full"),
        "{}",
        letter.error
    );
    assert_eq!(letter.scheduled_time.to_string(), first);
    assert_eq!(letter.failed_at.to_string(), "2026-11-28T00:01:00Z");
    // The event is Scheduler's, ready to be sent again.
    assert_eq!(letter.event["task"], "broken");
    assert_eq!(letter.event["scheduled_time"], first);
    assert_eq!(letter.event["attempt"], "1");
}

#[tokio::test(start_paused = true)]
async fn no_retry_starts_past_max_age() {
    let tasks = ["impatient"];
    let (summary, dead_letters) = run(
        "max-age",
        &tasks,
        "local",
        Duration::from_secs(86_400 + 600),
    )
    .await;
    // A retry a minute later would be past its 1-minute max_age: one attempt only.
    assert_eq!(runs_of(&tasks).len(), 1);
    assert_eq!(summary.dead_lettered, 1);
    let letters = dead_letters.read().unwrap();
    assert_eq!(letters[0].attempts, 1);
    assert!(letters[0].error.contains("max_age"), "{}", letters[0].error);
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_runs_finish_and_dead_letters_waiting_retries() {
    let tasks = ["long-job", "broken"];
    // Stop 10 s after both fire: long-job is mid-run, broken waits for its retry.
    let (summary, dead_letters) = run(
        "shutdown",
        &tasks,
        "local",
        Duration::from_secs(86_400 + 10),
    )
    .await;
    let long = runs_of(&["long-job"]);
    assert_eq!(
        long,
        [row(
            "long-job",
            "2026-11-28T00:00:00Z",
            "2026-11-28T00:00:30Z"
        )]
    );
    let letters = dead_letters.read().unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].task, "broken");
    assert_eq!(letters[0].attempts, 1);
    assert!(
        letters[0].error.contains("stopped before the retry"),
        "{}",
        letters[0].error
    );
    assert_eq!(
        summary,
        Summary {
            succeeded: 1,
            duplicates: 0,
            dead_lettered: 1,
            skipped: 0
        }
    );
}

#[scheduled("cron(0 6 * * ? *)", idempotent)]
async fn nightly_once(ctx: TaskContext) -> anyhow::Result<u32> {
    record(&ctx);
    Ok(42)
}

#[tokio::test(start_paused = true)]
async fn a_restarted_runner_does_not_run_a_completed_occurrence_again() {
    let tasks = ["nightly-once"];
    let file = std::env::temp_dir().join(format!("runner-store-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&file);
    let day = Duration::from_secs(86_400);
    let store = || Arc::new(MemoryStore::persistent(&file).unwrap());
    let (first, _) = run_with_store("restart-1", &tasks, "local", day, store()).await;
    // The process restarts (its clock back at the same start, as after a crash and a quick
    // restart within the window): the 06:00 occurrence is delivered again.
    let (second, _) = run_with_store("restart-2", &tasks, "local", day, store()).await;
    assert_eq!(
        first,
        Summary {
            succeeded: 1,
            duplicates: 0,
            dead_lettered: 0,
            skipped: 0
        }
    );
    assert_eq!(
        second,
        Summary {
            succeeded: 0,
            duplicates: 1,
            dead_lettered: 0,
            skipped: 0
        }
    );
    assert_eq!(runs_of(&tasks).len(), 1);
    let _ = std::fs::remove_file(&file);
}

#[tokio::test(start_paused = true)]
async fn an_occurrence_given_up_is_dead_lettered_in_the_ledger_too() {
    use schedule_runtime::ledger::{self, Ledger, LocalLedger, Query, Recorder, Status};
    let all = Registry::load().unwrap();
    let registry = Registry::from_registrations(
        all.tasks()
            .iter()
            .copied()
            .filter(|t| t.name() == "always-broken"),
    )
    .unwrap();
    let dir = std::env::temp_dir().join(format!("runner-ledger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ledger = Arc::new(LocalLedger::open(dir.join("ledger.jsonl")));
    let dispatcher = Dispatcher::new(
        registry,
        Arc::new(MemoryStore::new()),
        Heartbeat::disabled(),
        "local",
    )
    .with_ledger(Recorder::new(ledger.clone(), ledger::DEFAULT_RETENTION));
    let summary = Runner::new(
        dispatcher,
        DeadLetterFile::new(dir.join("dead-letters.jsonl")),
    )
    .with_clock(Clock::starting_at(start()))
    .run(tokio::time::sleep(Duration::from_secs(86_400 + 600)))
    .await;
    assert_eq!(summary.dead_lettered, 1);
    // The ledger is written in the background (giving up does not wait on it): at most a
    // moment of the paused clock later.
    let query = || Query {
        since: None,
        until: None,
        limit: 10,
    };
    let mut status = None;
    for _ in 0..100 {
        let records = ledger.history("always-broken", query()).await.unwrap();
        status = records
            .first()
            .map(|r| (r.scheduled_time.to_string(), r.status));
        if status
            .as_ref()
            .is_some_and(|(_, s)| *s == Status::DeadLettered)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        status,
        Some(("2026-11-28T00:00:00Z".to_owned(), Status::DeadLettered))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

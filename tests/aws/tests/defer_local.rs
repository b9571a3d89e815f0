//! Deferred runs under the local runner, on tokio's paused clock: deferred before the runner
//! starts and from a running task, with and without keys, a duplicate key, a cancel, two runs
//! of an idempotent task deferred to the same instant under different keys, a run that fails
//! for good, and a restart with runs pending (one of them due while the runner was down).
//!
//! One test: the process has one place deferred runs go (`defer::use_local`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::defer::{self, LocalDeferrals};
use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::runner::{Clock, DeadLetterFile, Runner, Summary};
use schedule_runtime::{Dispatcher, Heartbeat, Registry, TaskContext, scheduled};
use serde::{Deserialize, Serialize};

/// A Friday, 27 November 2026, midnight UTC.
const START: &str = "2026-11-27T00:00:00Z";

fn at(offset_minutes: i64) -> Timestamp {
    START.parse::<Timestamp>().unwrap() + SignedDuration::from_mins(offset_minutes)
}

/// (task, scheduled time, recipient, when it ran on the paused clock).
static RUNS: Mutex<Vec<(String, Timestamp, String, Timestamp)>> = Mutex::new(Vec::new());
/// The clock of the runner in progress.
static CLOCK: Mutex<Option<Clock>> = Mutex::new(None);

fn record(ctx: &TaskContext, to: &str) {
    let now = CLOCK.lock().unwrap().expect("a runner is running").now();
    RUNS.lock().unwrap().push((
        ctx.task().to_owned(),
        ctx.scheduled_time(),
        to.to_owned(),
        now,
    ));
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Reminder {
    to: String,
}

/// Fails for good (after its one retry) when the recipient is `nobody`.
#[scheduled(deferred, retries = 1)]
async fn remind(ctx: TaskContext, reminder: Reminder) -> anyhow::Result<()> {
    record(&ctx, &reminder.to);
    anyhow::ensure!(reminder.to != "nobody", "no such mailbox: nobody");
    Ok(())
}

#[scheduled(deferred, idempotent)]
async fn invoice(ctx: TaskContext, reminder: Reminder) {
    record(&ctx, &reminder.to);
}

/// Another task defers: at 00:00 (its first run), a reminder two hours later.
#[scheduled("cron(0 0 * * ? *)")]
async fn nightly(ctx: TaskContext) -> anyhow::Result<()> {
    record(&ctx, "-");
    let key = format!("nightly-{}", ctx.scheduled_time());
    defer::defer::<remind>(Reminder {
        to: "night-shift".to_owned(),
    })
    .after(Duration::from_secs(2 * 3600))
    .key(key)
    .send()
    .await?;
    Ok(())
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("defer-local-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A runner of `tasks` whose clock reads `start` now, firing the runs deferred in `dir`, until
/// its clock reads `end`; deferrals made meanwhile go to `dir` on the same clock.
async fn run(
    dir: &std::path::Path,
    tasks: &[&str],
    (start, end): (Timestamp, Timestamp),
    store: Arc<MemoryStore>,
) -> Summary {
    let until = Duration::try_from(end.duration_since(start)).unwrap();
    let clock = Clock::starting_at(start);
    *CLOCK.lock().unwrap() = Some(clock);
    let deferrals =
        defer::use_local(LocalDeferrals::new(dir.join("deferred.json")).with_clock(clock));
    let all = Registry::load().unwrap();
    let chosen = all
        .tasks()
        .iter()
        .copied()
        .filter(|t| tasks.contains(&t.name()));
    let registry = Registry::from_registrations(chosen).unwrap();
    let dispatcher = Dispatcher::new(registry, store, Heartbeat::disabled(), "local");
    Runner::new(
        dispatcher,
        DeadLetterFile::new(dir.join("dead-letters.jsonl")),
    )
    .with_clock(clock)
    .with_deferrals(deferrals)
    .run(tokio::time::sleep(until))
    .await
}

/// The runs so far, in the order they ran (runs at the same instant by task and recipient).
fn runs() -> Vec<(String, String, String, String)> {
    let mut runs = RUNS.lock().unwrap().clone();
    runs.sort_by(|a, b| (a.3, &a.0, &a.2).cmp(&(b.3, &b.0, &b.2)));
    runs.into_iter()
        .map(|(task, scheduled, to, ran)| (task, scheduled.to_string(), to, ran.to_string()))
        .collect()
}

fn row(task: &str, scheduled: &str, to: &str, ran: &str) -> (String, String, String, String) {
    (
        task.to_owned(),
        scheduled.to_owned(),
        to.to_owned(),
        ran.to_owned(),
    )
}

#[tokio::test(start_paused = true)]
async fn deferred_runs_fire_at_their_time_and_survive_a_restart() {
    let dir = scratch();
    let store = Arc::new(MemoryStore::new());
    // Before the runner starts, a minute before midnight (so that the nightly task's first
    // run is at 00:00): the store on the first runner's clock.
    let clock = Clock::starting_at(at(-1));
    *CLOCK.lock().unwrap() = Some(clock);
    defer::use_local(LocalDeferrals::new(dir.join("deferred.json")).with_clock(clock));

    let first = defer::defer::<remind>(Reminder { to: "ann".into() })
        .at(at(60))
        .key("ann")
        .send()
        .await
        .unwrap();
    assert!(first.created);
    assert_eq!(first.at, at(60));
    // The same key again, another time: nothing new, the pending run reported.
    let again = defer::defer::<remind>(Reminder { to: "ann".into() })
        .at(at(90))
        .key("ann")
        .send()
        .await
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.at, at(60));
    // No key: a random one, returned. 31 minutes after 23:59.
    let unkeyed = defer::defer::<remind>(Reminder { to: "bob".into() })
        .after(Duration::from_secs(31 * 60))
        .send()
        .await
        .unwrap();
    assert!(unkeyed.created);
    assert_eq!(unkeyed.at, at(30));
    assert_eq!(unkeyed.key.len(), 32, "{}", unkeyed.key);
    // Two runs of an idempotent task at one instant, under different keys: two occurrences.
    for key in ["inv-1", "inv-2"] {
        defer::defer::<invoice>(Reminder { to: key.into() })
            .at(at(120))
            .key(key)
            .send()
            .await
            .unwrap();
    }
    // Deferred, then cancelled: never runs; a second cancel finds nothing.
    defer::defer::<remind>(Reminder {
        to: "cancelled".into(),
    })
    .at(at(180))
    .key("cancelled")
    .send()
    .await
    .unwrap();
    assert!(defer::cancel::<remind>("cancelled").await.unwrap());
    assert!(!defer::cancel::<remind>("cancelled").await.unwrap());
    // Fails for good: tried at 04:00 and a minute later, then dead-lettered.
    defer::defer::<remind>(Reminder {
        to: "nobody".into(),
    })
    .at(at(240))
    .key("nobody")
    .send()
    .await
    .unwrap();
    // Due while the runner is down (10:00 to 12:00), and after the restart.
    defer::defer::<remind>(Reminder { to: "down".into() })
        .at(at(11 * 60))
        .key("down")
        .send()
        .await
        .unwrap();
    defer::defer::<remind>(Reminder {
        to: "tomorrow".into(),
    })
    .at(at(30 * 60))
    .key("tomorrow")
    .send()
    .await
    .unwrap();
    // In the past: refused, nothing kept.
    let past = defer::defer::<remind>(Reminder { to: "late".into() })
        .at(at(-2))
        .send()
        .await
        .unwrap_err();
    assert!(past.to_string().contains("not in the future"), "{past}");

    // Runs from 23:59 to 10:00.
    let tasks = ["remind", "invoice", "nightly"];
    let summary = run(&dir, &tasks, (at(-1), at(600)), Arc::clone(&store)).await;
    assert_eq!(
        runs(),
        [
            row(
                "nightly",
                "2026-11-27T00:00:00Z",
                "-",
                "2026-11-27T00:00:00Z"
            ),
            row(
                "remind",
                "2026-11-27T00:30:00Z",
                "bob",
                "2026-11-27T00:30:00Z"
            ),
            row(
                "remind",
                "2026-11-27T01:00:00Z",
                "ann",
                "2026-11-27T01:00:00Z"
            ),
            row(
                "invoice",
                "2026-11-27T02:00:00Z",
                "inv-1",
                "2026-11-27T02:00:00Z"
            ),
            row(
                "invoice",
                "2026-11-27T02:00:00Z",
                "inv-2",
                "2026-11-27T02:00:00Z"
            ),
            row(
                "remind",
                "2026-11-27T02:00:00Z",
                "night-shift",
                "2026-11-27T02:00:00Z"
            ),
            row(
                "remind",
                "2026-11-27T04:00:00Z",
                "nobody",
                "2026-11-27T04:00:00Z"
            ),
            row(
                "remind",
                "2026-11-27T04:00:00Z",
                "nobody",
                "2026-11-27T04:01:00Z"
            ),
        ]
    );
    assert_eq!(summary.succeeded, 6, "{summary:?}");
    assert_eq!(summary.dead_lettered, 1, "{summary:?}");
    let letters = DeadLetterFile::new(dir.join("dead-letters.jsonl"))
        .read()
        .unwrap();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].task, "remind");
    assert_eq!(letters[0].event["deferral"], "nobody");
    assert_eq!(letters[0].event["input"]["to"], "nobody");

    // Still pending: the two later runs, which `list` would show.
    let pending = LocalDeferrals::new(dir.join("deferred.json"))
        .pending()
        .unwrap();
    let keys: Vec<&str> = pending.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(keys, ["down", "tomorrow"]);

    // A new runner (a restart) at 12:00, with its own store of deferrals on the same file:
    // the run due at 11:00 fires at once, the other at its time.
    RUNS.lock().unwrap().clear();
    let day_later = (at(12 * 60), at(36 * 60));
    let summary = run(&dir, &["remind", "invoice"], day_later, store).await;
    assert_eq!(
        runs(),
        [
            row(
                "remind",
                "2026-11-27T11:00:00Z",
                "down",
                "2026-11-27T12:00:00Z"
            ),
            row(
                "remind",
                "2026-11-28T06:00:00Z",
                "tomorrow",
                "2026-11-28T06:00:00Z"
            ),
        ]
    );
    assert_eq!(summary.succeeded, 2, "{summary:?}");
    assert!(
        LocalDeferrals::new(dir.join("deferred.json"))
            .pending()
            .unwrap()
            .is_empty()
    );
}

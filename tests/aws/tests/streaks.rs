//! `pause_after` as the dispatcher keeps it, against the local ledger: a task with only
//! `pause_after` is paused at exactly its N-th failed occurrence in a row and skipped after;
//! resumed, it is paused again by its next failure (its streak is still N or more); an
//! operator's pause made while a run was under way is never overwritten by the automatic one;
//! a ledger that cannot be read for the streak changes nothing about a run's outcome and
//! pauses nothing. (The alarm side, `alert_after`, is checked on the shop's module on moto,
//! where it differs from `pause_after`: `examples/shop/tests/monitors.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, OnceLock};

use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::ledger::{
    self, Entry, Ledger, LedgerError, LedgerFuture, LocalLedger, Pause, Query, Record, Recorder,
    StartAnswer,
};
use schedule_runtime::{
    DispatchError, Dispatcher, Heartbeat, Invocation, Outcome, Registry, scheduled,
};
use serde_json::json;

/// Always fails; only `pause_after`, no alarm.
#[scheduled("rate(1 hour)", retries = 0, pause_after = 2)]
async fn fragile() -> Result<(), std::io::Error> {
    Err(std::io::Error::other("supplier down"))
}

/// The ledger an operator pauses through while `paused_mid_run` runs.
static OPERATOR: OnceLock<Arc<LocalLedger>> = OnceLock::new();

/// Fails, after an operator paused it while it ran (as `ops pause` would, through the ledger).
#[scheduled("rate(1 hour)", retries = 0, pause_after = 1)]
async fn paused_mid_run() -> Result<(), std::io::Error> {
    let pause = Pause {
        by: "alice".to_owned(),
        at: Timestamp::now(),
        reason: Some("maintenance window".to_owned()),
    };
    OPERATOR
        .get()
        .unwrap()
        .set_pause("paused-mid-run", Some(&pause))
        .await
        .unwrap();
    Err(std::io::Error::other("database read-only"))
}

fn dispatcher(task: &str, ledger: Arc<dyn Ledger>) -> Dispatcher {
    let all = Registry::load().unwrap();
    let registry =
        Registry::from_registrations(all.tasks().iter().copied().filter(|t| t.name() == task))
            .unwrap();
    Dispatcher::new(
        registry,
        Arc::new(MemoryStore::new()),
        Heartbeat::disabled(),
        "local",
    )
    .with_ledger(Recorder::new(ledger, ledger::DEFAULT_RETENTION))
}

/// The hour `hours_ago` hours before the one the test process first looked at: occurrences
/// within the ledger's retention whatever the date, and one anchor for the whole process, so
/// that an hour turning mid-test cannot move them.
fn hour(hours_ago: i64) -> Timestamp {
    static ANCHOR: OnceLock<i64> = OnceLock::new();
    let now = *ANCHOR.get_or_init(|| Timestamp::now().as_second().div_euclid(3_600) * 3_600);
    Timestamp::from_second(now).unwrap() - SignedDuration::from_hours(hours_ago)
}

async fn deliver(
    dispatcher: &Dispatcher,
    task: &str,
    at: Timestamp,
) -> Result<Outcome, DispatchError> {
    dispatcher
        .dispatch(
            json!({"task": task, "scheduled_time": at.to_string()}),
            Invocation::default(),
        )
        .await
}

#[tokio::test]
async fn pause_after_pauses_at_the_nth_failure_in_a_row_and_again_after_a_resume() {
    let ledger = Arc::new(LocalLedger::in_memory());
    let dispatcher = dispatcher("fragile", ledger.clone());

    let first = deliver(&dispatcher, "fragile", hour(6)).await;
    assert!(
        matches!(first, Err(DispatchError::Failed { .. })),
        "{first:?}"
    );
    assert_eq!(ledger.pause("fragile").await.unwrap(), None, "one failure");

    let second = deliver(&dispatcher, "fragile", hour(5)).await;
    assert!(
        matches!(second, Err(DispatchError::Failed { .. })),
        "{second:?}"
    );
    let pause = ledger
        .pause("fragile")
        .await
        .unwrap()
        .expect("paused at the second");
    assert_eq!(pause.by, "schedule");
    assert_eq!(
        pause.reason.as_deref(),
        Some("2 failed occurrences in a row (pause_after); the last: supplier down")
    );

    let third = deliver(&dispatcher, "fragile", hour(4)).await;
    assert!(matches!(third, Ok(Outcome::Skipped { .. })), "{third:?}");

    // Resumed, it fails again before any success: paused again at once.
    ledger.set_pause("fragile", None).await.unwrap();
    let fourth = deliver(&dispatcher, "fragile", hour(3)).await;
    assert!(
        matches!(fourth, Err(DispatchError::Failed { .. })),
        "{fourth:?}"
    );
    let again = ledger
        .pause("fragile")
        .await
        .unwrap()
        .expect("paused again");
    assert_eq!(again.by, "schedule");
    assert!(
        again
            .reason
            .as_deref()
            .unwrap()
            .starts_with("3 failed occurrences in a row (pause_after)"),
        "{again:?}"
    );
}

#[tokio::test]
async fn an_operators_pause_made_during_a_run_is_kept() {
    let ledger = OPERATOR
        .get_or_init(|| Arc::new(LocalLedger::in_memory()))
        .clone();
    let dispatcher = dispatcher("paused-mid-run", ledger.clone());
    let outcome = deliver(&dispatcher, "paused-mid-run", hour(2)).await;
    assert!(
        matches!(outcome, Err(DispatchError::Failed { .. })),
        "{outcome:?}"
    );
    let pause = ledger.pause("paused-mid-run").await.unwrap().unwrap();
    assert_eq!(
        (pause.by.as_str(), pause.reason.as_deref()),
        ("alice", Some("maintenance window")),
        "the automatic pause (pause_after = 1) must not replace it"
    );
}

/// The local ledger, except that a task's records cannot be read: the streak's read fails.
struct Unreadable(LocalLedger);

impl Ledger for Unreadable {
    fn write<'a>(&'a self, entry: &'a Entry) -> LedgerFuture<'a, ()> {
        self.0.write(entry)
    }
    fn history<'a>(&'a self, _: &'a str, _: Query) -> LedgerFuture<'a, Vec<Record>> {
        Box::pin(async { Err(LedgerError::new("the table is unreachable", None)) })
    }
    fn checked_until<'a>(&'a self, task: &'a str) -> LedgerFuture<'a, Option<Timestamp>> {
        self.0.checked_until(task)
    }
    fn first_by_schedule<'a>(
        &'a self,
        task: &'a str,
        since: Timestamp,
    ) -> LedgerFuture<'a, Option<Timestamp>> {
        self.0.first_by_schedule(task, since)
    }
    fn set_checked_until<'a>(
        &'a self,
        task: &'a str,
        until: Timestamp,
        expires_at: Timestamp,
    ) -> LedgerFuture<'a, ()> {
        self.0.set_checked_until(task, until, expires_at)
    }
    fn start_run<'a>(
        &'a self,
        start: &'a Entry,
        hold: Option<Timestamp>,
    ) -> LedgerFuture<'a, StartAnswer> {
        self.0.start_run(start, hold)
    }
    fn release<'a>(&'a self, task: &'a str, holder: Timestamp) -> LedgerFuture<'a, ()> {
        self.0.release(task, holder)
    }
    fn pause<'a>(&'a self, task: &'a str) -> LedgerFuture<'a, Option<Pause>> {
        self.0.pause(task)
    }
    fn set_pause<'a>(&'a self, task: &'a str, pause: Option<&'a Pause>) -> LedgerFuture<'a, ()> {
        self.0.set_pause(task, pause)
    }
}

#[tokio::test]
async fn a_streak_that_cannot_be_read_changes_no_outcome_and_pauses_nothing() {
    let ledger = Arc::new(Unreadable(LocalLedger::in_memory()));
    let dispatcher = dispatcher("fragile", ledger.clone());
    for hours_ago in [6, 5, 4] {
        let outcome = deliver(&dispatcher, "fragile", hour(hours_ago)).await;
        assert!(
            matches!(outcome, Err(DispatchError::Failed { .. })),
            "{hours_ago}: {outcome:?}"
        );
    }
    assert_eq!(ledger.pause("fragile").await.unwrap(), None);
}

//! Deliveries of one occurrence that overlap: a concurrent duplicate of a run that succeeds is
//! itself a success (no error for Lambda to count, alarm on, retry or dead-letter), and an
//! occurrence whose running delivery died is still run. With the embedded store; the DynamoDB
//! store follows the same rules (`dynamodb.rs`, `idempotency::conformance`).

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::idempotency::{
    Claim, ClaimTerms, IdempotencyStore, MemoryStore, OccurrenceKey,
};
use schedule_runtime::{
    DispatchError, Dispatcher, Heartbeat, Invocation, Outcome, Registry, scheduled,
};
use serde_json::{Value, json};

static ONCE_RUNS: AtomicUsize = AtomicUsize::new(0);
static TAKEN_OVER_RUNS: AtomicUsize = AtomicUsize::new(0);

/// No retries: a failure here would go straight to the dead-letter queue.
#[scheduled("rate(1 hour)", idempotent, retries = 0)]
async fn once() -> Result<usize, std::io::Error> {
    let run = ONCE_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::time::sleep(Duration::from_millis(400)).await;
    Ok(run)
}

#[scheduled("rate(1 hour)", idempotent, retries = 0, timeout = "2s")]
async fn taken_over() -> Result<usize, std::io::Error> {
    Ok(TAKEN_OVER_RUNS.fetch_add(1, Ordering::SeqCst) + 1)
}

/// Used only by the test of the claim's terms (the others count their tasks' runs).
#[scheduled("rate(1 hour)", idempotent, retries = 0, timeout = "2s")]
async fn leased() -> Result<(), std::io::Error> {
    Ok(())
}

fn dispatcher(store: Arc<MemoryStore>) -> Dispatcher {
    Dispatcher::new(
        Registry::load().unwrap(),
        store,
        Heartbeat::disabled(),
        "test",
    )
}

fn event(task: &str, scheduled_time: &str) -> Value {
    json!({"task": task, "scheduled_time": scheduled_time, "attempt": "1"})
}

/// Claims `key` as another delivery would, its lease lapsing `lease` from now.
async fn hold(store: &MemoryStore, key: &OccurrenceKey, lease: SignedDuration) {
    let now = Timestamp::now();
    let terms = ClaimTerms {
        now,
        lease_until: now + lease,
        expires_at: now + SignedDuration::from_hours(7 * 24),
    };
    let claim = store.claim(key, terms).await.unwrap();
    assert!(matches!(claim, Claim::Acquired { .. }), "{claim:?}");
}

fn lambda(deadline_in: SignedDuration) -> Invocation {
    Invocation {
        request_id: "delivery".to_owned(),
        deadline: Some(Timestamp::now() + deadline_in),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrent_duplicate_of_a_run_that_succeeds_succeeds_too() {
    let dispatcher = dispatcher(Arc::new(MemoryStore::new()));
    let deliveries: Vec<_> = (0..5)
        .map(|_| {
            let dispatcher = dispatcher.clone();
            tokio::spawn(async move {
                dispatcher
                    .dispatch(
                        event("once", "2026-11-26T06:00:00Z"),
                        lambda(SignedDuration::from_secs(70)),
                    )
                    .await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for delivery in deliveries {
        outcomes.push(delivery.await.unwrap());
    }
    let succeeded = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Outcome::Succeeded { .. })))
        .count();
    let duplicates: Vec<&Value> = outcomes
        .iter()
        .filter_map(|o| match o {
            Ok(Outcome::Duplicate { result, .. }) => Some(result),
            _ => None,
        })
        .collect();
    assert_eq!(succeeded, 1, "{outcomes:?}");
    // Every other delivery answers with the one run's result, and none is an error.
    assert_eq!(duplicates, [&json!(1); 4], "{outcomes:?}");
    assert_eq!(
        ONCE_RUNS.load(Ordering::SeqCst),
        1,
        "the body ran more than once"
    );
}

#[tokio::test]
async fn an_occurrence_whose_running_delivery_died_is_run_by_the_duplicate() {
    let store = Arc::new(MemoryStore::new());
    let key = OccurrenceKey::new("taken-over", "2026-11-26T07:00:00Z".parse().unwrap());
    // A delivery claimed the occurrence and its process died: nothing will complete or release
    // the claim; its lease lapses in 1.5 s.
    hold(&store, &key, SignedDuration::from_millis(1_500)).await;

    let started = Instant::now();
    let outcome = dispatcher(store)
        .dispatch(
            event("taken-over", "2026-11-26T07:00:00Z"),
            lambda(SignedDuration::from_secs(60)),
        )
        .await;
    assert!(
        matches!(&outcome, Ok(Outcome::Succeeded { result, .. }) if *result == json!(1)),
        "{outcome:?}"
    );
    assert_eq!(TAKEN_OVER_RUNS.load(Ordering::SeqCst), 1);
    // It waited for the lease to lapse, not for the whole invocation.
    assert!(
        started.elapsed() >= Duration::from_millis(1_400),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_duplicate_that_cannot_get_an_answer_in_time_leaves_it_to_lambdas_retry() {
    let store = Arc::new(MemoryStore::new());
    let key = OccurrenceKey::new("taken-over", "2026-11-26T08:00:00Z".parse().unwrap());
    hold(&store, &key, SignedDuration::from_mins(10)).await;
    // This invocation ends long before the other run's lease: waiting could not end in an
    // answer, so it is an error Lambda retries, and the occurrence is still claimed for the
    // other run.
    let started = Instant::now();
    let outcome = dispatcher(store.clone())
        .dispatch(
            event("taken-over", "2026-11-26T08:00:00Z"),
            lambda(SignedDuration::from_secs(2)),
        )
        .await;
    assert!(
        matches!(outcome, Err(DispatchError::InProgress { .. })),
        "{outcome:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(matches!(
        store
            .claim(
                &key,
                ClaimTerms {
                    now: Timestamp::now(),
                    lease_until: Timestamp::now(),
                    expires_at: Timestamp::now(),
                },
            )
            .await
            .unwrap(),
        Claim::InProgress { .. }
    ));
}

/// The embedded store, keeping the terms of every claim.
#[derive(Default)]
struct Terms {
    inner: MemoryStore,
    seen: std::sync::Mutex<Vec<ClaimTerms>>,
}

impl IdempotencyStore for Terms {
    fn claim<'a>(
        &'a self,
        key: &'a OccurrenceKey,
        terms: ClaimTerms,
    ) -> schedule_runtime::idempotency::StoreFuture<'a, Claim> {
        self.seen.lock().unwrap().push(terms);
        self.inner.claim(key, terms)
    }
    fn complete<'a>(
        &'a self,
        key: &'a OccurrenceKey,
        token: &'a str,
        result: &'a Value,
        expires_at: Timestamp,
    ) -> schedule_runtime::idempotency::StoreFuture<'a, ()> {
        self.inner.complete(key, token, result, expires_at)
    }
    fn release<'a>(
        &'a self,
        key: &'a OccurrenceKey,
        token: &'a str,
    ) -> schedule_runtime::idempotency::StoreFuture<'a, ()> {
        self.inner.release(key, token)
    }
}

#[tokio::test]
async fn a_claim_excludes_others_until_the_run_must_end_and_half_a_second_more() {
    let store = Arc::new(Terms::default());
    let dispatcher = Dispatcher::new(
        Registry::load().unwrap(),
        store.clone(),
        Heartbeat::disabled(),
        "test",
    );
    // `leased` may run 2 s. With a minute of the invocation left, its timeout ends first:
    // the lease covers it and the half second in which its answer gets out.
    dispatcher
        .dispatch(
            event("leased", "2026-11-30T11:00:00Z"),
            lambda(SignedDuration::from_secs(60)),
        )
        .await
        .unwrap();
    // With one second left, the run is cut to end half a second before the invocation, and
    // the lease ends with the invocation.
    let short = lambda(SignedDuration::from_secs(1));
    dispatcher
        .dispatch(event("leased", "2026-11-30T12:00:00Z"), short.clone())
        .await
        .unwrap();
    let seen = store.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(
        seen[0].lease_until - seen[0].now,
        SignedDuration::from_millis(2_500)
    );
    assert_eq!(Some(seen[1].lease_until), short.deadline);
    // A completion is remembered for the idempotency ttl, seven days by default.
    assert_eq!(
        seen[0].expires_at - seen[0].now,
        SignedDuration::from_hours(7 * 24)
    );
}

static LATE_RUNS: AtomicUsize = AtomicUsize::new(0);

/// May run 2 s; used only by the test of a take-over too late to run in full.
#[scheduled("rate(1 hour)", idempotent, retries = 2, timeout = "2s")]
async fn taken_over_late() -> Result<(), std::io::Error> {
    LATE_RUNS.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

#[tokio::test]
async fn a_take_over_too_late_to_run_in_full_is_given_back_for_lambdas_retry() {
    let store = Arc::new(MemoryStore::new());
    let key = OccurrenceKey::new("taken-over-late", "2026-11-26T09:00:00Z".parse().unwrap());
    // The delivery that claimed it died; its lease lapses in 300 ms. This invocation ends in
    // 2.2 s: once the lease lapses, less than the task's 2 s (and the half second its answer
    // needs) is left, so running it here could only be cut short.
    hold(&store, &key, SignedDuration::from_millis(300)).await;
    let outcome = dispatcher(store.clone())
        .dispatch(
            event("taken-over-late", "2026-11-26T09:00:00Z"),
            lambda(SignedDuration::from_millis(2_200)),
        )
        .await;
    assert!(
        matches!(outcome, Err(DispatchError::InProgress { .. })),
        "{outcome:?}"
    );
    assert_eq!(LATE_RUNS.load(Ordering::SeqCst), 0, "the task did not run");
    // Given back: Lambda's retry (here, the next delivery with time enough) runs it.
    let retried = dispatcher(store)
        .dispatch(
            event("taken-over-late", "2026-11-26T09:00:00Z"),
            lambda(SignedDuration::from_secs(60)),
        )
        .await;
    assert!(
        matches!(retried, Ok(Outcome::Succeeded { .. })),
        "{retried:?}"
    );
    assert_eq!(LATE_RUNS.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_waiting_duplicate_answers_before_its_invocation_ends() {
    let store = Arc::new(Terms::default());
    let key = OccurrenceKey::new("taken-over-late", "2026-11-26T10:00:00Z".parse().unwrap());
    hold(&store.inner, &key, SignedDuration::from_mins(10)).await;
    // It polls 100 ms, 200, 400, 800, then every second, as long as the next answer could
    // still be given half a second before the invocation ends: here after 2.5 s. An answer
    // after the invocation's 3.2 s would be lost, and Lambda would count a timeout.
    let started = Instant::now();
    let outcome = Dispatcher::new(
        Registry::load().unwrap(),
        store.clone(),
        Heartbeat::disabled(),
        "test",
    )
    .dispatch(
        event("taken-over-late", "2026-11-26T10:00:00Z"),
        lambda(SignedDuration::from_millis(3_200)),
    )
    .await;
    assert!(
        matches!(outcome, Err(DispatchError::InProgress { .. })),
        "{outcome:?}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(3_200),
        "answered after the invocation's end: {:?}",
        started.elapsed()
    );
    // Backing off: claims at 0, 0.1, 0.3, 0.7, 1.5 and 2.5 s, not a store request per moment.
    let polls = store.seen.lock().unwrap().len();
    assert!((5..=7).contains(&polls), "{polls} claims in 2.5 s");
}

static FAILS_ONCE_CALLS: AtomicUsize = AtomicUsize::new(0);

/// Fails its first attempt.
#[scheduled("rate(1 hour)", idempotent, retries = 2)]
async fn fails_once() -> Result<(), std::io::Error> {
    if FAILS_ONCE_CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
        return Err(std::io::Error::other("the supplier answered 503"));
    }
    Ok(())
}

#[tokio::test]
async fn a_failed_run_gives_its_claim_back_so_that_the_retry_runs_at_once() {
    let store = Arc::new(MemoryStore::new());
    let dispatcher = dispatcher(store);
    let first = dispatcher
        .dispatch(
            event("fails-once", "2026-11-26T11:00:00Z"),
            lambda(SignedDuration::from_secs(60)),
        )
        .await;
    assert!(
        matches!(first, Err(DispatchError::Failed { .. })),
        "{first:?}"
    );
    // Lambda's retry, with two seconds of its own: the first run's claim (leased for its
    // minute) was given back, so it runs now instead of waiting for an answer.
    let retry = dispatcher
        .dispatch(
            event("fails-once", "2026-11-26T11:00:00Z"),
            lambda(SignedDuration::from_secs(2)),
        )
        .await;
    assert!(matches!(retry, Ok(Outcome::Succeeded { .. })), "{retry:?}");
    assert_eq!(FAILS_ONCE_CALLS.load(Ordering::SeqCst), 2);
}

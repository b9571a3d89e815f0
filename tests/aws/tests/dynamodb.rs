//! The DynamoDB idempotency store against a real DynamoDB-compatible server (moto), alone and
//! behind the dispatcher: claims, completion, duplicates, release, lease takeover, expiry,
//! concurrent deliveries, round trips, and a store that is down or silent.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::idempotency::{
    Claim, ClaimTerms, DynamoDbStore, IdempotencyStore, OccurrenceKey, StoreFuture,
};
use schedule_runtime::{
    DispatchError, Dispatcher, Heartbeat, Invocation, Outcome, Registry, scheduled,
};
use serde_json::{Value, json};
use support::{closed_port, dynamodb_endpoint, fresh_store, silent_server, store_at};

static COUNTED_RUNS: AtomicUsize = AtomicUsize::new(0);
static FLAKY_RUNS: AtomicUsize = AtomicUsize::new(0);
static GUARDED_RUNS: AtomicUsize = AtomicUsize::new(0);

/// Counts its runs and takes a moment, so that concurrent deliveries overlap.
#[scheduled("rate(1 hour)", idempotent)]
async fn counted() -> Result<usize, std::io::Error> {
    let run = COUNTED_RUNS.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(run)
}

/// Fails on its first run and succeeds afterwards.
#[scheduled("rate(1 hour)", idempotent)]
async fn flaky() -> Result<&'static str, std::io::Error> {
    if FLAKY_RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
        return Err(std::io::Error::other("first run fails"));
    }
    Ok("second run")
}

/// Must never run: used where the store is down.
#[scheduled("rate(1 hour)", idempotent)]
async fn guarded() {
    GUARDED_RUNS.fetch_add(1, Ordering::SeqCst);
}

fn minutes(n: i64) -> Timestamp {
    "2026-11-26T05:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(n)
}

fn terms(now: i64) -> ClaimTerms {
    ClaimTerms {
        now: minutes(now),
        lease_until: minutes(now + 5),
        expires_at: minutes(now + 60),
    }
}

async fn acquire(store: &DynamoDbStore, key: &OccurrenceKey, now: i64) -> String {
    match store.claim(key, terms(now)).await.unwrap() {
        Claim::Acquired { token } => token,
        other => panic!("expected to acquire {key}, got {other:?}"),
    }
}

async fn item(store: &DynamoDbStore, key: &OccurrenceKey) -> Option<Value> {
    let found = store
        .client()
        .get_item()
        .table_name(store.table())
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(key.to_string()),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    found.item().map(|item| {
        let mut object = serde_json::Map::new();
        for (name, value) in item {
            let text = value
                .as_s()
                .or_else(|_| value.as_n())
                .cloned()
                .unwrap_or_default();
            object.insert(name.clone(), Value::String(text));
        }
        Value::Object(object)
    })
}

#[tokio::test]
#[ignore = "needs moto: run bash scripts/test.sh"]
async fn follows_the_store_rules() {
    let store = fresh_store(&dynamodb_endpoint()).await;
    schedule_runtime::idempotency::conformance::check(&store, "dynamodb").await;
}

#[tokio::test]
#[ignore = "needs moto: run bash scripts/test.sh"]
async fn records_have_the_documented_schema() {
    let store = fresh_store(&dynamodb_endpoint()).await;
    let key = OccurrenceKey::new("report", minutes(0));
    let token = acquire(&store, &key, 0).await;
    let running = item(&store, &key).await.unwrap();
    assert_eq!(running["pk"], "report#2026-11-26T05:00:00Z");
    assert_eq!(running["status"], "running");
    assert_eq!(running["token"], token.as_str());
    assert_eq!(
        running["lease_until"],
        minutes(5).as_millisecond().to_string()
    );
    assert_eq!(running["expires_at"], minutes(60).as_second().to_string());
    store
        .complete(&key, &token, &json!({"rows": 3}), minutes(90))
        .await
        .unwrap();
    let completed = item(&store, &key).await.unwrap();
    assert_eq!(completed["status"], "completed");
    assert_eq!(completed["result"], r#"{"rows":3}"#);
    assert_eq!(completed["expires_at"], minutes(90).as_second().to_string());
    assert!(
        completed.get("token").is_none() && completed.get("lease_until").is_none(),
        "{completed}"
    );
    // Released records are deleted.
    let other = OccurrenceKey::new("report", minutes(1));
    let token = acquire(&store, &other, 0).await;
    store.release(&other, &token).await.unwrap();
    assert_eq!(item(&store, &other).await, None);
}

#[tokio::test]
#[ignore = "needs moto: run bash scripts/test.sh"]
async fn an_expired_record_still_in_the_table_counts_as_absent() {
    let store = fresh_store(&dynamodb_endpoint()).await;
    let key = OccurrenceKey::new("report", minutes(0));
    let token = acquire(&store, &key, 0).await;
    store
        .complete(&key, &token, &json!(1), minutes(60))
        .await
        .unwrap();
    // At minute 61 the TTL sweep has not removed the item, but the occurrence is free again.
    assert!(item(&store, &key).await.is_some());
    acquire(&store, &key, 61).await;
}

/// Counts store calls: each is one DynamoDB request.
struct Counting {
    inner: DynamoDbStore,
    calls: AtomicUsize,
}

impl IdempotencyStore for Counting {
    fn claim<'a>(&'a self, key: &'a OccurrenceKey, terms: ClaimTerms) -> StoreFuture<'a, Claim> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.claim(key, terms)
    }
    fn complete<'a>(
        &'a self,
        key: &'a OccurrenceKey,
        token: &'a str,
        result: &'a Value,
        expires_at: Timestamp,
    ) -> StoreFuture<'a, ()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.complete(key, token, result, expires_at)
    }
    fn release<'a>(&'a self, key: &'a OccurrenceKey, token: &'a str) -> StoreFuture<'a, ()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.release(key, token)
    }
}

fn event(task: &str, scheduled_time: &str) -> Value {
    json!({"task": task, "scheduled_time": scheduled_time, "attempt": "1"})
}

#[tokio::test]
#[ignore = "needs moto: run bash scripts/test.sh"]
async fn concurrent_deliveries_run_the_body_once() {
    let store = Arc::new(Counting {
        inner: fresh_store(&dynamodb_endpoint()).await,
        calls: AtomicUsize::new(0),
    });
    let dispatcher = Dispatcher::new(
        Registry::load().unwrap(),
        store.clone(),
        Heartbeat::disabled(),
        "test",
    );
    let deliveries = (0..25).map(|i| {
        let dispatcher = dispatcher.clone();
        tokio::spawn(async move {
            let invocation = Invocation {
                request_id: format!("request-{i}"),
                deadline: None,
            };
            dispatcher
                .dispatch(event("counted", "2026-11-26T06:00:00Z"), invocation)
                .await
        })
    });
    let mut succeeded = 0;
    let mut duplicates = 0;
    for delivery in deliveries.collect::<Vec<_>>() {
        match delivery.await.unwrap() {
            Ok(Outcome::Succeeded { result, .. }) => {
                succeeded += 1;
                assert_eq!(result, json!(1));
            }
            // The others wait for the first run's answer and report its result: no error.
            Ok(Outcome::Duplicate { result, .. }) => {
                duplicates += 1;
                assert_eq!(result, json!(1));
            }
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((succeeded, duplicates), (1, 24));
    assert_eq!(
        COUNTED_RUNS.load(Ordering::SeqCst),
        1,
        "the body ran more than once"
    );
    // 25 first claims, one completion, and the waiting deliveries' polls (100 ms, then 200 ms,
    // ... while the 300 ms run lasts): a few each, never a busy loop.
    let calls = store.calls.load(Ordering::SeqCst);
    assert!(
        (26 + 24..=26 + 24 * 4).contains(&calls),
        "{calls} store calls"
    );

    // A later delivery of the same occurrence is a duplicate: one round trip, the body not run.
    let duplicate = dispatcher
        .dispatch(
            event("counted", "2026-11-26T06:00:00Z"),
            Invocation::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&duplicate).unwrap(),
        json!({"status": "duplicate", "task": "counted", "scheduled_time": "2026-11-26T06:00:00Z", "result": 1})
    );
    assert_eq!(store.calls.load(Ordering::SeqCst), calls + 1);
    assert_eq!(COUNTED_RUNS.load(Ordering::SeqCst), 1);
}

#[tokio::test]
#[ignore = "needs moto: run bash scripts/test.sh"]
async fn a_failed_run_releases_its_claim_so_the_retry_runs() {
    let store = Arc::new(fresh_store(&dynamodb_endpoint()).await);
    let dispatcher = Dispatcher::new(
        Registry::load().unwrap(),
        store.clone(),
        Heartbeat::disabled(),
        "test",
    );
    let first = dispatcher
        .dispatch(
            event("flaky", "2026-11-26T07:00:00Z"),
            Invocation::default(),
        )
        .await;
    assert!(
        matches!(first, Err(DispatchError::Failed { .. })),
        "{first:?}"
    );
    let key = OccurrenceKey::new("flaky", "2026-11-26T07:00:00Z".parse().unwrap());
    assert_eq!(
        item(&store, &key).await,
        None,
        "the failed run's claim was not released"
    );
    let retry = dispatcher
        .dispatch(
            event("flaky", "2026-11-26T07:00:00Z"),
            Invocation::default(),
        )
        .await;
    assert!(matches!(retry, Ok(Outcome::Succeeded { .. })), "{retry:?}");
    assert_eq!(item(&store, &key).await.unwrap()["status"], "completed");
}

#[tokio::test]
async fn an_unreachable_or_silent_store_fails_closed_and_quickly() {
    let unreachable = store_at(&format!("http://127.0.0.1:{}", closed_port()));
    let silent = store_at(&silent_server().await);
    for store in [unreachable, silent] {
        let dispatcher = Dispatcher::new(
            Registry::load().unwrap(),
            Arc::new(store),
            Heartbeat::disabled(),
            "test",
        );
        let started = Instant::now();
        let outcome = dispatcher
            .dispatch(
                event("guarded", "2026-11-26T08:00:00Z"),
                Invocation::default(),
            )
            .await;
        let error = outcome.unwrap_err();
        assert_eq!(error.error_type(), "IdempotencyStoreUnavailable", "{error}");
        assert!(
            // The store's budget is 3 s (a silent server would otherwise hang the run for
            // good); the rest is slack for a loaded machine.
            started.elapsed() < Duration::from_secs(10),
            "took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(
        GUARDED_RUNS.load(Ordering::SeqCst),
        0,
        "a task ran without its claim"
    );
}

//! The rules every [`IdempotencyStore`] must follow, as runnable checks.
//!
//! The embedded store's unit tests and the DynamoDB store's tests against moto run the same
//! checks, and so can a store of your own: call [`check`] in a test. Each scenario uses its own
//! keys, so one store (one table) serves them all. A violated rule panics with what was expected.
//! Behind the `test-util` feature: add `schedule-runtime = { ..., features = ["test-util"] }` to
//! the `[dev-dependencies]` of the crate that tests its store.

use schedule_core::jiff::{SignedDuration, Timestamp};
use serde_json::json;

use super::{Claim, ClaimTerms, IdempotencyStore, OccurrenceKey};

/// Runs every scenario against `store`; `prefix` keeps its keys apart from other callers'.
pub async fn check(store: &dyn IdempotencyStore, prefix: &str) {
    complete_then_duplicates_see_the_result(store, prefix).await;
    release_frees_the_occurrence_at_once(store, prefix).await;
    a_lapsed_lease_is_taken_over_and_the_old_run_cannot_finish(store, prefix).await;
    an_expired_record_is_absent(store, prefix).await;
    leases_and_records_end_at_their_instant(store, prefix).await;
}

fn minutes(n: i64) -> Timestamp {
    Timestamp::UNIX_EPOCH + SignedDuration::from_mins(29_000_000 + n)
}

fn terms(now: i64) -> ClaimTerms {
    ClaimTerms {
        now: minutes(now),
        lease_until: minutes(now + 5),
        expires_at: minutes(now + 60),
    }
}

async fn claim(store: &dyn IdempotencyStore, key: &OccurrenceKey, now: i64) -> Claim {
    store
        .claim(key, terms(now))
        .await
        .unwrap_or_else(|e| panic!("claiming {key} failed: {e}"))
}

async fn acquire(store: &dyn IdempotencyStore, key: &OccurrenceKey, now: i64) -> String {
    match claim(store, key, now).await {
        Claim::Acquired { token } => token,
        other => panic!("expected to acquire {key} at minute {now}, got {other:?}"),
    }
}

async fn complete_then_duplicates_see_the_result(store: &dyn IdempotencyStore, prefix: &str) {
    let key = OccurrenceKey::new(format!("{prefix}-complete"), minutes(0));
    let token = acquire(store, &key, 0).await;
    assert_eq!(
        claim(store, &key, 1).await,
        Claim::InProgress {
            lease_until: minutes(5)
        },
        "a claimed occurrence must be reported in progress until its lease"
    );
    store
        .complete(&key, &token, &json!({"rows": 3}), minutes(60))
        .await
        .unwrap_or_else(|e| panic!("completing {key} failed: {e}"));
    assert_eq!(
        claim(store, &key, 2).await,
        Claim::Completed {
            result: json!({"rows": 3})
        },
        "a completed occurrence must return its result"
    );
    // Another occurrence of the same task is independent.
    acquire(
        store,
        &OccurrenceKey::new(format!("{prefix}-complete"), minutes(1)),
        2,
    )
    .await;
}

async fn release_frees_the_occurrence_at_once(store: &dyn IdempotencyStore, prefix: &str) {
    let key = OccurrenceKey::new(format!("{prefix}-release"), minutes(0));
    let token = acquire(store, &key, 0).await;
    store
        .release(&key, &token)
        .await
        .unwrap_or_else(|e| panic!("releasing {key} failed: {e}"));
    acquire(store, &key, 1).await;
}

async fn a_lapsed_lease_is_taken_over_and_the_old_run_cannot_finish(
    store: &dyn IdempotencyStore,
    prefix: &str,
) {
    let key = OccurrenceKey::new(format!("{prefix}-takeover"), minutes(0));
    let crashed = acquire(store, &key, 0).await;
    assert!(
        matches!(claim(store, &key, 4).await, Claim::InProgress { .. }),
        "within its lease the occurrence must stay held"
    );
    let retry = acquire(store, &key, 6).await;
    assert!(
        store
            .complete(&key, &crashed, &json!("late"), minutes(60))
            .await
            .is_err(),
        "a run whose claim was taken over must not complete"
    );
    assert!(
        store.release(&key, &crashed).await.is_err(),
        "a run whose claim was taken over must not release the new claim"
    );
    store
        .complete(&key, &retry, &json!("retry"), minutes(66))
        .await
        .unwrap_or_else(|e| panic!("completing {key} after takeover failed: {e}"));
    assert_eq!(
        claim(store, &key, 7).await,
        Claim::Completed {
            result: json!("retry")
        }
    );
}

async fn an_expired_record_is_absent(store: &dyn IdempotencyStore, prefix: &str) {
    let key = OccurrenceKey::new(format!("{prefix}-expiry"), minutes(0));
    let token = acquire(store, &key, 0).await;
    store
        .complete(&key, &token, &json!(1), minutes(60))
        .await
        .unwrap_or_else(|e| panic!("completing {key} failed: {e}"));
    acquire(store, &key, 61).await;
}

/// A lease or a record whose end is exactly `now` has ended: the boundary is the same in every
/// store (DynamoDB's condition reads `lease_until <= :now`, `expires_at <= :now`).
async fn leases_and_records_end_at_their_instant(store: &dyn IdempotencyStore, prefix: &str) {
    // A lease ending at minute 5, claimed again at minute 5.
    let lease = OccurrenceKey::new(format!("{prefix}-lease-end"), minutes(0));
    acquire(store, &lease, 0).await;
    acquire(store, &lease, 5).await;

    // A running record that expires (minute 3) before its lease ends (minute 10).
    let running = OccurrenceKey::new(format!("{prefix}-running-end"), minutes(0));
    let short = ClaimTerms {
        now: minutes(0),
        lease_until: minutes(10),
        expires_at: minutes(3),
    };
    assert!(
        matches!(
            store.claim(&running, short).await,
            Ok(Claim::Acquired { .. })
        ),
        "a fresh occurrence is acquired"
    );
    acquire(store, &running, 3).await;

    // A completion that expires at minute 60, claimed at minute 60.
    let completed = OccurrenceKey::new(format!("{prefix}-completed-end"), minutes(0));
    let token = acquire(store, &completed, 0).await;
    store
        .complete(&completed, &token, &json!(1), minutes(60))
        .await
        .unwrap_or_else(|e| panic!("completing {completed} failed: {e}"));
    acquire(store, &completed, 60).await;
}

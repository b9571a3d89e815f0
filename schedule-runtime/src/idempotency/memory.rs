//! The embedded store for local runs and tests: the same rules as DynamoDB's, in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use schedule_core::jiff::Timestamp;
use serde_json::Value;

use super::{
    Claim, ClaimTerms, IdempotencyStore, OccurrenceKey, StoreError, StoreFuture, new_token, ready,
};

/// Occurrence records in a map behind a mutex. Every operation is one critical section, which
/// makes each as atomic as DynamoDB's conditional writes.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<String, Record>>,
}

#[derive(Debug, Clone)]
enum Record {
    Running {
        token: String,
        lease_until: Timestamp,
        expires_at: Timestamp,
    },
    Completed {
        result: Value,
        expires_at: Timestamp,
    },
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn with_records<T>(
        &self,
        f: impl FnOnce(&mut HashMap<String, Record>) -> T,
    ) -> Result<T, StoreError> {
        let mut records = self
            .records
            .lock()
            .map_err(|_| StoreError::new("the embedded store was poisoned by a panic", None))?;
        Ok(f(&mut records))
    }
}

impl IdempotencyStore for MemoryStore {
    fn claim<'a>(&'a self, key: &'a OccurrenceKey, terms: ClaimTerms) -> StoreFuture<'a, Claim> {
        let result = self.with_records(|records| {
            let live = records.get(&key.to_string()).filter(|record| match record {
                Record::Running {
                    lease_until,
                    expires_at,
                    ..
                } => *expires_at > terms.now && *lease_until > terms.now,
                Record::Completed { expires_at, .. } => *expires_at > terms.now,
            });
            match live {
                Some(Record::Completed { result, .. }) => Claim::Completed {
                    result: result.clone(),
                },
                Some(Record::Running { lease_until, .. }) => Claim::InProgress {
                    lease_until: *lease_until,
                },
                None => {
                    let token = new_token();
                    records.insert(
                        key.to_string(),
                        Record::Running {
                            token: token.clone(),
                            lease_until: terms.lease_until,
                            expires_at: terms.expires_at,
                        },
                    );
                    Claim::Acquired { token }
                }
            }
        });
        ready(result)
    }

    fn complete<'a>(
        &'a self,
        key: &'a OccurrenceKey,
        token: &'a str,
        result: &'a Value,
        expires_at: Timestamp,
    ) -> StoreFuture<'a, ()> {
        let outcome = self.with_records(|records| match records.get(&key.to_string()) {
            Some(Record::Running { token: owner, .. }) if owner == token => {
                records.insert(
                    key.to_string(),
                    Record::Completed {
                        result: result.clone(),
                        expires_at,
                    },
                );
                Ok(())
            }
            _ => Err(lost_claim(key)),
        });
        ready(outcome.and_then(|inner| inner))
    }

    fn release<'a>(&'a self, key: &'a OccurrenceKey, token: &'a str) -> StoreFuture<'a, ()> {
        let outcome = self.with_records(|records| match records.get(&key.to_string()) {
            Some(Record::Running { token: owner, .. }) if owner == token => {
                records.remove(&key.to_string());
                Ok(())
            }
            _ => Err(lost_claim(key)),
        });
        ready(outcome.and_then(|inner| inner))
    }
}

/// The claim was taken over (its lease lapsed) or the record expired before the run finished.
pub(crate) fn lost_claim(key: &OccurrenceKey) -> StoreError {
    StoreError::new(
        format!("the claim on `{key}` was lost: its lease lapsed and another run took it over"),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn follows_the_store_rules() {
        crate::idempotency::conformance::check(&MemoryStore::new(), "memory").await;
    }
}

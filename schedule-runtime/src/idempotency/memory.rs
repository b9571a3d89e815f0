//! The embedded store for local runs and tests: the same rules as DynamoDB's, in memory, and
//! optionally kept in a file so that a restarted local runner remembers what already ran.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use schedule_core::jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    Claim, ClaimTerms, IdempotencyStore, OccurrenceKey, StoreError, StoreFuture, new_token, ready,
};

/// Occurrence records in a map behind a mutex. Every operation is one critical section, which
/// makes each as atomic as DynamoDB's conditional writes. A [persistent](MemoryStore::persistent)
/// store also writes the whole map to its file (a temporary file renamed over it) inside that
/// critical section, before answering.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<HashMap<String, Record>>,
    file: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
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

    /// A store kept in `file`: what it held when last written, or empty when there is no file.
    pub fn persistent(file: impl Into<PathBuf>) -> Result<MemoryStore, StoreError> {
        let file = file.into();
        let records = match std::fs::read(&file) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                StoreError::new(
                    format!("{} is not a store file", file.display()),
                    Some(Box::new(e)),
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => HashMap::new(),
            Err(e) => {
                return Err(StoreError::new(
                    format!("reading {}", file.display()),
                    Some(Box::new(e)),
                ));
            }
        };
        Ok(MemoryStore {
            records: Mutex::new(records),
            file: Some(file),
        })
    }

    /// Applies `f` to the records, and saves them when the store is persistent and `f` says it
    /// changed them.
    fn with_records<T>(
        &self,
        f: impl FnOnce(&mut HashMap<String, Record>) -> (T, bool),
    ) -> Result<T, StoreError> {
        let mut records = self
            .records
            .lock()
            .map_err(|_| StoreError::new("the embedded store was poisoned by a panic", None))?;
        let (answer, changed) = f(&mut records);
        if let (Some(file), true) = (&self.file, changed) {
            save(file, &records).map_err(|e| {
                StoreError::new(format!("writing {}", file.display()), Some(Box::new(e)))
            })?;
        }
        Ok(answer)
    }
}

fn save(file: &Path, records: &HashMap<String, Record>) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(records).map_err(std::io::Error::other)?;
    crate::atomic_file::write(file, &bytes)
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
                Some(Record::Completed { result, .. }) => (
                    Claim::Completed {
                        result: result.clone(),
                    },
                    false,
                ),
                Some(Record::Running { lease_until, .. }) => (
                    Claim::InProgress {
                        lease_until: *lease_until,
                    },
                    false,
                ),
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
                    (Claim::Acquired { token }, true)
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
                (Ok(()), true)
            }
            _ => (Err(lost_claim(key)), false),
        });
        ready(outcome.and_then(|inner| inner))
    }

    fn release<'a>(&'a self, key: &'a OccurrenceKey, token: &'a str) -> StoreFuture<'a, ()> {
        let outcome = self.with_records(|records| match records.get(&key.to_string()) {
            Some(Record::Running { token: owner, .. }) if owner == token => {
                records.remove(&key.to_string());
                (Ok(()), true)
            }
            _ => (Err(lost_claim(key)), false),
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
        let file =
            std::env::temp_dir().join(format!("store-conformance-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&file);
        crate::idempotency::conformance::check(&MemoryStore::persistent(&file).unwrap(), "file")
            .await;
        let _ = std::fs::remove_file(&file);
    }

    #[test]
    fn a_store_file_that_cannot_be_read_is_an_error_not_an_empty_store() {
        // A directory where the file should be: reading fails, and not with NotFound. Taking
        // it for an empty store would forget every completion and run the tasks again.
        let dir = std::env::temp_dir().join(format!("store-unreadable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let Err(error) = MemoryStore::persistent(&dir) else {
            panic!("an unreadable file is refused");
        };
        assert!(error.to_string().contains(": reading "), "{error}");
        let _ = std::fs::remove_dir(&dir);
    }

    #[tokio::test]
    async fn a_persistent_store_remembers_completions_after_reopening() {
        let file = std::env::temp_dir().join(format!("store-reopen-{}.json", std::process::id()));
        let _ = std::fs::remove_file(&file);
        let now: Timestamp = "2026-11-27T05:00:00Z".parse().unwrap();
        let terms = ClaimTerms {
            now,
            lease_until: now + schedule_core::jiff::SignedDuration::from_mins(5),
            expires_at: now + schedule_core::jiff::SignedDuration::from_hours(24),
        };
        let key = OccurrenceKey::new("report", now);
        {
            let store = MemoryStore::persistent(&file).unwrap();
            let Claim::Acquired { token } = store.claim(&key, terms).await.unwrap() else {
                panic!("a fresh store grants the claim");
            };
            let result = serde_json::json!({"file": "report.pdf"});
            store
                .complete(&key, &token, &result, terms.expires_at)
                .await
                .unwrap();
        }
        let reopened = MemoryStore::persistent(&file).unwrap();
        assert_eq!(
            reopened.claim(&key, terms).await.unwrap(),
            Claim::Completed {
                result: serde_json::json!({"file": "report.pdf"})
            }
        );
        std::fs::write(&file, "not json").unwrap();
        let error = MemoryStore::persistent(&file).unwrap_err();
        assert!(error.to_string().contains("is not a store file"), "{error}");
        let _ = std::fs::remove_file(&file);
    }
}

//! At most one successful run per scheduled occurrence, however many deliveries arrive.
//!
//! A run of an `idempotent` task first *claims* its occurrence (task name + scheduled time,
//! never a wall-clock window). The claim succeeds when no live record exists, or the record has
//! expired, or it is a run whose lease has lapsed (its process died). Otherwise the claim
//! returns what is there: a completed run's remembered result, or a run in progress. A
//! successful run then *completes* the record with its result; a failed one *releases* it, so a
//! retry can claim it at once. That is two store round trips for a first run and one for a
//! duplicate.
//!
//! Every method takes `now` from the caller, so expiry and lease takeover are testable without
//! waiting, and the store never reads a clock of its own.

#[cfg(any(test, feature = "test-util"))]
pub mod conformance;
#[cfg(feature = "app")]
mod dynamodb;
mod memory;
pub mod table;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use schedule_core::jiff::Timestamp;
use serde_json::Value;

#[cfg(feature = "app")]
pub use dynamodb::{Connection, DynamoDbStore, StaticCredentials};
pub use memory::MemoryStore;

/// Identifies one scheduled occurrence of one task.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OccurrenceKey {
    task: String,
    scheduled_time: Timestamp,
    deferral: Option<String>,
}

impl OccurrenceKey {
    /// The occurrence of `task` due at `scheduled_time`.
    pub fn new(task: impl Into<String>, scheduled_time: Timestamp) -> OccurrenceKey {
        OccurrenceKey {
            task: task.into(),
            scheduled_time,
            deferral: None,
        }
    }

    /// The same occurrence as a run deferred from code under `key` (`Event::deferral`):
    /// runs deferred to one instant under different keys are different occurrences.
    pub fn deferred(self, key: Option<String>) -> OccurrenceKey {
        OccurrenceKey {
            deferral: key,
            ..self
        }
    }

    /// The task's name.
    pub fn task(&self) -> &str {
        &self.task
    }

    /// When the occurrence was due.
    pub fn scheduled_time(&self) -> Timestamp {
        self.scheduled_time
    }
}

/// The record's key as stored: `daily-sales-report#2026-11-26T05:00:00Z`, and for a deferred
/// run its key after a second `#`: `review-request#2026-12-03T09:30:00.25Z#order-42`.
impl fmt::Display for OccurrenceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.task, self.scheduled_time)?;
        match &self.deferral {
            Some(key) => write!(f, "#{key}"),
            None => Ok(()),
        }
    }
}

/// The outcome of claiming an occurrence.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This run owns the occurrence; complete or release it with the token.
    Acquired {
        /// Proves ownership to `complete` and `release`.
        token: String,
    },
    /// A run already succeeded; here is its result.
    Completed {
        /// The remembered result.
        result: Value,
    },
    /// Another run holds the occurrence until `lease_until`.
    InProgress {
        /// When its lease lapses.
        lease_until: Timestamp,
    },
}

/// What to write when claiming.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimTerms {
    /// The caller's clock.
    pub now: Timestamp,
    /// Until when the claim excludes other runs: the run's own deadline.
    pub lease_until: Timestamp,
    /// When the record may be forgotten (the task's idempotency ttl from now).
    pub expires_at: Timestamp,
}

/// The store could not answer; the dispatcher then refuses to run the task (fails closed).
#[derive(Debug, thiserror::Error)]
#[error("idempotency store: {message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl StoreError {
    /// An error with a message and, when there is one, its cause.
    pub fn new(
        message: impl Into<String>,
        source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> StoreError {
        StoreError {
            message: message.into(),
            source,
        }
    }
}

/// A boxed future returned by a store.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where occurrence records live: DynamoDB in AWS, memory locally.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims `key` for this run, or reports who has it.
    fn claim<'a>(&'a self, key: &'a OccurrenceKey, terms: ClaimTerms) -> StoreFuture<'a, Claim>;

    /// Records the claimed run's success and its result, kept until `expires_at`.
    fn complete<'a>(
        &'a self,
        key: &'a OccurrenceKey,
        token: &'a str,
        result: &'a Value,
        expires_at: Timestamp,
    ) -> StoreFuture<'a, ()>;

    /// Gives up a claim after a failed run, so that a retry can claim at once.
    fn release<'a>(&'a self, key: &'a OccurrenceKey, token: &'a str) -> StoreFuture<'a, ()>;
}

/// A store answer that is already known, as a [`StoreFuture`].
pub(crate) fn ready<'a, T: Send + 'a>(answer: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(answer))
}

/// A fresh ownership token.
pub(crate) fn new_token() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The store when idempotent tasks exist but no table is configured: every claim fails, so the
/// tasks fail closed (and retry) instead of silently running without deduplication.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnconfiguredStore;

impl IdempotencyStore for UnconfiguredStore {
    fn claim<'a>(&'a self, _: &'a OccurrenceKey, _: ClaimTerms) -> StoreFuture<'a, Claim> {
        ready(Err(StoreError::new(
            format!(
                "no idempotency table is configured; set {}",
                crate::environment::IDEMPOTENCY_TABLE
            ),
            None,
        )))
    }

    fn complete<'a>(
        &'a self,
        _: &'a OccurrenceKey,
        _: &'a str,
        _: &'a Value,
        _: Timestamp,
    ) -> StoreFuture<'a, ()> {
        ready(Ok(()))
    }

    fn release<'a>(&'a self, _: &'a OccurrenceKey, _: &'a str) -> StoreFuture<'a, ()> {
        ready(Ok(()))
    }
}

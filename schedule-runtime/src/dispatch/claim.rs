//! An idempotent task's claim on an occurrence, waiting out a concurrent delivery's run.

use std::time::Duration;

use schedule_core::jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use tracing::{info, warn};

use super::budget::{DEADLINE_MARGIN, run_budget};
use super::{Dispatcher, Invocation};
use crate::idempotency::{Claim, ClaimTerms, OccurrenceKey, StoreError};

impl Dispatcher {
    /// Claims an occurrence for this delivery.
    ///
    /// A delivery that finds another one running the occurrence waits for that run's answer
    /// rather than failing at once, because a failure is what Lambda counts, alarms on and
    /// finally dead-letters, and a concurrent duplicate of a run that succeeds is no failure.
    /// It polls the store (100 ms, doubling to 1 s) until the other run completes (this one is
    /// then a duplicate), releases its claim after failing, or lets its lease lapse because its
    /// process died (this one then runs the occurrence, if the task's whole timeout still fits
    /// before this invocation's deadline). When no answer can come in time, it gives up with
    /// [`Unclaimed::InProgress`], and Lambda's retry comes back later: an occurrence is never
    /// lost to a delivery that died.
    pub(super) async fn claim(
        &self,
        key: &OccurrenceKey,
        ttl: SignedDuration,
        timeout_seconds: u32,
        invocation: &Invocation,
    ) -> Result<Claimed, Unclaimed> {
        let full_run = SignedDuration::from_secs(timeout_seconds.into());
        let mut pause = Duration::from_millis(100);
        let mut waited = false;
        loop {
            let now = Timestamp::now();
            let deadline = now + run_budget(timeout_seconds, now, invocation.deadline);
            let terms = ClaimTerms {
                now,
                lease_until: deadline + DEADLINE_MARGIN,
                expires_at: now + ttl,
            };
            match self
                .store
                .claim(key, terms)
                .await
                .map_err(Unclaimed::Store)?
            {
                Claim::Completed { result } => return Ok(Claimed::Duplicate { result }),
                Claim::Acquired { token } if waited && deadline.duration_since(now) < full_run => {
                    // Taken over too late to run in full: give it back for Lambda's retry.
                    if let Err(e) = self.store.release(key, &token).await {
                        warn!(error = %e, "the claim was not released; it lapses at its deadline");
                    }
                    return Err(Unclaimed::InProgress {
                        lease_until: terms.lease_until,
                    });
                }
                Claim::Acquired { token } => {
                    if waited {
                        warn!(
                            "the other delivery did not finish (it failed or its process stopped); running the occurrence here"
                        );
                    }
                    return Ok(Claimed::Run {
                        token,
                        expires_at: terms.expires_at,
                        deadline,
                    });
                }
                Claim::InProgress { lease_until } => {
                    let answer_in_time = match invocation.deadline {
                        None => true,
                        Some(limit) => Timestamp::now() + pause < limit - DEADLINE_MARGIN,
                    };
                    if !answer_in_time {
                        return Err(Unclaimed::InProgress { lease_until });
                    }
                    if !waited {
                        info!(%lease_until, "another delivery is running this occurrence; waiting for its answer");
                        waited = true;
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(1));
                }
            }
        }
    }
}

/// A claim this delivery holds, or the answer of the run that held it.
pub(super) enum Claimed {
    /// Run the task; complete or release the claim with `token` afterwards.
    Run {
        token: String,
        expires_at: Timestamp,
        /// When the run must end: the lease was sized for it.
        deadline: Timestamp,
    },
    /// Another delivery ran the occurrence to success.
    Duplicate { result: Value },
}

/// Why this delivery holds no claim.
pub(super) enum Unclaimed {
    /// Another delivery holds it and no answer can come within this invocation.
    InProgress { lease_until: Timestamp },
    /// The store did not answer.
    Store(StoreError),
}

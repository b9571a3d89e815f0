//! [`Recorder`]: the dispatcher's side of the ledger, which never stops a run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use schedule_core::jiff::{SignedDuration, Timestamp};
use tracing::warn;

use super::{Change, Entry, Ledger, LedgerFuture, NoLedger, Occurrence, Start, StartAnswer};

/// The longest a run waits for one ledger write. A slow ledger costs a run at most this, never
/// its outcome.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(1);

/// How long records are kept unless told otherwise.
pub const DEFAULT_RETENTION: SignedDuration = crate::environment::DEFAULT_LEDGER_RETENTION;

/// Writes the changes of runs to a [`Ledger`], each bounded by [`WRITE_TIMEOUT`]; a write that
/// fails or times out is logged and counted, and the run goes on. Cheap to clone.
#[derive(Clone)]
pub struct Recorder {
    ledger: Arc<dyn Ledger>,
    retention: SignedDuration,
    failed_writes: Arc<AtomicU64>,
}

impl Default for Recorder {
    fn default() -> Recorder {
        Recorder::new(Arc::new(NoLedger), DEFAULT_RETENTION)
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("retention", &self.retention)
            .field("failed_writes", &self.failed_writes())
            .finish_non_exhaustive()
    }
}

impl Recorder {
    /// A recorder into `ledger`, keeping records for `retention`.
    pub fn new(ledger: Arc<dyn Ledger>, retention: SignedDuration) -> Recorder {
        Recorder {
            ledger,
            retention,
            failed_writes: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The ledger written to.
    pub fn ledger(&self) -> &Arc<dyn Ledger> {
        &self.ledger
    }

    /// How long records are kept.
    pub fn retention(&self) -> SignedDuration {
        self.retention
    }

    /// Writes that failed or timed out since this recorder was made.
    pub fn failed_writes(&self) -> u64 {
        self.failed_writes.load(Ordering::Relaxed)
    }

    /// Records the start of a run of `task`'s occurrence at `scheduled_time` unless the task is
    /// paused or, with `hold` (the lease's end), another occurrence holds its running marker
    /// ([`Ledger::start_run`]). A ledger that fails or does not answer in time is logged and
    /// counted, and taken to say "run": a task must not stop because its ledger is slow.
    pub async fn start(
        &self,
        occurrence: Occurrence<'_>,
        start: Start,
        hold: Option<Timestamp>,
    ) -> StartAnswer {
        let entry = self.entry(occurrence, Change::Started(start));
        self.bounded(
            self.ledger.start_run(&entry, hold),
            "the ledger was not written (nor read for a pause or an overlap); the run goes on",
        )
        .await
        .unwrap_or(StartAnswer::Started)
    }

    /// Gives up the running marker the occurrence at `holder` holds; a failure is logged and
    /// counted (the marker's lease ends anyway).
    pub async fn release(&self, task: &str, holder: Timestamp) {
        self.bounded(
            self.ledger.release(task, holder),
            "the running marker was not released; its lease ends at the run's deadline",
        )
        .await;
    }

    /// The task's `limit` newest records, or `None` when the ledger did not answer in time
    /// (logged and counted).
    pub async fn recent(&self, task: &str, limit: usize) -> Option<Vec<super::Record>> {
        let query = super::Query {
            since: None,
            until: None,
            limit,
        };
        self.bounded(
            self.ledger.history(task, query),
            "the ledger was not read for the task's failures in a row",
        )
        .await
    }

    /// Whether `task` is paused, or `None` when the ledger did not answer in time.
    pub async fn pause_of(&self, task: &str) -> Option<Option<super::Pause>> {
        self.bounded(
            self.ledger.pause(task),
            "the ledger was not read for the task's pause",
        )
        .await
    }

    /// Pauses `task`; `false` when the write failed (logged and counted).
    pub async fn set_pause(&self, task: &str, pause: &super::Pause) -> bool {
        self.bounded(
            self.ledger.set_pause(task, Some(pause)),
            "the task was not paused: the ledger was not written",
        )
        .await
        .is_some()
    }

    /// `call`'s answer within [`WRITE_TIMEOUT`]; else `None`, with the failure logged (after
    /// `consequence`) and counted.
    async fn bounded<T>(&self, call: LedgerFuture<'_, T>, consequence: &str) -> Option<T> {
        let problem = match tokio::time::timeout(WRITE_TIMEOUT, call).await {
            Ok(Ok(answer)) => return Some(answer),
            Ok(Err(error)) => error.to_string(),
            Err(_) => format!("no answer within {WRITE_TIMEOUT:?}"),
        };
        self.failed_writes.fetch_add(1, Ordering::Relaxed);
        warn!(%problem, "{consequence}");
        None
    }

    fn entry(&self, occurrence: Occurrence<'_>, change: Change) -> Entry {
        Entry {
            task: occurrence.task.to_owned(),
            scheduled_time: occurrence.scheduled_time,
            deferral: occurrence.deferral.map(str::to_owned),
            expires_at: Timestamp::now()
                .checked_add(self.retention)
                .unwrap_or(Timestamp::MAX),
            change,
        }
    }

    /// Applies `change` to `occurrence`'s record; `false` when the write failed (it has been
    /// logged and counted).
    pub async fn record(&self, occurrence: Occurrence<'_>, change: Change) -> bool {
        let entry = self.entry(occurrence, change);
        self.bounded(
            self.ledger.write(&entry),
            "the ledger was not written; the run goes on",
        )
        .await
        .is_some()
    }
}

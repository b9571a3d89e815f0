//! Deferred runs on a developer's machine (`schedule_runtime::defer`, feature `defer`):
//! `deferred.json` in the state directory, which the local runner reads and fires.
//!
//! The file is one JSON array of [`Pending`] runs, replaced atomically on every change, so a
//! crash leaves the old list or the new. A run leaves the file when the runner has delivered it
//! (succeeded, skipped, or dead-lettered after its retries), not before: a runner killed during
//! the run fires it again at its next start, where an `idempotent` task's store recognises a
//! run that completed. Processes sharing a state directory each replace the whole file: two
//! deferring at the same instant can lose one of the two changes (a development setup, not a
//! deployment).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use schedule_core::jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::Clock;

/// The file's name in the state directory.
pub const FILE: &str = "deferred.json";

/// The file could not be read or written; the message names it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FileError(String);

/// One deferred run waiting in the state directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    /// The task's name.
    pub task: String,
    /// The run's key.
    pub key: String,
    /// When it runs.
    pub at: Timestamp,
    /// The task's input.
    pub input: Value,
    /// When it was deferred.
    pub deferred_at: Timestamp,
}

/// The deferred runs kept in one file. See the [module docs](self).
#[derive(Debug)]
pub struct LocalDeferrals {
    path: PathBuf,
    clock: Clock,
    /// One change at a time within the process.
    lock: Mutex<()>,
    changed: tokio::sync::Notify,
}

impl LocalDeferrals {
    /// The runs kept in `path`, on the wall clock.
    pub fn new(path: impl Into<PathBuf>) -> LocalDeferrals {
        LocalDeferrals {
            path: path.into(),
            clock: Clock::start(),
            lock: Mutex::new(()),
            changed: tokio::sync::Notify::new(),
        }
    }

    /// Reads "now" from `clock` (the runner's, on tokio's paused time in tests).
    pub fn with_clock(self, clock: Clock) -> LocalDeferrals {
        LocalDeferrals { clock, ..self }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The time on this store's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The pending runs, soonest first.
    pub fn pending(&self) -> Result<Vec<Pending>, FileError> {
        let mut runs = self.read()?;
        runs.sort_by_key(|run| run.at);
        Ok(runs)
    }

    /// Completes when a run was deferred or cancelled in this process.
    pub(crate) async fn changed(&self) {
        self.changed.notified().await;
    }

    /// Adds `run`, unless a run of its task under its key is pending: then nothing changes
    /// and the pending run's time is returned.
    pub fn insert(&self, run: Pending) -> Result<Option<Timestamp>, FileError> {
        self.change(|runs| {
            if let Some(existing) = runs.iter().find(|p| p.task == run.task && p.key == run.key) {
                return Some(existing.at);
            }
            runs.push(run);
            None
        })
    }

    /// Removes the pending run of `task` under `key`; whether there was one.
    pub fn cancel(&self, task: &str, key: &str) -> Result<bool, FileError> {
        self.change(|runs| {
            let before = runs.len();
            runs.retain(|p| !(p.task == task && p.key == key));
            runs.len() != before
        })
    }

    /// Takes a delivered run out of the file.
    pub(crate) fn remove(&self, task: &str, key: &str) -> Result<(), FileError> {
        self.cancel(task, key).map(|_| ())
    }

    fn change<R>(&self, edit: impl FnOnce(&mut Vec<Pending>) -> R) -> Result<R, FileError> {
        let _one_at_a_time = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut runs = self.read()?;
        let before = runs.clone();
        let result = edit(&mut runs);
        if runs != before {
            let text = serde_json::to_vec_pretty(&runs)
                .map_err(|e| FileError(format!("encoding {}: {e}", self.path.display())))?;
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| FileError(format!("cannot create {}: {e}", dir.display())))?;
            }
            crate::atomic_file::write(&self.path, &text)
                .map_err(|e| FileError(format!("cannot write {}: {e}", self.path.display())))?;
            self.changed.notify_waiters();
        }
        Ok(result)
    }

    /// The file's runs; none when it does not exist. A file that is not such a list is an
    /// error, never overwritten.
    fn read(&self) -> Result<Vec<Pending>, FileError> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                FileError(format!(
                    "{} is not a list of deferred runs ({e}); move it away to start afresh",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(FileError(format!(
                "cannot read {}: {e}",
                self.path.display()
            ))),
        }
    }
}

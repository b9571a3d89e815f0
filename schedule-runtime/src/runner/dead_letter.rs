//! The local dead-letter file: one JSON line per occurrence that did not succeed, with what is
//! needed to run it again (the event) and to understand why (error, attempts, times).
//!
//! Each line is written with one `write` call on a file opened for appending, under a lock, so
//! concurrent failures never interleave and a crash leaves at worst a missing line, never half
//! of one.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use schedule_core::jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One occurrence that exhausted its retries (or was cut short by shutdown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// The task.
    pub task: String,
    /// The event as delivered: run it again with `invoke` or the dead-letter replay.
    pub event: Value,
    /// The last error's message.
    pub error: String,
    /// The last error's kind, as in Lambda's `errorType`.
    pub error_type: String,
    /// How many times the task ran.
    pub attempts: u32,
    /// The occurrence.
    pub scheduled_time: Timestamp,
    /// When it was given up.
    pub failed_at: Timestamp,
}

/// Appends [`DeadLetter`]s to a JSON-lines file. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DeadLetterFile {
    path: PathBuf,
    lock: Arc<Mutex<()>>,
}

impl DeadLetterFile {
    /// Dead letters go to `path` (created on first use).
    pub fn new(path: impl Into<PathBuf>) -> DeadLetterFile {
        DeadLetterFile {
            path: path.into(),
            lock: Arc::default(),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line.
    pub fn append(&self, letter: &DeadLetter) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(letter).map_err(std::io::Error::other)?;
        line.push(b'\n');
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        file.write_all(&line)?;
        file.sync_data()
    }

    /// Replaces the file's contents with `letters` (removes it when there are none), through a
    /// atomic replacement, so that a crash leaves the old file or the new one.
    pub fn rewrite(&self, letters: &[DeadLetter]) -> std::io::Result<()> {
        let _guard = self
            .lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if letters.is_empty() {
            return match std::fs::remove_file(&self.path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let mut text = Vec::new();
        for letter in letters {
            serde_json::to_writer(&mut text, letter).map_err(std::io::Error::other)?;
            text.push(b'\n');
        }
        crate::atomic_file::write(&self.path, &text)
    }

    /// Every dead letter in the file, oldest first; none when there is no file.
    pub fn read(&self) -> std::io::Result<Vec<DeadLetter>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line).map_err(|e| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        format!("{} line {}: {e}", self.path.display(), i + 1),
                    )
                })
            })
            .collect()
    }
}

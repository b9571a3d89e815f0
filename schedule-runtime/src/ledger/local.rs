//! The ledger of a local process: a JSON-lines file in the runner's state directory, one line
//! per change, appended (so the runner, `invoke` and `status` can share it), folded into
//! records when read. [`LocalLedger::compact`] rewrites it as one line per live record.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use schedule_core::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{
    Entry, Ledger, LedgerError, LedgerFuture, Pause, Query, Record, StartAnswer, TaskRead,
};

/// Records in a file (or, for tests, in memory).
#[derive(Debug)]
pub struct LocalLedger {
    path: Option<PathBuf>,
    /// Serialises this process's appends; the lines of memory-only ledgers.
    lines: Mutex<Vec<Line>>,
    /// The file's last fold, reused while the file is unchanged: `status` reads every task, and
    /// folding the whole file once per task made an overview of many tasks slow.
    cache: Mutex<Option<Cached>>,
}

/// A fold of the file and what the file was when it was read.
#[derive(Debug)]
struct Cached {
    /// The file's length and modification time before it was read: appends only grow it, a
    /// compaction replaces it.
    key: (u64, Option<std::time::SystemTime>),
    /// When it was folded: expiry is judged at the fold, so a fold is reused briefly only.
    at: std::time::Instant,
    folded: Arc<Folded>,
}

/// How long a fold of an unchanged file is reused.
const FOLD_REUSED_FOR: std::time::Duration = std::time::Duration::from_secs(1);

/// One line of the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
enum Line {
    /// A change to one occurrence.
    Change(Entry),
    /// A whole record, as compaction writes it.
    Record {
        record: Record,
        expires_at: Timestamp,
    },
    /// The missed-run check's mark for a task.
    Checked {
        task: String,
        until: Timestamp,
        expires_at: Timestamp,
    },
    /// A task paused (with who and why) or resumed (`None`).
    Paused { task: String, pause: Option<Pause> },
    /// The running marker of a task taken by occurrence `holder` until `until`.
    Holding {
        task: String,
        holder: Timestamp,
        until: Timestamp,
    },
    /// The running marker given up by `holder`.
    Released { task: String, holder: Timestamp },
}

impl Line {
    fn expires_at(&self) -> Timestamp {
        match self {
            Line::Change(entry) => entry.expires_at,
            Line::Record { expires_at, .. } | Line::Checked { expires_at, .. } => *expires_at,
            // A pause lasts until it is lifted.
            Line::Paused { .. } | Line::Released { .. } => Timestamp::MAX,
            Line::Holding { until, .. } => *until,
        }
    }
}

/// The lines folded: each occurrence's record, each task's check mark.
#[derive(Debug, Default)]
struct Folded {
    /// Each occurrence's record, by task, time and (for a deferred run) key.
    records: BTreeMap<(String, Timestamp, Option<String>), (Record, Timestamp)>,
    checked: BTreeMap<String, (Timestamp, Timestamp)>,
    paused: BTreeMap<String, Pause>,
    /// Each task's running marker: holder and lease end.
    holding: BTreeMap<String, (Timestamp, Timestamp)>,
}

impl Folded {
    fn of(lines: impl IntoIterator<Item = Line>, now: Timestamp) -> Folded {
        let mut folded = Folded::default();
        for line in lines {
            if line.expires_at() <= now {
                continue;
            }
            match line {
                Line::Change(entry) => {
                    use std::collections::btree_map::Entry as Slot;
                    let key = (
                        entry.task.clone(),
                        entry.scheduled_time,
                        entry.deferral.clone(),
                    );
                    let (slot, fresh) = match folded.records.entry(key) {
                        Slot::Occupied(slot) => (slot.into_mut(), false),
                        Slot::Vacant(slot) => (
                            slot.insert((
                                Record::empty_of(
                                    &entry.task,
                                    entry.scheduled_time,
                                    entry.deferral.clone(),
                                ),
                                entry.expires_at,
                            )),
                            true,
                        ),
                    };
                    slot.0.apply(&entry.change, fresh);
                    slot.1 = entry.expires_at;
                }
                Line::Record { record, expires_at } => {
                    let key = (
                        record.task.clone(),
                        record.scheduled_time,
                        record.deferral.clone(),
                    );
                    folded.records.insert(key, (record, expires_at));
                }
                Line::Checked {
                    task,
                    until,
                    expires_at,
                } => {
                    folded.checked.insert(task, (until, expires_at));
                }
                Line::Holding {
                    task,
                    holder,
                    until,
                } => {
                    folded.holding.insert(task, (holder, until));
                }
                Line::Released { task, holder } => {
                    if folded.holding.get(&task).is_some_and(|(h, _)| *h == holder) {
                        folded.holding.remove(&task);
                    }
                }
                Line::Paused { task, pause } => match pause {
                    Some(pause) => {
                        folded.paused.insert(task, pause);
                    }
                    None => {
                        folded.paused.remove(&task);
                    }
                },
            }
        }
        folded
    }
}

impl LocalLedger {
    /// A ledger in the file at `path` (created on the first write).
    pub fn open(path: impl Into<PathBuf>) -> LocalLedger {
        LocalLedger {
            path: Some(path.into()),
            lines: Mutex::new(Vec::new()),
            cache: Mutex::new(None),
        }
    }

    /// A ledger in memory, gone with the process.
    pub fn in_memory() -> LocalLedger {
        LocalLedger {
            path: None,
            lines: Mutex::new(Vec::new()),
            cache: Mutex::new(None),
        }
    }

    /// The file, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn read_lines(&self) -> Result<Vec<Line>, LedgerError> {
        let Some(path) = &self.path else {
            return Ok(self.lock().clone());
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(LedgerError::new(
                    format!("reading {}", path.display()),
                    Some(Box::new(e)),
                ));
            }
        };
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(number, line)| {
                serde_json::from_str(line).map_err(|e| {
                    LedgerError::new(
                        format!("{} line {}: not a ledger line", path.display(), number + 1),
                        Some(Box::new(e)),
                    )
                })
            })
            .collect()
    }

    fn append(&self, line: Line) -> Result<(), LedgerError> {
        let mut lines = self.lock();
        let Some(path) = &self.path else {
            lines.push(line);
            return Ok(());
        };
        let mut text = serde_json::to_string(&line)
            .map_err(|e| LedgerError::new("encoding a ledger line", Some(Box::new(e))))?;
        text.push('\n');
        // One write of a whole line to a file opened for appending: lines of processes sharing
        // the file do not interleave.
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .map_err(|e| {
                LedgerError::new(
                    format!("appending to {}", path.display()),
                    Some(Box::new(e)),
                )
            })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Line>> {
        self.lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn folded(&self) -> Result<Arc<Folded>, LedgerError> {
        let Some(path) = &self.path else {
            return Ok(Arc::new(Folded::of(self.read_lines()?, Timestamp::now())));
        };
        // Read before the lines: what is folded is at least as new as the key says.
        let key = std::fs::metadata(path)
            .ok()
            .map(|meta| (meta.len(), meta.modified().ok()));
        let mut cache = self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let (Some(cached), Some(key)) = (cache.as_ref(), key)
            && cached.key == key
            && cached.at.elapsed() < FOLD_REUSED_FOR
        {
            return Ok(Arc::clone(&cached.folded));
        }
        let folded = Arc::new(Folded::of(self.read_lines()?, Timestamp::now()));
        *cache = key.map(|key| Cached {
            key,
            at: std::time::Instant::now(),
            folded: Arc::clone(&folded),
        });
        Ok(folded)
    }

    /// Rewrites the file as one line per record and check mark that has not expired.
    pub fn compact(&self) -> Result<(), LedgerError> {
        let folded = self.folded()?;
        let lines = folded
            .records
            .values()
            .map(|(record, expires_at)| Line::Record {
                record: record.clone(),
                expires_at: *expires_at,
            })
            .chain(
                folded
                    .checked
                    .iter()
                    .map(|(task, (until, expires_at))| Line::Checked {
                        task: task.clone(),
                        until: *until,
                        expires_at: *expires_at,
                    }),
            )
            .chain(folded.paused.iter().map(|(task, pause)| Line::Paused {
                task: task.clone(),
                pause: Some(pause.clone()),
            }))
            .chain(
                folded
                    .holding
                    .iter()
                    .map(|(task, (holder, until))| Line::Holding {
                        task: task.clone(),
                        holder: *holder,
                        until: *until,
                    }),
            );
        let mut guard = self.lock();
        let Some(path) = &self.path else {
            *guard = lines.collect();
            return Ok(());
        };
        let mut text = String::new();
        for line in lines {
            let encoded = serde_json::to_string(&line)
                .map_err(|e| LedgerError::new("encoding a ledger line", Some(Box::new(e))))?;
            text.push_str(&encoded);
            text.push('\n');
        }
        crate::atomic_file::write(path, text.as_bytes()).map_err(|e| {
            LedgerError::new(format!("rewriting {}", path.display()), Some(Box::new(e)))
        })
    }
}

impl LocalLedger {
    /// [`Ledger::start_run`]. One process's appends are serialised, so the local runner's
    /// occurrences see each other's markers; another process's line written between this read
    /// and this append is ordered as if it came just after.
    fn start(&self, start: &Entry, hold: Option<Timestamp>) -> Result<StartAnswer, LedgerError> {
        let folded = self.folded()?;
        if let Some(pause) = folded.paused.get(&start.task) {
            return Ok(StartAnswer::Paused(pause.clone()));
        }
        if let Some(until) = hold {
            if let Some((running, lease)) = folded.holding.get(&start.task)
                && *running != start.scheduled_time
                && *lease > Timestamp::now()
            {
                return Ok(StartAnswer::Overlapping {
                    running: *running,
                    until: *lease,
                });
            }
            self.append(Line::Holding {
                task: start.task.clone(),
                holder: start.scheduled_time,
                until,
            })?;
        }
        self.append(Line::Change(start.clone()))?;
        Ok(StartAnswer::Started)
    }
}

impl Ledger for LocalLedger {
    fn write<'a>(&'a self, entry: &'a Entry) -> LedgerFuture<'a, ()> {
        Box::pin(std::future::ready(self.append(Line::Change(entry.clone()))))
    }

    fn history<'a>(&'a self, task: &'a str, query: Query) -> LedgerFuture<'a, Vec<Record>> {
        let read = self.folded().map(|folded| records_of(&folded, task, query));
        Box::pin(std::future::ready(read))
    }

    fn checked_until<'a>(&'a self, task: &'a str) -> LedgerFuture<'a, Option<Timestamp>> {
        let read = self
            .folded()
            .map(|folded| folded.checked.get(task).map(|(until, _)| *until));
        Box::pin(std::future::ready(read))
    }

    fn first_by_schedule<'a>(
        &'a self,
        task: &'a str,
        since: Timestamp,
    ) -> LedgerFuture<'a, Option<Timestamp>> {
        let read = self.folded().map(|folded| {
            folded
                .records
                // `None` sorts first: from the first key of `since` on.
                .range((task.to_owned(), since, None)..)
                .take_while(|((name, _, _), _)| name == task)
                .find(|(_, (record, _))| record.by_schedule)
                .map(|((_, at, _), _)| *at)
        });
        Box::pin(std::future::ready(read))
    }

    fn set_checked_until<'a>(
        &'a self,
        task: &'a str,
        until: Timestamp,
        expires_at: Timestamp,
    ) -> LedgerFuture<'a, ()> {
        Box::pin(std::future::ready(self.append(Line::Checked {
            task: task.to_owned(),
            until,
            expires_at,
        })))
    }

    fn start_run<'a>(
        &'a self,
        start: &'a Entry,
        hold: Option<Timestamp>,
    ) -> LedgerFuture<'a, StartAnswer> {
        Box::pin(std::future::ready(self.start(start, hold)))
    }

    fn release<'a>(&'a self, task: &'a str, holder: Timestamp) -> LedgerFuture<'a, ()> {
        Box::pin(std::future::ready(self.append(Line::Released {
            task: task.to_owned(),
            holder,
        })))
    }

    fn pause<'a>(&'a self, task: &'a str) -> LedgerFuture<'a, Option<Pause>> {
        let read = self.folded().map(|folded| folded.paused.get(task).cloned());
        Box::pin(std::future::ready(read))
    }

    fn set_pause<'a>(&'a self, task: &'a str, pause: Option<&'a Pause>) -> LedgerFuture<'a, ()> {
        Box::pin(std::future::ready(self.append(Line::Paused {
            task: task.to_owned(),
            pause: pause.cloned(),
        })))
    }

    fn read_task<'a>(&'a self, task: &'a str, since: Timestamp) -> LedgerFuture<'a, TaskRead> {
        let read = self.folded().map(|folded| TaskRead {
            records: records_of(
                &folded,
                task,
                Query {
                    since: Some(since),
                    until: None,
                    limit: usize::MAX,
                },
            ),
            pause: folded.paused.get(task).cloned(),
            checked_until: folded.checked.get(task).map(|(until, _)| *until),
        });
        Box::pin(std::future::ready(read))
    }
}

/// `task`'s records in `folded` that `query` asks for, newest first: only that task's range of
/// the map is walked.
fn records_of(folded: &Folded, task: &str, query: Query) -> Vec<Record> {
    // `None` sorts first: from the first key of the task (at `since`) on.
    let from = (task.to_owned(), query.since.unwrap_or(Timestamp::MIN), None);
    folded
        .records
        .range(from..)
        .take_while(|((name, _, _), _)| name == task)
        .filter(|((_, at, _), _)| query.until.is_none_or(|until| *at < until))
        .map(|(_, (record, _))| record.clone())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .take(query.limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::LocalLedger;

    #[tokio::test]
    async fn follows_the_ledger_rules() {
        crate::ledger::conformance::check(&LocalLedger::in_memory(), "memory").await;
        let file =
            std::env::temp_dir().join(format!("ledger-conformance-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&file);
        crate::ledger::conformance::check(&LocalLedger::open(&file), "file").await;
        let _ = std::fs::remove_file(&file);
    }
}

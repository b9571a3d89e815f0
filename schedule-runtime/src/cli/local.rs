//! The state directory and what acts on it: the occurrences that `invoke`, `backfill` and
//! `replay` run here, through the same dispatcher as in Lambda. The application's binary
//! prints what these return; the operator's console (`ops console`) shows the same text on
//! its page, so a command and its button cannot drift apart.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::backfill::Plan;
use super::invoke::Occurrence;
use super::ledger as commands;
use crate::dispatch::{Dispatcher, Invocation, Outcome};
use crate::event::{operator_event, resent};
use crate::heartbeat::Heartbeat;
use crate::idempotency::MemoryStore;
use crate::ledger::{DEFAULT_RETENTION, LocalLedger, Pause, Recorder};
use crate::registry::Registry;
use crate::runner::{DeadLetterFile, LocalDeferrals};
use crate::secret;

/// The file of the local ledger in the state directory.
pub const LEDGER_FILE: &str = "ledger.jsonl";

/// The file of the embedded idempotency store in the state directory.
pub const IDEMPOTENCY_FILE: &str = "idempotency.json";

/// The dead-letter file in the state directory.
pub const DEAD_LETTER_FILE: &str = "dead-letters.jsonl";

/// What a command did: its lines for people, and what went wrong if it did not all succeed
/// (the lines are worth showing either way).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// One line per occurrence, then a summary.
    pub text: String,
    /// Why the command did not fully succeed, for its exit status.
    pub problem: Option<String>,
}

/// The state directory of `run`, `backfill` and `replay`: the embedded store persisted, the
/// dead-letter file, the ledger and the deferred runs.
pub struct LocalState {
    /// The directory itself (its `secrets/` folder is read when a task asks).
    pub(crate) dir: PathBuf,
    pub(crate) store: Arc<MemoryStore>,
    pub(crate) dead_letters: DeadLetterFile,
    pub(crate) ledger: Arc<LocalLedger>,
    pub(crate) deferrals: Arc<LocalDeferrals>,
}

impl LocalState {
    /// Opens (creating it when missing) the state directory `dir`.
    pub fn open(dir: &Path) -> Result<LocalState, String> {
        create_state_dir(dir)?;
        let store = MemoryStore::persistent(dir.join(IDEMPOTENCY_FILE)).map_err(|e| {
            format!("{e}; move it away (or pass another --state-dir) to start afresh")
        })?;
        Ok(LocalState {
            dir: dir.to_owned(),
            store: Arc::new(store),
            dead_letters: DeadLetterFile::new(dir.join(DEAD_LETTER_FILE)),
            ledger: Arc::new(LocalLedger::open(dir.join(LEDGER_FILE))),
            deferrals: local_deferrals(dir),
        })
    }

    /// The dead-letter file.
    pub fn dead_letters(&self) -> &DeadLetterFile {
        &self.dead_letters
    }

    /// The deferred runs waiting.
    pub fn deferrals(&self) -> &LocalDeferrals {
        &self.deferrals
    }
}

/// Creates the state directory when it is missing.
pub fn create_state_dir(dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the state directory {}: {e}", dir.display()))
}

/// The state directory's ledger, which `status` and `history` read: an error when nothing has
/// run here yet.
pub fn existing_ledger(state_dir: &Path) -> Result<LocalLedger, String> {
    let path = state_dir.join(LEDGER_FILE);
    if !path.exists() {
        return Err(format!(
            "{} does not exist: nothing has run here yet (`run` or `invoke` a task first; --state-dir chooses another directory; a deployment's ledger is `ops status --env NAME`'s)",
            path.display()
        ));
    }
    Ok(LocalLedger::open(path))
}

/// The state directory's ledger file, whether or not anything ran yet.
pub fn ledger_path(state_dir: &Path) -> PathBuf {
    state_dir.join(LEDGER_FILE)
}

/// The state directory's deferred runs; with the `defer` feature, also where the tasks this
/// process runs defer theirs.
pub(crate) fn local_deferrals(dir: &Path) -> Arc<LocalDeferrals> {
    #[cfg(feature = "defer")]
    {
        crate::defer::use_state_dir(dir)
    }
    #[cfg(not(feature = "defer"))]
    {
        Arc::new(LocalDeferrals::new(dir.join(crate::deferred::FILE)))
    }
}

/// The dispatcher of a local process: an embedded store, heartbeats when configured, secrets
/// from the variables and `state_dir`'s files.
pub(crate) fn local_dispatcher(
    registry: Registry,
    environment: String,
    store: Arc<MemoryStore>,
    ledger: Arc<LocalLedger>,
    state_dir: &Path,
) -> Result<Dispatcher, String> {
    let heartbeat = Heartbeat::from_env(registry.names())
        .with_default_monitor(crate::environment::heartbeat_monitor()?);
    Ok(Dispatcher::new(registry, store, heartbeat, environment)
        .with_ledger(Recorder::new(ledger, DEFAULT_RETENTION))
        .with_secrets(secret::backend().map(|backend| (backend.local)(Some(state_dir)))))
}

/// `invoke`: runs the occurrence here now and returns its outcome as pretty JSON. A hand-run
/// is "run it now": never deduplicated against earlier runs, but recorded in the state
/// directory's ledger.
pub async fn invoke(
    registry: Registry,
    environment: String,
    occurrence: Occurrence,
    state_dir: &Path,
) -> Result<String, String> {
    create_state_dir(state_dir)?;
    let ledger = Arc::new(LocalLedger::open(ledger_path(state_dir)));
    // A task run here defers into the state directory, where `run` fires it.
    let _ = local_deferrals(state_dir);
    let dispatcher = local_dispatcher(
        registry,
        environment,
        Arc::new(MemoryStore::new()),
        ledger,
        state_dir,
    )?;
    let invocation = Invocation {
        request_id: occurrence.execution_id,
        deadline: None,
    };
    match dispatcher.dispatch(occurrence.event, invocation).await {
        Ok(outcome) => Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&outcome).unwrap_or_default()
        )),
        Err(error) => Err(format!("[{}] {error}", error.error_type())),
    }
}

/// `backfill` once its plan is confirmed: runs every occurrence of the plan through the local
/// dispatcher, paced as asked, one line each and a summary.
pub async fn backfill(
    registry: Registry,
    environment: String,
    state: LocalState,
    plan: &Plan,
) -> Result<Report, String> {
    let dispatcher =
        local_dispatcher(registry, environment, state.store, state.ledger, &state.dir)?;
    let task = plan.task.spec().name;
    let input = plan.task.spec().input;
    let ended = plan
        .paced(|time| {
            let dispatcher = dispatcher.clone();
            let event = operator_event(task, input, time);
            async move {
                let (event, execution_id) = event
                    .map_err(|error| format!("the task's input is not valid JSON: {error}"))?;
                let invocation = Invocation {
                    request_id: format!("backfill-{execution_id}"),
                    deadline: None,
                };
                dispatcher
                    .dispatch(event, invocation)
                    .await
                    .map_err(|e| format!("[{}] {e}", e.error_type()))
            }
        })
        .await;
    let mut text = String::new();
    // succeeded, already done, skipped, failed
    let mut counts = [0_usize; 4];
    for (time, outcome) in &ended {
        let (kind, line) = match outcome {
            Ok(Outcome::Succeeded { .. } | Outcome::Checked { .. }) => (0, "succeeded".to_owned()),
            Ok(Outcome::Duplicate { .. }) => {
                (1, "already done (idempotent): not run again".to_owned())
            }
            Ok(Outcome::Skipped { reason, .. }) => (2, format!("skipped: {reason}")),
            Err(message) => (3, format!("failed: {message}")),
        };
        counts[kind] += 1;
        text.push_str(&format!("{} {line}\n", plan.shown(*time)));
    }
    let [succeeded, done, skipped, failed] = counts;
    let summary = format!(
        "{} occurrence(s) of `{task}`: {succeeded} succeeded, {done} already done, {skipped} skipped, {failed} failed",
        ended.len(),
    );
    Ok(if failed == 0 {
        text.push_str(&format!("{summary}\n"));
        Report {
            text,
            problem: None,
        }
    } else {
        Report {
            text,
            problem: Some(format!("{summary}; `history {task}` shows them")),
        }
    })
}

/// `replay`: dispatches every dead letter's event again (as an operator's delivery, without
/// its schedule), keeping in the file those that fail again.
pub async fn replay(
    registry: Registry,
    environment: String,
    state: LocalState,
) -> Result<Report, String> {
    let file = state.dead_letters;
    let letters = file
        .read()
        .map_err(|error| format!("reading {}: {error}", file.path().display()))?;
    if letters.is_empty() {
        return Ok(Report {
            text: format!("{} holds nothing to replay\n", file.path().display()),
            problem: None,
        });
    }
    let dispatcher =
        local_dispatcher(registry, environment, state.store, state.ledger, &state.dir)?;
    let mut text = String::new();
    let mut remaining = Vec::new();
    for letter in letters {
        let invocation = Invocation {
            request_id: format!(
                "replay-{}",
                letter.event["execution_id"].as_str().unwrap_or_default()
            ),
            deadline: None,
        };
        let line = match dispatcher
            .dispatch(resent(letter.event.clone()), invocation)
            .await
        {
            Ok(_) => format!(
                "replayed {} {}: succeeded",
                letter.task, letter.scheduled_time
            ),
            Err(error) => {
                let line = format!(
                    "replayed {} {}: failed again: [{}] {error}",
                    letter.task,
                    letter.scheduled_time,
                    error.error_type()
                );
                remaining.push(letter);
                line
            }
        };
        text.push_str(&format!("{line}\n"));
    }
    file.rewrite(&remaining)
        .map_err(|error| format!("rewriting {}: {error}", file.path().display()))?;
    let problem = (!remaining.is_empty()).then(|| {
        format!(
            "{} occurrence(s) failed again and stay in {}",
            remaining.len(),
            file.path().display()
        )
    });
    Ok(Report { text, problem })
}

/// `pause` (with a pause) and `resume` (`None`) in the state directory's ledger, which is
/// created when nothing ran yet: a task may be paused before its first run.
pub async fn set_pause(
    registry: &Registry,
    state_dir: &Path,
    task: &str,
    pause: Option<&Pause>,
) -> Result<String, String> {
    create_state_dir(state_dir)?;
    let ledger = LocalLedger::open(ledger_path(state_dir));
    commands::set_pause(registry, &ledger, task, pause, "here from its next run").await
}

//! Where the console reads and acts: the local state directory, or a deployment. Every action
//! calls the code of its command (`schedule_runtime::cli::local` here, this crate's commands
//! for a deployment) and returns the text that command prints; the page adds no second
//! implementation.

use std::collections::HashSet;
use std::path::PathBuf;

use schedule_core::jiff::Timestamp;
use schedule_runtime::Registry;
use schedule_runtime::cli::backfill::{self, Plan};
use schedule_runtime::cli::invoke::InvokeRequest;
use schedule_runtime::cli::ledger::pause_by_operator;
use schedule_runtime::cli::local::{self, LocalState};
use schedule_runtime::deferred::Pending;
use schedule_runtime::ledger::{Ledger, LocalLedger};
use schedule_runtime::runner::LocalDeferrals;

use crate::deployment::Deployment;

/// A dead letter as the console lists it.
#[derive(Debug, Clone)]
pub(crate) struct Letter {
    /// The task it was for.
    pub(crate) task: String,
    /// The occurrence, when the event says.
    pub(crate) scheduled_time: Option<Timestamp>,
    /// Why it is a dead letter.
    pub(crate) why: String,
}

/// The console's backend.
pub(crate) enum Source {
    /// The state directory of the application's binary.
    Local {
        state_dir: PathBuf,
        /// The environment this machine acts as (`SCHEDULE_ENVIRONMENT`, else `local`).
        environment: String,
        ledger: LocalLedger,
    },
    /// A deployed environment, with the operator's credentials.
    Deployed(Box<Deployment>),
}

/// How many dead letters the page lists at most.
const MOST_LETTERS: usize = 200;

impl Source {
    /// The local state directory `state_dir`, acting as `environment`.
    pub(crate) fn local(state_dir: PathBuf, environment: String) -> Source {
        let ledger = LocalLedger::open(local::ledger_path(&state_dir));
        Source::Local {
            state_dir,
            environment,
            ledger,
        }
    }

    /// The environment the page shows.
    pub(crate) fn environment(&self) -> &str {
        match self {
            Source::Local { environment, .. } => environment,
            Source::Deployed(deployment) => &deployment.environment,
        }
    }

    /// Where the state is, for the page's heading: the directory or the function.
    pub(crate) fn place(&self) -> String {
        match self {
            Source::Local { state_dir, .. } => format!("state directory {}", state_dir.display()),
            Source::Deployed(deployment) => match deployment.known_caller() {
                Some(caller) => format!("deployment {} as {caller}", deployment.name),
                None => format!("deployment {}", deployment.name),
            },
        }
    }

    /// The ledger the views read.
    pub(crate) fn ledger(&self) -> &dyn Ledger {
        match self {
            Source::Local { ledger, .. } => ledger,
            Source::Deployed(deployment) => &deployment.ledger,
        }
    }

    /// The dead letters waiting: the local file, or the deployed queue (each message is held
    /// for a few seconds while it is read, then made visible again).
    pub(crate) async fn dead_letters(&self) -> Result<Vec<Letter>, String> {
        match self {
            Source::Local { state_dir, .. } => {
                let file = schedule_runtime::runner::DeadLetterFile::new(
                    state_dir.join(local::DEAD_LETTER_FILE),
                );
                let letters = file
                    .read()
                    .map_err(|e| format!("reading {}: {e}", file.path().display()))?;
                Ok(letters
                    .into_iter()
                    .map(|letter| Letter {
                        task: letter.task,
                        scheduled_time: Some(letter.scheduled_time),
                        why: format!(
                            "failed {} time(s): [{}] {}",
                            letter.attempts,
                            letter.error_type,
                            letter.error.lines().next().unwrap_or_default()
                        ),
                    })
                    .collect())
            }
            Source::Deployed(deployment) => peek(deployment).await,
        }
    }

    /// The deferred runs waiting: the local file, or the deployment's schedule group.
    pub(crate) async fn deferred(&self) -> Result<Vec<Pending>, String> {
        match self {
            Source::Local { state_dir, .. } => {
                LocalDeferrals::new(state_dir.join(schedule_runtime::deferred::FILE))
                    .pending()
                    .map_err(|e| e.to_string())
            }
            Source::Deployed(deployment) => Ok(crate::deferred::list(deployment)
                .await?
                .into_iter()
                .map(|scheduled| scheduled.run)
                .collect()),
        }
    }

    /// `pause` with `reason`, or `resume` (`reason: None`, `pausing: false`).
    pub(crate) async fn set_pause(
        &self,
        registry: &Registry,
        task: &str,
        pausing: bool,
        reason: Option<String>,
    ) -> Result<String, String> {
        match self {
            Source::Local { state_dir, .. } => {
                let pause = pausing.then(|| pause_by_operator(reason));
                local::set_pause(registry, state_dir, task, pause.as_ref()).await
            }
            Source::Deployed(deployment) => {
                let pause = match pausing {
                    true => Some(deployment.pause_by_caller(reason).await?),
                    false => None,
                };
                crate::ledger::set_pause(registry, deployment, task, pause.as_ref()).await
            }
        }
    }

    /// `invoke`: the occurrence due now, run here in the background (its record appears in the
    /// ledger as it goes) or sent to the deployment. Returns what the command prints first.
    pub(crate) async fn run_now(
        &self,
        registry: &Registry,
        task: &str,
        at: Timestamp,
    ) -> Result<String, String> {
        let request = InvokeRequest {
            task: task.to_owned(),
            at: Some(at),
            input: None,
        };
        let occurrence = request.occurrence(registry, Timestamp::now())?;
        match self {
            Source::Local {
                state_dir,
                environment,
                ..
            } => {
                let line = format!(
                    "{task}: occurrence {} started here\n",
                    occurrence.at.strftime("%Y-%m-%dT%H:%M:%SZ")
                );
                let (registry, environment, state_dir) = (
                    Registry::load().map_err(|e| e.to_string())?,
                    environment.clone(),
                    state_dir.clone(),
                );
                // The page follows the run in the ledger; the outcome is also logged.
                tokio::spawn(async move {
                    if let Err(problem) =
                        local::invoke(registry, environment, occurrence, &state_dir).await
                    {
                        tracing::warn!("run now: {problem}");
                    }
                });
                Ok(line)
            }
            Source::Deployed(deployment) => {
                let spec = occurrence.task.spec();
                let (_, line) =
                    crate::invoke::send(deployment, spec, occurrence.at, &occurrence.event).await?;
                Ok(line)
            }
        }
    }

    /// `backfill`'s plan for `[from, to)`: the occurrences it would send, paced as the command
    /// line's defaults.
    pub(crate) fn backfill_plan(
        registry: &Registry,
        task: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Plan, String> {
        backfill::plan(registry, task, (from, to), (1, DEFAULT_PER_SECOND))
    }

    /// `backfill --yes`: runs (here) or sends (to the deployment) the plan's occurrences.
    pub(crate) async fn backfill(&self, plan: Plan) -> Result<String, String> {
        match self {
            Source::Local {
                state_dir,
                environment,
                ..
            } => {
                let state = LocalState::open(state_dir)?;
                let registry = Registry::load().map_err(|e| e.to_string())?;
                let report = local::backfill(registry, environment.clone(), state, &plan).await?;
                with_problem(report)
            }
            Source::Deployed(deployment) => {
                let mut out = Vec::new();
                let result =
                    crate::backfill::send(deployment, plan, |_, _| Ok(true), &mut out).await;
                text_of(out, result)
            }
        }
    }

    /// `replay`: every dead letter sent (or, here, run) again.
    pub(crate) async fn replay(&self, registry: &Registry) -> Result<String, String> {
        match self {
            Source::Local {
                state_dir,
                environment,
                ..
            } => {
                let state = LocalState::open(state_dir)?;
                let registry = Registry::load().map_err(|e| e.to_string())?;
                with_problem(local::replay(registry, environment.clone(), state).await?)
            }
            Source::Deployed(deployment) => {
                let mut out = Vec::new();
                let selection = crate::replay::Selection::default();
                let result =
                    crate::replay::replay_on(&selection, registry, deployment, &mut out).await;
                text_of(out, result)
            }
        }
    }

    /// Cancels the deferred run of `task` under `key`: from the local file, or its schedule
    /// from the deployment's group.
    pub(crate) async fn cancel_deferred(&self, task: &str, key: &str) -> Result<String, String> {
        match self {
            Source::Local { state_dir, .. } => {
                let deferrals =
                    LocalDeferrals::new(state_dir.join(schedule_runtime::deferred::FILE));
                match deferrals.cancel(task, key) {
                    Ok(true) => Ok(format!("{task} {key}: cancelled\n")),
                    Ok(false) => Err(format!("{task} {key}: no such deferred run is waiting")),
                    Err(e) => Err(e.to_string()),
                }
            }
            Source::Deployed(deployment) => crate::deferred::cancel(deployment, task, key).await,
        }
    }
}

/// `backfill`'s default pace (`--per-second`).
const DEFAULT_PER_SECOND: f64 = 5.0;

/// A report's text, with its problem appended as the command's `error:` line is.
fn with_problem(report: local::Report) -> Result<String, String> {
    match report.problem {
        None => Ok(report.text),
        Some(problem) => Err(format!("{}error: {problem}", report.text)),
    }
}

/// What a command wrote, and its error line if it failed.
fn text_of(out: Vec<u8>, result: Result<(), String>) -> Result<String, String> {
    let text = String::from_utf8(out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    match result {
        Ok(()) => Ok(text),
        Err(problem) => Err(format!("{text}error: {problem}")),
    }
}

/// Reads the deployed dead-letter queue without taking anything from it: each message is held
/// for a few seconds while it is read, and made visible again at once.
async fn peek(deployment: &Deployment) -> Result<Vec<Letter>, String> {
    let (_, queue) = deployment.dead_letter_queue().await?;
    let mut letters = Vec::new();
    let mut seen = HashSet::new();
    let mut held = Vec::new();
    let result: Result<(), String> = async {
        while seen.len() < MOST_LETTERS {
            let messages = deployment.receive(&queue, 0, PEEK_HOLD_SECONDS).await?;
            if messages.is_empty() {
                break;
            }
            for message in &messages {
                let Some(receipt) = message.receipt_handle() else {
                    continue;
                };
                held.push(receipt.to_owned());
                if !seen.insert(message.message_id().unwrap_or(receipt).to_owned()) {
                    continue;
                }
                letters.push(match crate::dead_letter::of_message(message) {
                    Ok(letter) => Letter {
                        task: letter.decoded.task,
                        scheduled_time: letter.decoded.scheduled_time,
                        why: letter.why.to_string(),
                    },
                    Err(problem) => Letter {
                        task: "(unreadable)".to_owned(),
                        scheduled_time: None,
                        why: problem,
                    },
                });
            }
        }
        Ok(())
    }
    .await;
    deployment.release(&queue, held).await;
    result.map(|()| letters)
}

/// How long the page's read hides a dead letter from other readers.
const PEEK_HOLD_SECONDS: i32 = 10;

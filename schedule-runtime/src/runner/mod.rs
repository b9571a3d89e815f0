//! The local runner: every task enabled in the environment, fired on its schedule in this
//! process, with the semantics of the deployed application.
//!
//! - **When**: the task's zone and AWS's DST rules, its start and end dates (`plan.rs`); with a
//!   flexible window, a random delay within it, as Scheduler spreads the start.
//! - **What**: the event Scheduler would deliver ([`event::scheduler_event`]), through the same
//!   [`Dispatcher`] as in Lambda: idempotency, heartbeat, timeout, panics caught.
//! - **Failures**: retried like Lambda's asynchronous invocations, up to the task's `retries`,
//!   about a minute, then two, apart, and never past its `max_age`; an occurrence that still
//!   fails is appended to the dead-letter file ([`DeadLetterFile`]).
//! - **Shutdown**: when `shutdown` completes, nothing new starts; runs in progress finish (or hit
//!   their timeout); an occurrence waiting for its window or a retry is dead-lettered, so it can
//!   be run again, rather than lost.
//!
//! [`event::scheduler_event`]: crate::event::scheduler_event

mod dead_letter;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use schedule_core::jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::{info, warn};

pub use crate::clock::Clock;
pub use crate::deferred::{LocalDeferrals, Pending};
pub use dead_letter::{DeadLetter, DeadLetterFile};

use crate::dispatch::{Dispatcher, Invocation, Outcome};
use crate::event::{Delivery, deferred_event, scheduler_event};
use crate::ledger::{Change, Occurrence};
use crate::task::Planned;
use crate::task::Registration;
use schedule_core::limits::scheduler;

/// How often the runner runs the missed-run check (and once when it starts, to catch up on
/// the time it was not running).
pub const CHECK_EVERY: Duration = Duration::from_secs(5 * 60);

/// How often the runner re-reads the deferred runs' file for runs another process deferred
/// (runs deferred in this process wake it at once).
pub const DEFERRED_POLL: Duration = Duration::from_secs(5);

/// Lambda's spacing of retries of a failed asynchronous invocation: about a minute before the
/// second attempt, doubling after.
const FIRST_RETRY_DELAY: Duration = Duration::from_secs(60);

/// Picks the delay within a flexible window (given the window's length).
pub type Jitter = Arc<dyn Fn(Duration) -> Duration + Send + Sync>;

/// How the occurrences of one run of the runner ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Occurrences whose task succeeded.
    pub succeeded: u32,
    /// Occurrences an idempotent task had already completed.
    pub duplicates: u32,
    /// Occurrences appended to the dead-letter file.
    pub dead_lettered: u32,
    /// Occurrences not run because their task is paused.
    pub skipped: u32,
}

/// Runs the tasks on their schedules. See the [module docs](self).
pub struct Runner {
    dispatcher: Dispatcher,
    dead_letters: DeadLetterFile,
    deferrals: Option<Arc<LocalDeferrals>>,
    clock: Clock,
    jitter: Jitter,
}

impl Runner {
    /// A runner of `dispatcher`'s tasks enabled in its environment, starting now.
    pub fn new(dispatcher: Dispatcher, dead_letters: DeadLetterFile) -> Runner {
        Runner {
            dispatcher,
            dead_letters,
            deferrals: None,
            clock: Clock::start(),
            jitter: Arc::new(random_delay),
        }
    }

    /// Also fires the runs deferred in `deferrals`, each at its time.
    pub fn with_deferrals(self, deferrals: Arc<LocalDeferrals>) -> Runner {
        Runner {
            deferrals: Some(deferrals),
            ..self
        }
    }

    /// Reads time from `clock` (tests: a clock on tokio's paused time).
    pub fn with_clock(self, clock: Clock) -> Runner {
        Runner { clock, ..self }
    }

    /// Chooses delays within flexible windows with `jitter`.
    pub fn with_jitter(self, jitter: Jitter) -> Runner {
        Runner { jitter, ..self }
    }

    /// Fires every enabled task on its schedule until `shutdown` completes, then waits for the
    /// runs in progress.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Summary {
        let start = self.clock.now();
        let environment = self.dispatcher.environment().to_owned();
        let planned: Vec<Planned> = self
            .dispatcher
            .registry()
            .tasks()
            .iter()
            .filter(|task| task.spec().enabled_in(&environment))
            .filter_map(|task| Planned::new(task, start))
            .collect();
        let mut upcoming: BinaryHeap<Reverse<(Timestamp, usize)>> = planned
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some(Reverse((p.next_after(start)?, i))))
            .collect();
        info!(
            environment = %environment,
            tasks = planned.len(),
            dead_letters = %self.dead_letters.path().display(),
            "runner started"
        );
        if upcoming.is_empty() {
            warn!(
                environment = %environment,
                "no task will fire in this environment: `list` shows each task's environments and next fire time"
            );
        }
        for Reverse((when, index)) in upcoming.clone().into_sorted_vec().into_iter().rev() {
            info!(task = planned[index].task.name(), next = %when, "scheduled");
        }
        if let Some(deferrals) = &self.deferrals {
            for run in self.pending_deferred(deferrals) {
                info!(task = %run.task, key = %run.key, at = %run.at, "deferred run waiting");
            }
        }

        let shared = Arc::new(self);
        let (stop, stopping) = watch::channel(false);
        let mut runs: JoinSet<Ended> = JoinSet::new();
        let mut summary = Summary::default();
        let mut next_check = start;
        // Deferred runs started and not yet delivered (still in the file until then).
        let mut deferred_in_flight: HashSet<(String, String)> = HashSet::new();
        let mut next_deferred = Some(start).filter(|_| shared.deferrals.is_some());
        tokio::pin!(shutdown);
        loop {
            let next = upcoming.peek().map(|Reverse((when, _))| *when);
            tokio::select! {
                () = &mut shutdown => break,
                () = shared.clock.sleep_until(next_check) => {
                    let dispatcher = shared.dispatcher.clone();
                    let now = shared.clock.now();
                    // Its findings are in the log and the ledger; a failed check is retried
                    // at the next one.
                    tokio::spawn(async move { dispatcher.check(now).await });
                    next_check = now + SignedDuration::try_from(CHECK_EVERY).unwrap_or_default();
                }
                Some(ended) = runs.join_next(), if !runs.is_empty() => {
                    if let Ok(Ended::Deferred { task, key, .. }) = &ended {
                        deferred_in_flight.remove(&(task.clone(), key.clone()));
                    }
                    count(&mut summary, &ended);
                }
                () = sleep_until(&shared.clock, next_deferred), if next_deferred.is_some() => {
                    let (due, next) = shared.look_at_deferred(&deferred_in_flight);
                    for run in due {
                        deferred_in_flight.insert((run.task.clone(), run.key.clone()));
                        runs.spawn(Arc::clone(&shared).deferred(run, stopping.clone()));
                    }
                    next_deferred = next;
                }
                // A run deferred or cancelled here: look now, rather than at the next poll.
                () = deferrals_changed(shared.deferrals.as_deref()), if shared.deferrals.is_some() => {
                    next_deferred = Some(shared.clock.now());
                }
                () = sleep_until(&shared.clock, next), if next.is_some() => {
                    let Some(Reverse((when, index))) = upcoming.pop() else { continue };
                    let task = planned[index].task;
                    runs.spawn(Arc::clone(&shared).occurrence(task.name(), when, None, stopping.clone()));
                    if let Some(following) = planned[index].next_after(when) {
                        upcoming.push(Reverse((following, index)));
                    }
                }
                else => {
                    info!("no task will fire again");
                    break;
                }
            }
        }
        info!(in_progress = runs.len(), "runner stopping");
        let _ = stop.send(true);
        while let Some(ended) = runs.join_next().await {
            count(&mut summary, &ended);
        }
        info!(
            succeeded = summary.succeeded,
            duplicates = summary.duplicates,
            dead_lettered = summary.dead_lettered,
            skipped = summary.skipped,
            "runner stopped"
        );
        summary
    }

    /// One look at the deferred runs (one read of their file): those due now and not in
    /// flight, and when to look next (the soonest of the others, at the latest
    /// [`DEFERRED_POLL`] from now; `None` without deferrals).
    fn look_at_deferred(
        &self,
        in_flight: &HashSet<(String, String)>,
    ) -> (Vec<Pending>, Option<Timestamp>) {
        let Some(deferrals) = &self.deferrals else {
            return (Vec::new(), None);
        };
        let now = self.clock.now();
        let (due, later): (Vec<Pending>, Vec<Pending>) = self
            .pending_deferred(deferrals)
            .into_iter()
            .filter(|run| !in_flight.contains(&(run.task.clone(), run.key.clone())))
            .partition(|run| run.at <= now);
        let poll = now + SignedDuration::try_from(DEFERRED_POLL).unwrap_or_default();
        let next = later
            .iter()
            .map(|run| run.at)
            .min()
            .map_or(poll, |at| at.min(poll));
        (due, Some(next))
    }

    fn pending_deferred(&self, deferrals: &LocalDeferrals) -> Vec<Pending> {
        deferrals.pending().unwrap_or_else(|error| {
            // Left as it is for the developer to look at; read again at the next look.
            warn!(%error, "the deferred runs could not be read");
            Vec::new()
        })
    }

    /// A deferred run, as an occurrence of its task due at its time; it leaves the file once
    /// delivered (succeeded, skipped or dead-lettered).
    async fn deferred(self: Arc<Runner>, run: Pending, stopping: watch::Receiver<bool>) -> Ended {
        let ended = match self.dispatcher.registry().get(&run.task) {
            Some(task) => {
                info!(task = task.name(), key = %run.key, at = %run.at, "deferred run due");
                Arc::clone(&self)
                    .occurrence(task.name(), run.at, Some(&run), stopping)
                    .await
            }
            None => self.give_up(
                &run.task,
                serde_json::json!({"task": run.task, "deferral": run.key, "input": run.input}),
                &format!("no task named `{}` in this binary", run.task),
                "UnknownTask",
                0,
                run.at,
            ),
        };
        if let Some(deferrals) = &self.deferrals
            && let Err(error) = deferrals.remove(&run.task, &run.key)
        {
            warn!(task = %run.task, key = %run.key, %error, "the delivered deferred run could not be taken out of its file; it will run again");
        }
        Ended::Deferred {
            task: run.task,
            key: run.key,
            ended: Box::new(ended),
        }
    }

    /// One occurrence of `task`, due at `scheduled` (a deferred run's, with `deferral`): its
    /// window, its attempts, its dead letter.
    async fn occurrence(
        self: Arc<Runner>,
        task: &'static str,
        scheduled: Timestamp,
        deferral: Option<&Pending>,
        mut stopping: watch::Receiver<bool>,
    ) -> Ended {
        let Some(registration) = self.dispatcher.registry().get(task) else {
            return Ended::DeadLettered;
        };
        let spec = registration.spec();
        let environment = self.dispatcher.environment();
        let event = match deferral {
            None => local_event(environment, task, spec.input, scheduled),
            Some(run) => local_deferred_event(environment, run),
        };
        let (event, execution_id) = match event {
            Ok(made) => made,
            Err(e) => {
                return self.give_up(
                    task,
                    serde_json::Value::Null,
                    &e.to_string(),
                    "InvalidTaskInput",
                    0,
                    scheduled,
                );
            }
        };
        if let Some(window) = spec.window_minutes {
            let delay = (self.jitter)(Duration::from_secs(u64::from(window) * 60));
            if wait(delay, &mut stopping).await.is_err() {
                return self.give_up(
                    task,
                    event,
                    "the runner stopped before the run started",
                    "RunnerStopped",
                    0,
                    scheduled,
                );
            }
        }
        let max_age = SignedDuration::from_secs(i64::from(spec.effective_max_age_seconds()));
        let mut delay = FIRST_RETRY_DELAY;
        let mut attempts = 0;
        loop {
            attempts += 1;
            // Lambda retries deliver the same event: the attempt number stays Scheduler's.
            let invocation = Invocation {
                request_id: format!("{execution_id}-{attempts}"),
                deadline: None,
            };
            let error = match self.dispatcher.dispatch(event.clone(), invocation).await {
                Ok(Outcome::Succeeded { .. } | Outcome::Checked { .. }) => return Ended::Succeeded,
                Ok(Outcome::Duplicate { .. }) => return Ended::Duplicate,
                Ok(Outcome::Skipped { .. }) => return Ended::Skipped,
                Err(error) => error,
            };
            let retry_at = self.clock.now() + SignedDuration::try_from(delay).unwrap_or(max_age);
            let too_old = retry_at.duration_since(scheduled) >= max_age;
            if attempts > u32::from(spec.retries) || too_old {
                let message = if too_old && attempts <= u32::from(spec.retries) {
                    format!("{error} (a retry would start past the task's max_age)")
                } else {
                    error.to_string()
                };
                return self.give_up(
                    task,
                    event,
                    &message,
                    error.error_type(),
                    attempts,
                    scheduled,
                );
            }
            warn!(task, %scheduled, attempt = attempts, retry_in_s = delay.as_secs(), "run failed; retrying");
            if wait(delay, &mut stopping).await.is_err() {
                let message = format!("{error} (the runner stopped before the retry)");
                return self.give_up(
                    task,
                    event,
                    &message,
                    error.error_type(),
                    attempts,
                    scheduled,
                );
            }
            delay *= 2;
        }
    }

    fn give_up(
        &self,
        task: &str,
        event: serde_json::Value,
        error: &str,
        error_type: &str,
        attempts: u32,
        scheduled_time: Timestamp,
    ) -> Ended {
        let letter = DeadLetter {
            task: task.to_owned(),
            event,
            error: error.to_owned(),
            error_type: error_type.to_owned(),
            attempts,
            scheduled_time,
            failed_at: self.clock.now(),
        };
        let file = self.dead_letters.path().display();
        let change = Change::DeadLettered {
            error_type: error_type.to_owned(),
            excerpt: crate::ledger::excerpt(error),
        };
        let recorder = self.dispatcher.recorder().clone();
        let task_name = task.to_owned();
        let deferral = letter
            .event
            .get("deferral")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned);
        // Recorded in the background: giving up must not wait on the ledger.
        tokio::spawn(async move {
            let occurrence =
                Occurrence::of(&task_name, scheduled_time).deferred(deferral.as_deref());
            recorder.record(occurrence, change).await
        });
        if let Err(e) = self.dead_letters.append(&letter) {
            warn!(task, %scheduled_time, error = %e, %file, "the dead letter could not be written");
        } else {
            warn!(task, %scheduled_time, attempts, error, %file, "dead-lettered");
        }
        Ended::DeadLettered
    }
}

/// How one occurrence ended.
enum Ended {
    Succeeded,
    Duplicate,
    DeadLettered,
    Skipped,
    /// A deferred run of `task` under `key`, which ended as `ended`.
    Deferred {
        task: String,
        key: String,
        ended: Box<Ended>,
    },
}

fn count(summary: &mut Summary, ended: &Result<Ended, tokio::task::JoinError>) {
    match ended {
        Ok(ended) => count_ended(summary, ended),
        // An occurrence's own task cannot panic (the dispatcher catches the task's panics).
        Err(_) => summary.dead_lettered += 1,
    }
}

fn count_ended(summary: &mut Summary, ended: &Ended) {
    match ended {
        Ended::Succeeded => summary.succeeded += 1,
        Ended::Duplicate => summary.duplicates += 1,
        Ended::Skipped => summary.skipped += 1,
        Ended::DeadLettered => summary.dead_lettered += 1,
        Ended::Deferred { ended, .. } => count_ended(summary, ended),
    }
}

/// Completes when a run was deferred or cancelled in this process.
async fn deferrals_changed(deferrals: Option<&LocalDeferrals>) {
    match deferrals {
        Some(deferrals) => deferrals.changed().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(clock: &Clock, when: Option<Timestamp>) {
    match when {
        Some(when) => clock.sleep_until(when).await,
        None => std::future::pending().await,
    }
}

/// Sleeps `delay`, or fails as soon as the runner starts stopping.
async fn wait(delay: Duration, stopping: &mut watch::Receiver<bool>) -> Result<(), ()> {
    if *stopping.borrow() {
        return Err(());
    }
    tokio::select! {
        () = tokio::time::sleep(delay) => Ok(()),
        _ = stopping.changed() => Err(()),
    }
}

/// The occurrences of `task` due in `[from, to)`, as the runner would fire them: the task's
/// zone and DST rules, its start and end dates, and a `rate()` counted from its start date or
/// else from `from`. At most `limit`. What `backfill` runs.
pub fn due_between(
    task: &'static Registration,
    from: Timestamp,
    to: Timestamp,
    limit: usize,
) -> Vec<Timestamp> {
    let Some(first) = from.checked_sub(SignedDuration::from_nanos(1)).ok() else {
        return Vec::new();
    };
    let Some(plan) = Planned::new(task, first) else {
        return Vec::new();
    };
    // A rate without a start date fires at `from` itself, then every period.
    let plan = plan.anchored(from);
    std::iter::successors(plan.next_after(first), |t| plan.next_after(*t))
        .take_while(|t| *t < to)
        .take(limit)
        .collect()
}

/// A uniformly random delay in `[0, window)`, to the millisecond.
fn random_delay(window: Duration) -> Duration {
    let millis = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
    // A v4 UUID is 122 random bits from the OS: plenty for one delay.
    let random = u64::try_from(uuid::Uuid::new_v4().as_u128() >> 64).unwrap_or(0);
    Duration::from_millis(random % millis)
}

/// The event Scheduler would deliver for the first attempt of `task`'s occurrence due at
/// `scheduled`, from the schedule the deployed module creates (in a `local` region and account),
/// and its execution id. `input` is the task's input JSON.
pub(crate) fn local_event(
    environment: &str,
    task: &str,
    input: Option<&str>,
    scheduled: Timestamp,
) -> Result<(serde_json::Value, String), serde_json::Error> {
    local_delivery(environment, task, scheduled, |delivery| {
        scheduler_event(task, input, delivery)
    })
}

/// The event of the first attempt of the deferred `run`, as its one-time schedule would
/// deliver it, and its execution id.
fn local_deferred_event(
    environment: &str,
    run: &Pending,
) -> Result<(serde_json::Value, String), serde_json::Error> {
    // The schedule's name goes into the event's text as it is: the key keeps only the
    // characters of a schedule name.
    let key: String = run.key.chars().map(scheduler::name_safe).collect();
    let schedule = format!("{}.{key}", run.task);
    local_delivery(environment, &schedule, run.at, |delivery| {
        deferred_event(&run.task, &run.key, &run.input, delivery)
    })
}

/// The first delivery, due at `scheduled`, of the schedule `schedule` of the local deployment
/// `environment`, with a new execution id: the event `event` makes of it, and that id.
fn local_delivery(
    environment: &str,
    schedule: &str,
    scheduled: Timestamp,
    event: impl FnOnce(Delivery<'_>) -> Result<serde_json::Value, serde_json::Error>,
) -> Result<(serde_json::Value, String), serde_json::Error> {
    let execution_id = crate::event::new_execution_id();
    let arn = format!("arn:aws:scheduler:local:000000000000:schedule/{environment}/{schedule}");
    let delivery = Delivery {
        scheduled_time: scheduled,
        execution_id: &execution_id,
        attempt: 1,
        schedule_arn: &arn,
    };
    Ok((event(delivery)?, execution_id))
}

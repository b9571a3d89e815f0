//! The dispatcher: one event in, one outcome out, whatever the transport.
//!
//! The Lambda handler and the command line's `invoke` both call [`Dispatcher::dispatch`]. Around
//! the task's own future it composes, in order: event decoding and routing, the idempotency
//! claim, the heartbeat, and a guarded run (its own tokio task, so a panic is caught, under a
//! timeout that always ends before the Lambda's deadline). Every way an invocation can go wrong
//! is a [`DispatchError`] with a stable `error_type`, which Lambda records and retries on.

use std::sync::Arc;
use std::time::Duration;

use schedule_core::Overlap;
use schedule_core::jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::Value;
use tracing::{Instrument, error, info, info_span, warn};

use crate::causes::with_causes;
use crate::context::TaskContext;
use crate::event::{Event, EventError};
use crate::heartbeat::Heartbeat;
use crate::idempotency::{Claim, ClaimTerms, IdempotencyStore, OccurrenceKey, StoreError};
use crate::ledger::{self, Change, CheckReport, End, Recorder, Start, StartAnswer, Status};
use crate::metrics::Metrics;
use crate::registry::Registry;
use crate::task::{Registration, TaskError};

/// How long before the Lambda's deadline a run is cut off, so that the error response (and the
/// release of the claim) still get out.
const DEADLINE_MARGIN: SignedDuration = SignedDuration::from_millis(500);

/// Routes events to tasks. Cheap to clone; build one per process and reuse it.
#[derive(Clone)]
pub struct Dispatcher {
    registry: Arc<Registry>,
    store: Arc<dyn IdempotencyStore>,
    heartbeat: Heartbeat,
    environment: String,
    recorder: Recorder,
    metrics: Option<Arc<Metrics>>,
}

/// What the transport knows about this invocation.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    /// Lambda's request id (or any id for a local run); logged and used as the heartbeat's run id.
    pub request_id: String,
    /// When the transport gives up on the invocation (Lambda's deadline), if it does.
    pub deadline: Option<Timestamp>,
}

/// A successful invocation: the response body.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// The task ran and succeeded.
    Succeeded {
        /// The task's name.
        task: String,
        /// The occurrence.
        scheduled_time: Timestamp,
        /// The task's result as JSON (`null` for `()`).
        result: Value,
    },
    /// The occurrence had already succeeded; the task did not run again.
    Duplicate {
        /// The task's name.
        task: String,
        /// The occurrence.
        scheduled_time: Timestamp,
        /// The result remembered from the successful run.
        result: Value,
    },
    /// The task is paused, or (`overlap = "skip"`) an earlier occurrence is still running; the
    /// occurrence was recorded as skipped and not run.
    Skipped {
        /// The task's name.
        task: String,
        /// The occurrence.
        scheduled_time: Timestamp,
        /// Why: who paused it, when and why, or which occurrence is running.
        reason: String,
    },
    /// The missed-run check ran (the event was [`CHECK_EVENT`]).
    Checked {
        /// What it found.
        report: CheckReport,
    },
}

/// The event of the generated schedule that runs the missed-run check
/// ([`ledger::check_missed_runs`]) every few minutes: `{"check": "missed_runs"}`.
pub const CHECK_EVENT: &str = r#"{"check":"missed_runs"}"#;

/// Why an invocation did not succeed. Lambda retries every one of these (and finally sends the
/// event to the on-failure destination), so each leaves the occurrence ready to run again.
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The event is not a schedule event.
    #[error(transparent)]
    Event(#[from] EventError),
    /// No task of that name in this binary.
    #[error("no task named `{task}`; the tasks are: {}", known.join(", "))]
    UnknownTask {
        /// The name in the event.
        task: String,
        /// The registered names.
        known: Vec<String>,
    },
    /// The input did not decode.
    #[error("task `{task}`: {source}")]
    Input {
        /// The task.
        task: String,
        /// The decoding error.
        source: TaskError,
    },
    /// The task returned an error.
    #[error("task `{task}` failed: {message}")]
    Failed {
        /// The task.
        task: String,
        /// The task's error.
        message: String,
    },
    /// The task panicked.
    #[error("task `{task}` panicked: {message}")]
    Panicked {
        /// The task.
        task: String,
        /// The panic's message.
        message: String,
    },
    /// The task ran past its timeout (or the Lambda's deadline) and was cancelled.
    #[error("task `{task}` timed out after {after:?} and was cancelled")]
    TimedOut {
        /// The task.
        task: String,
        /// How long it was given.
        after: Duration,
    },
    /// Another delivery of this occurrence is running; retry after its lease.
    #[error(
        "task `{task}`: the occurrence {scheduled_time} is being run by another delivery until {lease_until}; retry later"
    )]
    InProgress {
        /// The task.
        task: String,
        /// The occurrence.
        scheduled_time: Timestamp,
        /// When the other run's lease lapses.
        lease_until: Timestamp,
    },
    /// The missed-run check could not read or write the ledger for some tasks; the next check
    /// looks at them again.
    #[error("the missed-run check failed for: {}", problems.join("; "))]
    Check {
        /// Each task's problem.
        problems: Vec<String>,
    },
    /// The idempotency store did not answer, so the task was not run (fail closed).
    #[error("task `{task}` was not run: {source}")]
    Store {
        /// The task.
        task: String,
        /// The store's error.
        source: StoreError,
    },
    /// The function's environment does not configure a dispatcher (no task registered, a
    /// variable it cannot read), so no task was run. In Lambda every invocation answers this
    /// until the function's configuration is mended.
    #[error("the function cannot serve invocations: {problem}")]
    Configuration {
        /// What is wrong, naming the variable or the registration.
        problem: String,
    },
}

impl DispatchError {
    /// A stable name for the kind of failure: Lambda's `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            DispatchError::Event(_) => "InvalidScheduleEvent",
            DispatchError::UnknownTask { .. } => "UnknownTask",
            DispatchError::Input { .. } => "InvalidTaskInput",
            DispatchError::Failed { .. } => "TaskFailed",
            DispatchError::Panicked { .. } => "TaskPanicked",
            DispatchError::TimedOut { .. } => "TaskTimedOut",
            DispatchError::InProgress { .. } => "OccurrenceInProgress",
            DispatchError::Store { .. } => "IdempotencyStoreUnavailable",
            DispatchError::Check { .. } => "MissedRunCheckFailed",
            DispatchError::Configuration { .. } => "InvalidConfiguration",
        }
    }
}

impl Dispatcher {
    /// A dispatcher over `registry`, recording idempotent runs in `store`.
    pub fn new(
        registry: Registry,
        store: Arc<dyn IdempotencyStore>,
        heartbeat: Heartbeat,
        environment: impl Into<String>,
    ) -> Dispatcher {
        Dispatcher {
            registry: Arc::new(registry),
            store,
            heartbeat,
            environment: environment.into(),
            recorder: Recorder::default(),
            metrics: None,
        }
    }

    /// Records every occurrence in `recorder`'s ledger (by default nothing is recorded).
    pub fn with_ledger(self, recorder: Recorder) -> Dispatcher {
        Dispatcher { recorder, ..self }
    }

    /// Publishes each run's outcome as CloudWatch metrics in `metrics`' log lines.
    #[cfg(feature = "app")]
    pub(crate) fn with_metrics(self, metrics: Metrics) -> Dispatcher {
        Dispatcher {
            metrics: Some(Arc::new(metrics)),
            ..self
        }
    }

    /// Where occurrences are recorded.
    pub fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The tasks this dispatcher routes to.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The deployment environment tasks are told they run in.
    pub fn environment(&self) -> &str {
        &self.environment
    }

    /// Runs the task an event names, at most once per occurrence when it is idempotent.
    pub async fn dispatch(
        &self,
        event: Value,
        invocation: Invocation,
    ) -> Result<Outcome, DispatchError> {
        if is_check(&event) {
            return self.check(Timestamp::now()).await;
        }
        let (task, event) = match self.route(event) {
            Ok(routed) => routed,
            Err(error) => return Err(rejected(error, &invocation)),
        };
        let now = Timestamp::now();
        // A hand-made invocation has no occurrence of its own: it is one, now.
        let scheduled_time = event.scheduled_time.unwrap_or(now);
        let span = info_span!(
            "task",
            task = task.name(),
            scheduled_time = %scheduled_time,
            attempt = event.attempt.unwrap_or(1),
            request_id = %invocation.request_id,
        );
        self.run(task, event, scheduled_time, now, invocation)
            .instrument(span)
            .await
    }

    /// [`Dispatcher::dispatch`] of an invocation's body as it arrived: a body that is not JSON
    /// is an [`EventError`] like any other malformed event.
    pub async fn dispatch_body(
        &self,
        body: &[u8],
        invocation: Invocation,
    ) -> Result<Outcome, DispatchError> {
        match serde_json::from_slice::<Value>(body) {
            Ok(event) => self.dispatch(event, invocation).await,
            Err(error) => Err(rejected(
                EventError::Shape(format!("the body is not JSON ({error})")).into(),
                &invocation,
            )),
        }
    }

    /// Runs the missed-run check over every task enabled in this environment, publishing each
    /// task's count of newly missed occurrences.
    pub async fn check(&self, now: Timestamp) -> Result<Outcome, DispatchError> {
        let report =
            ledger::check_missed_runs(&self.registry, &self.environment, &self.recorder, now).await;
        for task in &report.tasks {
            if !task.scheduled_times.is_empty() {
                warn!(task = %task.task, missed = ?task.scheduled_times, "occurrences missed: nothing arrived for them");
            }
            if let Some(metrics) = &self.metrics {
                metrics.missed(&task.task, task.scheduled_times.len());
            }
        }
        if report.errors.is_empty() {
            info!(missed = report.missed(), "missed-run check done");
            Ok(Outcome::Checked { report })
        } else {
            let error = DispatchError::Check {
                problems: report.errors,
            };
            error!(error = %error, error_type = error.error_type(), "missed-run check failed");
            Err(error)
        }
    }

    /// The task an event names, and the event decoded.
    fn route(&self, event: Value) -> Result<(&'static Registration, Event), DispatchError> {
        let event = Event::from_json(event)?;
        match self.registry.get(&event.task) {
            Some(task) => Ok((task, event)),
            None => Err(DispatchError::UnknownTask {
                task: event.task,
                known: self.registry.names().map(str::to_owned).collect(),
            }),
        }
    }

    async fn run(
        &self,
        task: &'static Registration,
        event: Event,
        scheduled_time: Timestamp,
        now: Timestamp,
        invocation: Invocation,
    ) -> Result<Outcome, DispatchError> {
        let spec = task.spec();
        let name = task.name().to_owned();
        // Claim the occurrence first: a duplicate costs this one round trip and nothing else.
        let (claim, deadline) = match spec.idempotency {
            None => (
                None,
                now + run_budget(spec.timeout_seconds, now, invocation.deadline),
            ),
            Some(idempotency) => {
                let key = OccurrenceKey::new(name.clone(), scheduled_time)
                    .deferred(event.deferral.clone());
                let ttl = SignedDuration::from_secs(idempotency.ttl_seconds.into());
                match self
                    .claim(&key, ttl, spec.timeout_seconds, &invocation)
                    .await
                {
                    Ok(Claimed::Run {
                        token,
                        expires_at,
                        deadline,
                    }) => (Some((key, token, expires_at)), deadline),
                    Ok(Claimed::Duplicate { result }) => {
                        info!("skipped as duplicate");
                        let change = Change::Duplicate {
                            environment: self.environment.clone(),
                            by_schedule: event.by_schedule(),
                        };
                        self.recorder.record(&name, scheduled_time, change).await;
                        self.publish(&name, Status::Duplicate, None);
                        return Ok(Outcome::Duplicate {
                            task: name,
                            scheduled_time,
                            result,
                        });
                    }
                    Err(Unclaimed::InProgress { lease_until }) => {
                        warn!(%lease_until, "skipped: another delivery is running this occurrence");
                        return Err(DispatchError::InProgress {
                            task: name,
                            scheduled_time,
                            lease_until,
                        });
                    }
                    Err(Unclaimed::Store(source)) => {
                        error!(error = %source, "not run: the idempotency store did not answer");
                        let error = DispatchError::Store { task: name, source };
                        let change = Change::Finished(End {
                            at: Timestamp::now(),
                            status: Status::Failed,
                            duration_ms: 0,
                            error_type: Some(error.error_type().to_owned()),
                            excerpt: Some(failure_excerpt(&error, task.name())),
                        });
                        self.recorder
                            .record(task.name(), scheduled_time, change)
                            .await;
                        self.publish(task.name(), Status::Failed, None);
                        return Err(error);
                    }
                }
            }
        };
        let run_id = if invocation.request_id.is_empty() {
            uuid::Uuid::new_v4().to_string()
        } else {
            invocation.request_id.clone()
        };
        let start = Start {
            at: Timestamp::now(),
            attempt: event.attempt,
            execution_id: event.execution_id.clone(),
            request_id: run_id.clone(),
            environment: self.environment.clone(),
            by_schedule: event.by_schedule(),
        };
        // The start is recorded before the run, in the same step as the checks that can stop
        // it: the task is paused, or (`overlap = "skip"`) another occurrence is running. The
        // running marker's lease ends with this run's deadline.
        let hold = (spec.overlap == Overlap::Skip).then_some(deadline + DEADLINE_MARGIN);
        let stopped = match self
            .recorder
            .start(&name, scheduled_time, start, hold)
            .await
        {
            StartAnswer::Started => None,
            StartAnswer::Paused(pause) => Some(pause.to_string()),
            StartAnswer::Overlapping { running, until } => Some(format!(
                "overlap: the occurrence of {running} is still running (its lease ends at {until})"
            )),
        };
        if let Some(reason) = stopped {
            info!(%reason, "skipped");
            if let Some((key, token, _)) = &claim
                && let Err(e) = self.store.release(key, token).await
            {
                warn!(error = %e, "the claim was not released; it lapses at the run's deadline");
            }
            let change = Change::Skipped {
                reason: reason.clone(),
                request_id: run_id,
                by_schedule: event.by_schedule(),
            };
            self.recorder.record(&name, scheduled_time, change).await;
            self.publish(&name, Status::Skipped, None);
            return Ok(Outcome::Skipped {
                task: name,
                scheduled_time,
                reason,
            });
        }
        let context = TaskContext::new(name.clone(), scheduled_time)
            .with_attempt(event.attempt.unwrap_or(1))
            .with_execution_id(event.execution_id.unwrap_or_default())
            .with_deadline(deadline)
            .with_environment(self.environment.clone());

        if spec.heartbeat {
            self.heartbeat.start(&name, &run_id);
        }
        info!("started");
        let started = std::time::Instant::now();
        // The claim took time; the run keeps to the deadline its lease was sized for.
        let timeout =
            Duration::try_from(deadline.duration_since(Timestamp::now())).unwrap_or(Duration::ZERO);
        let result = guarded(task, context, event.input, timeout).await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);

        match result {
            Ok(value) => {
                info!(duration_ms = elapsed_ms, "succeeded");
                if let Some((key, token, expires_at)) = &claim
                    && let Err(e) = self.store.complete(key, token, &value, *expires_at).await
                {
                    // The work is done; reporting failure would make Lambda run it again. The
                    // claim's lease still keeps concurrent duplicates out until it lapses.
                    error!(error = %e, "succeeded, but the completion was not recorded");
                }
                let finished = Change::Finished(End {
                    at: Timestamp::now(),
                    status: Status::Succeeded,
                    duration_ms: elapsed_ms,
                    error_type: None,
                    excerpt: (!value.is_null()).then(|| ledger::excerpt(&value.to_string())),
                });
                let ping = async {
                    if spec.heartbeat {
                        self.heartbeat
                            .success(&name, &run_id, invocation.deadline)
                            .await;
                    }
                };
                tokio::join!(
                    self.recorder.record(&name, scheduled_time, finished),
                    self.release_marker(&name, scheduled_time, hold),
                    ping
                );
                self.publish(&name, Status::Succeeded, Some(elapsed_ms));
                Ok(Outcome::Succeeded {
                    task: name,
                    scheduled_time,
                    result: value,
                })
            }
            Err(failure) => {
                let status = failure.status();
                let failure = failure.into_dispatch_error(name.clone());
                error!(duration_ms = elapsed_ms, error = %failure, error_type = failure.error_type(), "failed");
                if let Some((key, token, _)) = &claim
                    && let Err(e) = self.store.release(key, token).await
                {
                    // The lease lapses at the run's deadline anyway, so a retry is delayed at most
                    // that long.
                    warn!(error = %e, "the claim was not released; it lapses at the run's deadline");
                }
                let finished = Change::Finished(End {
                    at: Timestamp::now(),
                    status,
                    duration_ms: elapsed_ms,
                    error_type: Some(failure.error_type().to_owned()),
                    excerpt: Some(failure_excerpt(&failure, &name)),
                });
                let ping = async {
                    if spec.heartbeat {
                        self.heartbeat
                            .fail(&name, &run_id, &failure.to_string(), invocation.deadline)
                            .await;
                    }
                };
                tokio::join!(
                    self.recorder.record(&name, scheduled_time, finished),
                    self.release_marker(&name, scheduled_time, hold),
                    ping
                );
                self.publish(&name, status, Some(elapsed_ms));
                Err(failure)
            }
        }
    }

    /// Gives up the task's running marker after the run, when it took one.
    async fn release_marker(&self, task: &str, holder: Timestamp, hold: Option<Timestamp>) {
        if hold.is_some() {
            self.recorder.release(task, holder).await;
        }
    }

    /// Publishes one delivery's outcome as metrics, when this dispatcher publishes any.
    fn publish(&self, task: &str, status: Status, duration_ms: Option<u64>) {
        if let Some(metrics) = &self.metrics {
            metrics.run(task, status, duration_ms, self.recorder.failed_writes());
        }
    }
}

/// The ledger's excerpt of a failure: its message without the task's name, which the record
/// already carries (`the supplier answered 503`, not ``task `sync` failed: the supplier …``).
fn failure_excerpt(failure: &DispatchError, task: &str) -> String {
    let text = failure.to_string();
    let named = format!("task `{task}`");
    let message = text.strip_prefix(&named).map_or(text.as_str(), |rest| {
        let rest = rest.trim_start_matches(':').trim_start();
        rest.strip_prefix("failed: ").unwrap_or(rest)
    });
    ledger::excerpt(message)
}

/// Whether `event` is the missed-run check's: `{"check": "missed_runs"}`.
fn is_check(event: &Value) -> bool {
    event.as_object().is_some_and(|object| {
        object.len() == 1 && object.get("check") == Some(&Value::from("missed_runs"))
    })
}

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
    async fn claim(
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
enum Claimed {
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
enum Unclaimed {
    /// Another delivery holds it and no answer can come within this invocation.
    InProgress { lease_until: Timestamp },
    /// The store did not answer.
    Store(StoreError),
}

/// Logs an invocation refused before any task ran (its one log line, with the error's type)
/// and returns the error.
pub(crate) fn rejected(error: DispatchError, invocation: &Invocation) -> DispatchError {
    error!(
        request_id = %invocation.request_id,
        error_type = error.error_type(),
        error = %error,
        "rejected"
    );
    error
}

/// How long a run may take: its timeout, cut short to end before the Lambda's deadline.
fn run_budget(timeout_seconds: u32, now: Timestamp, deadline: Option<Timestamp>) -> Duration {
    let timeout = Duration::from_secs(timeout_seconds.into());
    let Some(deadline) = deadline else {
        return timeout;
    };
    let remaining = deadline.duration_since(now) - DEADLINE_MARGIN;
    let remaining = Duration::try_from(remaining).unwrap_or(Duration::ZERO);
    timeout.min(remaining)
}

/// How a guarded run failed, before it is named after its task.
enum Failure {
    Task(TaskError),
    Panicked(String),
    TimedOut(Duration),
}

impl Failure {
    /// How the ledger records it.
    fn status(&self) -> Status {
        match self {
            Failure::Task(_) => Status::Failed,
            Failure::Panicked(_) => Status::Panicked,
            Failure::TimedOut(_) => Status::TimedOut,
        }
    }

    fn into_dispatch_error(self, task: String) -> DispatchError {
        match self {
            Failure::Task(source @ (TaskError::Input { .. } | TaskError::MissingInput { .. })) => {
                DispatchError::Input { task, source }
            }
            Failure::Task(TaskError::Failed(error)) => DispatchError::Failed {
                task,
                message: with_causes(error.as_ref()),
            },
            Failure::Task(error) => DispatchError::Failed {
                task,
                message: error.to_string(),
            },
            Failure::Panicked(message) => DispatchError::Panicked { task, message },
            Failure::TimedOut(after) => DispatchError::TimedOut { task, after },
        }
    }
}

/// Runs the task as its own tokio task, so that a panic is contained, and cancels it at
/// `timeout`.
async fn guarded(
    task: &'static Registration,
    context: TaskContext,
    input: Option<Value>,
    timeout: Duration,
) -> Result<Value, Failure> {
    // The task's own log lines carry the invocation's span (task, scheduled time, attempt).
    let mut handle = tokio::spawn(task.run(context, input).in_current_span());
    match tokio::time::timeout(timeout, &mut handle).await {
        Ok(Ok(result)) => result.map_err(Failure::Task),
        Ok(Err(join_error)) if join_error.is_panic() => {
            Err(Failure::Panicked(panic_message(join_error.into_panic())))
        }
        Ok(Err(_cancelled)) => Err(Failure::Panicked("the run was cancelled".to_owned())),
        Err(_elapsed) => {
            handle.abort();
            Err(Failure::TimedOut(timeout))
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(message) => (*message).to_owned(),
            Err(_) => "a panic with a non-string payload".to_owned(),
        },
    }
}

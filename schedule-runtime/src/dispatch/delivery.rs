//! One delivery of an occurrence, step by step: claim it (idempotent tasks), record its start
//! against the pause switch and the running marker, run the task, record the outcome and
//! answer. Each step is one function; [`Dispatcher::deliver`] composes them, and a step that
//! ends the delivery early returns its answer.

use std::time::Duration;

use schedule_core::Overlap;
use schedule_core::jiff::{SignedDuration, Timestamp};
use serde_json::Value;
use tracing::{error, info, warn};

use super::budget::{DEADLINE_MARGIN, run_budget};
use super::claim::{Claimed, Unclaimed};
use super::error::{Failure, failure_excerpt};
use super::guarded::guarded;
use super::{DispatchError, Dispatcher, Invocation, Outcome};
use crate::context::TaskContext;
use crate::event::Event;
use crate::heartbeat::{CheckInId, Run, Started};
use crate::idempotency::OccurrenceKey;
use crate::ledger::{self, Change, End, Occurrence, Start, StartAnswer, Status};
use crate::task::Registration;

/// What a delivery answers Lambda (or the command line).
type Answer = Result<Outcome, DispatchError>;

/// The delivery in hand: the occurrence, and who delivered it.
struct Delivery<'a> {
    task: &'static Registration,
    name: &'static str,
    scheduled_time: Timestamp,
    event: &'a Event,
    invocation: &'a Invocation,
    /// Lambda's request id, or a new one for a local run: the ledger's.
    run_id: String,
}

impl Delivery<'_> {
    /// The record this delivery changes: a deferred run's key is part of it.
    fn occurrence(&self) -> Occurrence<'_> {
        Occurrence::of(self.name, self.scheduled_time).deferred(self.event.deferral.as_deref())
    }
}

/// What a delivery holds once it may run: its claim on the occurrence (idempotent tasks), when
/// the run must end, and the running marker's lease (`overlap = "skip"` tasks).
struct Held {
    /// The claim's key, token and expiry.
    claim: Option<(OccurrenceKey, String, Timestamp)>,
    deadline: Timestamp,
    marker: Option<Timestamp>,
}

impl Dispatcher {
    /// Runs `task`'s occurrence at `scheduled_time` for this delivery of `event`.
    pub(super) async fn deliver(
        &self,
        task: &'static Registration,
        mut event: Event,
        scheduled_time: Timestamp,
        now: Timestamp,
        invocation: Invocation,
    ) -> Answer {
        let input = event.input.take();
        let delivery = Delivery {
            task,
            name: task.name(),
            scheduled_time,
            event: &event,
            invocation: &invocation,
            run_id: if invocation.request_id.is_empty() {
                uuid::Uuid::new_v4().to_string()
            } else {
                invocation.request_id.clone()
            },
        };
        // Claim the occurrence first: a duplicate costs this one round trip and nothing else.
        let held = match self.claim_occurrence(&delivery, now).await {
            Ok(held) => held,
            Err(answer) => return answer,
        };
        if let Some(reason) = self.record_start(&delivery, &held).await {
            return self.skip(&delivery, &held, reason).await;
        }
        let (result, elapsed_ms, started) = self.run_task(&delivery, &held, input).await;
        match result {
            Ok(value) => {
                self.succeeded(&delivery, &held, value, elapsed_ms, started)
                    .await
            }
            Err(failure) => {
                self.failed(&delivery, &held, failure, elapsed_ms, started)
                    .await
            }
        }
    }

    /// Step 1: an idempotent task's claim on the occurrence (or the answer when another
    /// delivery ran it, is running it, or the store did not answer), and the run's deadline.
    async fn claim_occurrence(
        &self,
        delivery: &Delivery<'_>,
        now: Timestamp,
    ) -> Result<Held, Answer> {
        let spec = delivery.task.spec();
        let name = delivery.name;
        let marker = |deadline: Timestamp| {
            (spec.overlap == Overlap::Skip).then_some(deadline + DEADLINE_MARGIN)
        };
        let Some(idempotency) = spec.idempotency else {
            let deadline =
                now + run_budget(spec.timeout_seconds, now, delivery.invocation.deadline);
            return Ok(Held {
                claim: None,
                deadline,
                marker: marker(deadline),
            });
        };
        let key = OccurrenceKey::new(name.to_owned(), delivery.scheduled_time)
            .deferred(delivery.event.deferral.clone());
        let ttl = SignedDuration::from_secs(idempotency.ttl_seconds.into());
        match self
            .claim(&key, ttl, spec.timeout_seconds, delivery.invocation)
            .await
        {
            Ok(Claimed::Run {
                token,
                expires_at,
                deadline,
            }) => Ok(Held {
                claim: Some((key, token, expires_at)),
                deadline,
                marker: marker(deadline),
            }),
            Ok(Claimed::Duplicate { result }) => {
                info!("skipped as duplicate");
                let change = Change::Duplicate {
                    environment: self.environment.clone(),
                    by_schedule: delivery.event.by_schedule(),
                };
                self.recorder.record(delivery.occurrence(), change).await;
                self.publish(name, Status::Duplicate, None);
                Err(Ok(Outcome::Duplicate {
                    task: name.to_owned(),
                    scheduled_time: delivery.scheduled_time,
                    result,
                }))
            }
            Err(Unclaimed::InProgress { lease_until }) => {
                warn!(%lease_until, "skipped: another delivery is running this occurrence");
                Err(Err(DispatchError::InProgress {
                    task: name.to_owned(),
                    scheduled_time: delivery.scheduled_time,
                    lease_until,
                }))
            }
            Err(Unclaimed::Store(source)) => {
                error!(error = %source, "not run: the idempotency store did not answer");
                let error = DispatchError::Store {
                    task: name.to_owned(),
                    source,
                };
                let change = Change::Finished(End {
                    at: Timestamp::now(),
                    status: Status::Failed,
                    duration_ms: 0,
                    error_type: Some(error.error_type().to_owned()),
                    excerpt: Some(failure_excerpt(&error, name)),
                });
                self.recorder.record(delivery.occurrence(), change).await;
                self.publish(name, Status::Failed, None);
                Err(Err(error))
            }
        }
    }

    /// Step 2: the start, recorded before the run in the same step as the checks that can stop
    /// it: the task is paused, or (`overlap = "skip"`) another occurrence is running. Why it
    /// must not run, if it must not.
    async fn record_start(&self, delivery: &Delivery<'_>, held: &Held) -> Option<String> {
        let start = Start {
            at: Timestamp::now(),
            attempt: delivery.event.attempt,
            execution_id: delivery.event.execution_id.clone(),
            request_id: delivery.run_id.clone(),
            environment: self.environment.clone(),
            by_schedule: delivery.event.by_schedule(),
        };
        match self
            .recorder
            .start(delivery.occurrence(), start, held.marker)
            .await
        {
            StartAnswer::Started => None,
            StartAnswer::Paused(pause) => Some(pause.to_string()),
            StartAnswer::Overlapping { running, until } => Some(format!(
                "overlap: the occurrence of {running} is still running (its lease ends at {until})"
            )),
        }
    }

    /// Step 2, stopped: the occurrence is recorded as skipped and answered without error, so
    /// that nothing retries it.
    async fn skip(&self, delivery: &Delivery<'_>, held: &Held, reason: String) -> Answer {
        info!(%reason, "skipped");
        self.release_claim(held).await;
        let change = Change::Skipped {
            reason: reason.clone(),
            request_id: delivery.run_id.clone(),
            by_schedule: delivery.event.by_schedule(),
        };
        self.recorder.record(delivery.occurrence(), change).await;
        self.publish(delivery.name, Status::Skipped, None);
        Ok(Outcome::Skipped {
            task: delivery.name.to_owned(),
            scheduled_time: delivery.scheduled_time,
            reason,
        })
    }

    /// Step 3: the task itself, guarded, with its start checked in (a `heartbeat` task); its
    /// result, how long it took, and the start's check-in, which the end's waits for.
    async fn run_task(
        &self,
        delivery: &Delivery<'_>,
        held: &Held,
        input: Option<Value>,
    ) -> (Result<Value, Failure>, u64, Option<Started>) {
        let event = delivery.event;
        let context = TaskContext::new(delivery.name.to_owned(), delivery.scheduled_time)
            .with_attempt(event.attempt.unwrap_or(1))
            .with_execution_id(event.execution_id.clone().unwrap_or_default())
            .with_deadline(held.deadline)
            .with_environment(self.environment.clone())
            .with_secrets(self.secrets.clone(), delivery.task.spec().secrets);
        let spec = delivery.task.spec();
        let context = match spec.expression {
            Some(expression) => context.with_schedule(expression, spec.timezone),
            None => context,
        };
        // A heartbeat task's attempt checks in under an id of its own, new for every attempt
        // (Lambda's retry keeps the request id; `heartbeat/protocol.rs` says why that
        // matters); drawn only for such a task, so no other run pays for it.
        let checked_in = spec
            .heartbeat
            .then(|| self.heartbeat.start(spec, self.run(CheckInId::new())));
        match &checked_in {
            // The id the monitor shows for this attempt, so that its entry leads here.
            Some(started) => info!(check_in_id = %started.check_in(), "started"),
            None => info!("started"),
        }
        let started = std::time::Instant::now();
        // The claim took time; the run keeps to the deadline its lease was sized for.
        let timeout = Duration::try_from(held.deadline.duration_since(Timestamp::now()))
            .unwrap_or(Duration::ZERO);
        let result = guarded(delivery.task, context, input, timeout).await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        (result, elapsed_ms, checked_in)
    }

    /// Steps 4 and 5 after a success: the completion remembered, the outcome recorded and
    /// pinged, the marker released, the answer.
    async fn succeeded(
        &self,
        delivery: &Delivery<'_>,
        held: &Held,
        value: Value,
        elapsed_ms: u64,
        started: Option<Started>,
    ) -> Answer {
        let name = delivery.name;
        info!(duration_ms = elapsed_ms, "succeeded");
        if let Some((key, token, expires_at)) = &held.claim
            && let Err(e) = self.store.complete(key, token, &value, *expires_at).await
        {
            // The work is done; reporting failure would make Lambda run it again. The claim's
            // lease still keeps concurrent duplicates out until it lapses.
            error!(error = %e, "succeeded, but the completion was not recorded");
        }
        let end = End {
            at: Timestamp::now(),
            status: Status::Succeeded,
            duration_ms: elapsed_ms,
            error_type: None,
            excerpt: (!value.is_null()).then(|| ledger::excerpt(&value.to_string())),
        };
        let ping = async {
            if let Some(started) = started {
                let run = self.run(started.check_in());
                self.heartbeat
                    .success(
                        started,
                        delivery.task.spec(),
                        run,
                        Duration::from_millis(elapsed_ms),
                        delivery.invocation.deadline,
                    )
                    .await;
            }
        };
        self.record_end(delivery, held, end, ping).await;
        self.follow_streak(
            delivery.task,
            delivery.scheduled_time,
            Status::Succeeded,
            None,
        )
        .await;
        Ok(Outcome::Succeeded {
            task: name.to_owned(),
            scheduled_time: delivery.scheduled_time,
            result: value,
        })
    }

    /// Steps 4 and 5 after a failure: the claim given back for a retry, the outcome recorded
    /// and pinged, the marker released, the error Lambda retries on.
    async fn failed(
        &self,
        delivery: &Delivery<'_>,
        held: &Held,
        failure: Failure,
        elapsed_ms: u64,
        started: Option<Started>,
    ) -> Answer {
        let name = delivery.name;
        let status = failure.status();
        let failure = failure.into_dispatch_error(name.to_owned());
        error!(duration_ms = elapsed_ms, error = %failure, error_type = failure.error_type(), "failed");
        // The lease lapses at the run's deadline anyway, so a retry is delayed at most that long.
        self.release_claim(held).await;
        let end = End {
            at: Timestamp::now(),
            status,
            duration_ms: elapsed_ms,
            error_type: Some(failure.error_type().to_owned()),
            excerpt: Some(failure_excerpt(&failure, name)),
        };
        let excerpt = end.excerpt.clone();
        let ping = async {
            if let Some(started) = started {
                let run = self.run(started.check_in());
                self.heartbeat
                    .fail(
                        started,
                        delivery.task.spec(),
                        run,
                        Duration::from_millis(elapsed_ms),
                        &failure.to_string(),
                        delivery.invocation.deadline,
                    )
                    .await;
            }
        };
        self.record_end(delivery, held, end, ping).await;
        self.follow_streak(
            delivery.task,
            delivery.scheduled_time,
            status,
            excerpt.as_deref(),
        )
        .await;
        Err(failure)
    }

    /// Step 4: the run's end recorded, the running marker released and the monitor pinged, all
    /// at once (none of them changes the outcome); then the outcome published.
    async fn record_end(
        &self,
        delivery: &Delivery<'_>,
        held: &Held,
        end: End,
        ping: impl std::future::Future<Output = ()>,
    ) {
        let (status, duration_ms) = (end.status, end.duration_ms);
        tokio::join!(
            self.recorder
                .record(delivery.occurrence(), Change::Finished(end)),
            self.release_marker(delivery, held),
            ping
        );
        self.publish(delivery.name, status, Some(duration_ms));
    }

    /// The run as its monitor hears of it.
    fn run(&self, check_in: CheckInId) -> Run<'_> {
        Run {
            check_in,
            environment: &self.environment,
        }
    }

    /// Gives the claim back, if this delivery holds one, so that a retry may run.
    async fn release_claim(&self, held: &Held) {
        if let Some((key, token, _)) = &held.claim
            && let Err(e) = self.store.release(key, token).await
        {
            warn!(error = %e, "the claim was not released; it lapses at the run's deadline");
        }
    }

    /// Gives up the task's running marker after the run, when it took one.
    async fn release_marker(&self, delivery: &Delivery<'_>, held: &Held) {
        if held.marker.is_some() {
            self.recorder
                .release(delivery.name, delivery.scheduled_time)
                .await;
        }
    }
}

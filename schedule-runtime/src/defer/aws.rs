//! Deferred runs in AWS: one one-time EventBridge Scheduler schedule per run, in the
//! application's schedule group, shaped like the generated schedules (the task's alias as the
//! target, Scheduler's role, the same retry policy and dead-letter queue) and deleted by
//! Scheduler once it has fired.

use std::sync::OnceLock;
use std::time::Duration;

use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_scheduler::operation::create_schedule::CreateScheduleError;
use aws_sdk_scheduler::operation::delete_schedule::DeleteScheduleError;
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode,
    RetryPolicy, Target,
};
use schedule_core::jiff::tz::TimeZone;
use schedule_core::jiff::{RoundMode, Timestamp, TimestampRound, Unit};
use schedule_core::limits::{alias_name, function_name, scheduler};

use super::name::schedule_name;
use super::{DeferError, Deferred, Run, SchedulerConfig};
use crate::aws::{Connection, Patience, sdk_client};
use crate::environment;
use crate::task::Registration;

/// A deferral's patience: it runs inside a task or a service's request, which can wait for
/// Scheduler longer than a store's claim can. A burst of deferrals past Scheduler's request
/// rate is answered `ThrottlingException`, which the SDK's standard retries meet with
/// exponential backoff and jitter; what is still throttled after the last attempt is an error
/// to the caller, never a run silently lost.
const DEFERRAL: Patience = Patience {
    attempts: 4,
    connect: Duration::from_secs(2),
    attempt: Duration::from_secs(3),
    operation: Duration::from_secs(15),
};

/// Where this application's deferred runs go, from the function's environment.
#[derive(Debug)]
pub(crate) struct SchedulerDeferrals {
    group: String,
    role_arn: String,
    function_arn: String,
    dead_letter_arn: String,
    connection: Connection,
    client: OnceLock<Client>,
}

impl SchedulerDeferrals {
    /// The configuration in the `SCHEDULE_DEFER_*` variables; `None` unless all are set.
    pub(crate) fn from_env() -> Option<SchedulerDeferrals> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let connection = Connection::from_env_for("SCHEDULER");
        Some(SchedulerDeferrals::new(SchedulerConfig {
            group: var(environment::DEFER_GROUP)?,
            role_arn: var(environment::DEFER_ROLE_ARN)?,
            function_arn: var(environment::DEFER_FUNCTION_ARN)?,
            dead_letter_arn: var(environment::DEFER_DEAD_LETTER_ARN)?,
            connection,
        }))
    }

    pub(crate) fn new(config: SchedulerConfig) -> SchedulerDeferrals {
        SchedulerDeferrals {
            group: config.group,
            role_arn: config.role_arn,
            function_arn: config.function_arn,
            dead_letter_arn: config.dead_letter_arn,
            connection: config.connection,
            client: OnceLock::new(),
        }
    }

    /// The client, built on the first deferral over the process's one HTTPS stack: a Lambda
    /// that never defers builds nothing.
    fn client(&self) -> &Client {
        self.client
            .get_or_init(|| sdk_client!(aws_sdk_scheduler, self.connection.clone(), DEFERRAL))
    }

    pub(crate) async fn create(&self, run: Run) -> Result<Deferred, DeferError> {
        let spec = run.task.spec();
        let task = run.task.name();
        let name = schedule_name(task, &run.key);
        let zone = spec
            .time_zone()
            .map_err(|e| DeferError::Store(e.to_string()))?;
        let (expression, timezone) = at_expression(run.at, &zone, spec.timezone)?;
        let input = crate::event::deferred_input(task, run.at, &run.key, &run.input)
            .map_err(DeferError::Input)?;
        let target = Target::builder()
            .arn(format!(
                "{}:{}",
                function_name(&self.function_arn, spec.function),
                alias_name(task)
            ))
            .role_arn(&self.role_arn)
            .input(input)
            .retry_policy(
                RetryPolicy::builder()
                    .maximum_event_age_in_seconds(seconds(spec.effective_max_age_seconds()))
                    .maximum_retry_attempts(seconds(scheduler::DELIVERY_RETRIES))
                    .build(),
            )
            .dead_letter_config(
                DeadLetterConfig::builder()
                    .arn(&self.dead_letter_arn)
                    .build(),
            )
            .build()
            .map_err(|e| DeferError::Store(e.to_string()))?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| DeferError::Store(e.to_string()))?;
        let description: String = format!("Deferred run of {task} under the key {}", run.key)
            .chars()
            .take(scheduler::MAX_DESCRIPTION_CHARS)
            .collect();
        let created = self
            .client()
            .create_schedule()
            .name(&name)
            .group_name(&self.group)
            .description(description)
            .schedule_expression(expression)
            .schedule_expression_timezone(timezone)
            .flexible_time_window(window)
            .target(target)
            .action_after_completion(ActionAfterCompletion::Delete)
            .send()
            .await;
        let at = match created {
            Ok(_) => run.at,
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(CreateScheduleError::is_conflict_exception) =>
            {
                return self.existing(run.task, run.key, name).await;
            }
            Err(error) if error.code() == Some("ThrottlingException") => {
                return Err(DeferError::Store(format!(
                    "creating the schedule {name} in {}: EventBridge Scheduler throttled it through {} attempts with backoff; nothing was deferred: try again later, or ask AWS for a higher CreateSchedule rate ({})",
                    self.group,
                    DEFERRAL.attempts,
                    DisplayErrorContext(error)
                )));
            }
            Err(error) => {
                return Err(refused(
                    &format!("creating the schedule {name} in {}", self.group),
                    &DisplayErrorContext(error),
                ));
            }
        };
        Ok(Deferred {
            task,
            key: run.key,
            at,
            created: true,
            name,
        })
    }

    /// The pending run under `key`, whose schedule exists already.
    async fn existing(
        &self,
        task: &'static Registration,
        key: String,
        name: String,
    ) -> Result<Deferred, DeferError> {
        let schedule = self
            .client()
            .get_schedule()
            .name(&name)
            .group_name(&self.group)
            .send()
            .await
            .map_err(|e| {
                refused(
                    &format!("reading the existing schedule {name}"),
                    &DisplayErrorContext(e),
                )
            })?;
        let at = schedule
            .target()
            .and_then(|target| serde_json::from_str::<serde_json::Value>(target.input()?).ok())
            .and_then(|event| event.get("scheduled_time")?.as_str()?.parse::<Timestamp>().ok())
            .ok_or_else(|| {
                DeferError::Store(format!(
                    "the schedule {name} in {} exists but is not a deferred run of {} (its input has no scheduled_time)",
                    self.group,
                    task.name()
                ))
            })?;
        Ok(Deferred {
            task: task.name(),
            key,
            at,
            created: false,
            name,
        })
    }

    pub(crate) async fn cancel(
        &self,
        task: &'static Registration,
        key: &str,
    ) -> Result<bool, DeferError> {
        let name = schedule_name(task.name(), key);
        match self
            .client()
            .delete_schedule()
            .name(&name)
            .group_name(&self.group)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(DeleteScheduleError::is_resource_not_found_exception) =>
            {
                Ok(false)
            }
            Err(error) => Err(refused(
                &format!("deleting the schedule {name} in {}", self.group),
                &DisplayErrorContext(error),
            )),
        }
    }
}

/// `at()` for a run due at `at`, and the zone it is written in: the task's zone, to the next
/// whole second (Scheduler's `at()` has seconds; a run never starts early). In the hour a zone
/// repeats when its clocks go back, a local time names two instants; a run in the second of
/// them is written in UTC instead, which names one.
fn at_expression(
    at: Timestamp,
    zone: &TimeZone,
    zone_name: &str,
) -> Result<(String, String), DeferError> {
    let second = at
        .round(
            TimestampRound::new()
                .smallest(Unit::Second)
                .mode(RoundMode::Ceil),
        )
        .map_err(|e| DeferError::TooFar(e.to_string()))?;
    let local = zone.to_datetime(second);
    let unambiguous = zone
        .to_ambiguous_timestamp(local)
        .compatible()
        .is_ok_and(|first| first == second);
    let format = |dt: schedule_core::jiff::civil::DateTime| {
        format!("at({})", dt.strftime("%Y-%m-%dT%H:%M:%S"))
    };
    if unambiguous {
        Ok((format(local), zone_name.to_owned()))
    } else {
        Ok((format(TimeZone::UTC.to_datetime(second)), "UTC".to_owned()))
    }
}

fn seconds(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn refused(doing: &str, error: &dyn std::fmt::Display) -> DeferError {
    DeferError::Store(format!("{doing}: EventBridge Scheduler: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expression(at: &str, zone: &str) -> (String, String) {
        let tz = TimeZone::get(zone).unwrap();
        at_expression(at.parse().unwrap(), &tz, zone).unwrap()
    }

    #[test]
    fn at_is_written_in_the_task_zone_to_the_next_second() {
        // Berlin is UTC+1 in December.
        assert_eq!(
            expression("2026-12-03T08:30:00.250Z", "Europe/Berlin"),
            (
                "at(2026-12-03T09:30:01)".to_owned(),
                "Europe/Berlin".to_owned()
            )
        );
        assert_eq!(
            expression("2026-12-03T08:30:00Z", "Europe/Berlin"),
            (
                "at(2026-12-03T09:30:00)".to_owned(),
                "Europe/Berlin".to_owned()
            )
        );
    }

    #[test]
    fn the_second_of_a_repeated_hour_is_written_in_utc() {
        // Berlin's clocks went back at 01:00Z on 25 October 2026: 02:30 local was 00:30Z, then
        // again 01:30Z.
        assert_eq!(
            expression("2026-10-25T00:30:00Z", "Europe/Berlin"),
            (
                "at(2026-10-25T02:30:00)".to_owned(),
                "Europe/Berlin".to_owned()
            )
        );
        assert_eq!(
            expression("2026-10-25T01:30:00Z", "Europe/Berlin"),
            ("at(2026-10-25T01:30:00)".to_owned(), "UTC".to_owned())
        );
    }
}

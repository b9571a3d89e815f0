//! `healthchecks.tf` (option `--healthchecks`): one Healthchecks.io check per `heartbeat` task,
//! created through the community `kristofferahl/healthchecksio` provider, with its ping URL
//! kept as the task's parameter (`heartbeat.tf`). The monitor's schedule comes from the same annotation
//! as the task's, so the two cannot disagree.
//!
//! A cron schedule becomes a cron check in the task's zone when Unix cron can express it
//! ([`Cron::to_unix`](schedule_core::cron::Cron::to_unix)); otherwise (and for `rate()`) the
//! check expects a ping every period: the rate's, or the longest gap between the schedule's
//! next fire times. The grace period covers the flexible window, the run's timeout and
//! Lambda's start-up of an asynchronous event.

use hcl::expr::{Expression, Object, ObjectKey};
use hcl::structure::Block;
use schedule_core::Schedule;
use schedule_core::jiff::{SignedDuration, Timestamp};

use super::RenderError;
use super::hcl::{Item, expr, resource};
use super::tasks::Task;

/// Time Lambda may take to start a run after Scheduler hands it the event.
const START_MARGIN_SECONDS: u32 = 300;
/// Healthchecks.io's bounds for a period and a grace time: a minute to a year.
const MIN_SECONDS: i64 = 60;
const MAX_SECONDS: i64 = 31_536_000;
/// Fire times sampled to find a schedule's longest gap, from a fixed instant so that the
/// output does not depend on the day it is generated.
const SAMPLED_FIRE_TIMES: usize = 60;
const SAMPLE_FROM: Timestamp = Timestamp::constant(1_767_225_600, 0); // 2026-01-01T00:00:00Z

/// How a task's check expects pings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    /// Unix cron in the task's zone, when the schedule has one.
    pub(crate) schedule: Option<String>,
    /// Otherwise: seconds between pings.
    pub(crate) period_seconds: Option<i64>,
    pub(crate) grace_seconds: i64,
}

pub(crate) fn check(task: &Task<'_>) -> Result<Check, RenderError> {
    let Some(task_schedule) = &task.schedule else {
        return Err(RenderError::InvalidTask {
            task: task.spec.name.to_owned(),
            problem: "it has no schedule (it runs when the code defers it), and a \
                      Healthchecks.io check expects recurring pings; remove `heartbeat` or \
                      generate without --healthchecks"
                .to_owned(),
        });
    };
    let (schedule, period_seconds) = match task_schedule {
        Schedule::Cron(cron) => match cron.to_unix() {
            Some(unix) => (Some(unix), None),
            None => (None, Some(longest_gap(task))),
        },
        Schedule::Rate(rate) => (None, Some(rate.period().as_secs())),
        Schedule::At(_) => {
            return Err(RenderError::InvalidTask {
                task: task.spec.name.to_owned(),
                problem: "it runs once (`at()`), and a Healthchecks.io check expects recurring \
                          pings; remove `heartbeat` or generate without --healthchecks"
                    .to_owned(),
            });
        }
    };
    let grace = i64::from(task.spec.window_minutes.unwrap_or(0)) * 60
        + i64::from(task.spec.timeout_seconds)
        + i64::from(START_MARGIN_SECONDS);
    Ok(Check {
        schedule,
        period_seconds: period_seconds.map(|p| p.clamp(MIN_SECONDS, MAX_SECONDS)),
        grace_seconds: grace.clamp(MIN_SECONDS, MAX_SECONDS),
    })
}

/// The longest time between consecutive fire times in a sample; a year when it fires less
/// than twice.
fn longest_gap(task: &Task<'_>) -> i64 {
    let Ok(zone) = task.spec.time_zone() else {
        return MAX_SECONDS;
    };
    let Some(schedule) = &task.schedule else {
        return MAX_SECONDS;
    };
    let times: Vec<Timestamp> = schedule
        .fire_times(SAMPLE_FROM, &zone)
        .take(SAMPLED_FIRE_TIMES)
        .collect();
    times
        .windows(2)
        .map(|pair| pair[1].duration_since(pair[0]))
        .max()
        .map_or(MAX_SECONDS, |gap: SignedDuration| gap.as_secs())
}

pub(crate) fn items(tasks: &[Task<'_>]) -> Result<Vec<Item>, RenderError> {
    let mut checks = Object::new();
    for task in tasks.iter().filter(|t| t.spec.heartbeat) {
        let check = check(task)?;
        let mut row = Object::new();
        let mut put = |key: &str, value: Expression| {
            row.insert(ObjectKey::from(hcl::Identifier::sanitized(key)), value);
        };
        put(
            "schedule",
            check.schedule.map_or(Expression::Null, Expression::from),
        );
        put("timezone", task.spec.timezone.into());
        put(
            "timeout",
            check
                .period_seconds
                .map_or(Expression::Null, Expression::from),
        );
        put("grace", check.grace_seconds.into());
        checks.insert(
            ObjectKey::Expression(task.spec.name.into()),
            Expression::Object(row),
        );
    }
    Ok(vec![
        Block::builder("locals")
            .add_attribute(("heartbeat_checks", Expression::Object(checks)))
            .build()
            .into(),
        resource("healthchecksio_check", "task")
            // A task disabled in this environment sends no pings: no check for it.
            .add_attribute((
                "for_each",
                expr("{ for task, check in local.heartbeat_checks : task => check if contains(local.enabled_tasks, task) }"),
            ))
            .add_attribute(("name", expr("\"${local.name}-${each.key}\"")))
            .add_attribute(("desc", expr("local.tasks[each.key].description")))
            .add_attribute(("tags", expr("[var.name_prefix, var.environment]")))
            .add_attribute(("schedule", expr("each.value.schedule")))
            .add_attribute(("timezone", expr("each.value.schedule == null ? null : each.value.timezone")))
            .add_attribute(("timeout", expr("each.value.timeout")))
            .add_attribute(("grace", expr("each.value.grace")))
            .build()
            .into(),
    ])
}

#[cfg(test)]
mod tests {
    use schedule_core::TaskSpec;

    use super::*;

    fn check_of(spec: &TaskSpec) -> Result<Check, RenderError> {
        check(&Task::new(spec, super::super::Trigger::Scheduler).unwrap())
    }

    #[test]
    fn a_cron_that_unix_cron_can_say_becomes_a_cron_check() {
        let spec = TaskSpec {
            timezone: "Europe/Moscow",
            window_minutes: Some(15),
            timeout_seconds: 60,
            ..TaskSpec::new("report", "cron(0 8 * * ? *)")
        };
        assert_eq!(
            check_of(&spec).unwrap(),
            Check {
                schedule: Some("0 8 * * *".to_owned()),
                period_seconds: None,
                // 15 min window + 60 s run + 300 s start.
                grace_seconds: 900 + 60 + 300,
            }
        );
    }

    #[test]
    fn a_rate_or_an_untranslatable_cron_becomes_a_period() {
        let rate = TaskSpec::new("sync", "rate(6 hours)");
        assert_eq!(check_of(&rate).unwrap().period_seconds, Some(6 * 3600));
        // The last Friday of the month: gaps of four or five weeks.
        let last_friday = TaskSpec::new("payroll", "cron(0 9 ? * 6L *)");
        let check = check_of(&last_friday).unwrap();
        assert_eq!(check.schedule, None);
        assert_eq!(check.period_seconds, Some(35 * 86_400));
    }

    #[test]
    fn a_one_time_task_cannot_have_a_check() {
        let once = TaskSpec::new("migrate", "at(2027-01-01T00:00:00)");
        let error = check_of(&once).unwrap_err();
        assert!(error.to_string().contains("--healthchecks"), "{error}");
    }
}

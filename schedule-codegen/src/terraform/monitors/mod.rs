//! With `--monitors`: the monitor of each `heartbeat` task, created at its vendor through the
//! vendor's Terraform provider, with its ping URL kept as the task's parameter
//! (`heartbeat.tf`). The monitor's schedule comes from the same annotation as the task's, so
//! the two cannot disagree, and a task that never runs is watched from the deployment on
//! (a monitor created by a first check-in would not exist yet).
//!
//! | vendor | file | resource (provider) | the ping URL |
//! |---|---|---|---|
//! | Healthchecks.io | `healthchecks.tf` | `healthchecksio_check` (`kristofferahl/healthchecksio`) | `ping_url` |
//! | Sentry Crons | `sentry.tf` | `sentry_cron_monitor` (`jianyuan/sentry`) | the project key's `crons` endpoint with the monitor's slug |
//! | Cronitor | `cronitor.tf` | none: job monitors described in the output `cronitor_monitors` for Cronitor's Monitor API (`cronitor.rs` says why) | the Telemetry API's URL with the `cronitor_telemetry_key` variable |
//! | UptimeRobot | `uptimerobot.tf` | `uptimerobot_monitor`, type `HEARTBEAT` (`uptimerobot/uptimerobot`) | `url` |
//!
//! Each provider's version floor is where the resources and arguments used here first appear,
//! read in the provider's own repository at its tags ([`provider`]).
//!
//! A task's vendor is the one its declaration names (`heartbeat = "sentry"`), else the
//! application's (`--heartbeat-vendor`, which the function also gets as
//! `SCHEDULE_HEARTBEAT_MONITOR`). Only the providers of vendors in use are required.
//!
//! What every vendor is told, from the declaration ([`expect`]): a cron schedule becomes a cron
//! schedule in the task's zone when Unix cron can express it
//! ([`Cron::to_unix`](schedule_core::cron::Cron::to_unix)); otherwise (and for `rate()`) the
//! monitor expects a check-in every period: the rate's, or the longest gap between the
//! schedule's next fire times. The grace covers the flexible window and Lambda's start of an
//! asynchronous event (and, for a vendor that hears of no start, the run's timeout); a
//! vendor that times runs gets the timeout as their maximum. `alert_after` becomes the
//! vendor's failure tolerance where it has one.

mod cronitor;
mod healthchecks;
mod sentry;
mod uptimerobot;

use hcl::expr::{Expression, Object, ObjectKey};
use hcl::structure::Block;
use schedule_core::jiff::Timestamp;
use schedule_core::{Monitor, Schedule};

use super::RenderError;
use super::hcl::{Item, validation, variable};
use super::tasks::Task;

/// Time Lambda may take to start a run after Scheduler hands it the event.
const START_MARGIN_SECONDS: i64 = 300;
/// Fire times sampled to find a schedule's longest gap, from a fixed instant so that the
/// output does not depend on the day it is generated.
const SAMPLED_FIRE_TIMES: usize = 60;
const SAMPLE_FROM: Timestamp = Timestamp::constant(1_767_225_600, 0); // 2026-01-01T00:00:00Z
/// A year: the longest a vendor waits between check-ins.
const YEAR_SECONDS: i64 = 31_536_000;

/// What a task's monitor expects, whatever its vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expected {
    /// Unix cron in the task's zone, when the schedule has one.
    pub(crate) cron: Option<String>,
    /// The longest time between two check-ins: the rate's period, or the longest gap between
    /// the schedule's fire times (for vendors that know no cron, and crons Unix cannot say).
    pub(crate) every_seconds: i64,
    /// The zone a cron schedule is read in.
    pub(crate) timezone: String,
    /// How late a run may start: the window plus Lambda's start.
    pub(crate) late_seconds: i64,
    /// The run's timeout.
    pub(crate) timeout_seconds: i64,
    /// Failed check-ins in a row before the vendor alerts (`alert_after`, else 1).
    pub(crate) failures: u8,
}

impl Expected {
    /// How late a success may come: the start's lateness plus the run.
    pub(crate) fn grace_seconds(&self) -> i64 {
        self.late_seconds + self.timeout_seconds
    }
}

pub(crate) fn expect(task: &Task<'_>) -> Result<Expected, RenderError> {
    let refuse = |why: &str| RenderError::InvalidTask {
        task: task.spec.name.to_owned(),
        problem: format!(
            "{why}, and a monitor expects recurring check-ins; remove `heartbeat` or generate \
             without --monitors"
        ),
    };
    let Some(task_schedule) = &task.schedule else {
        return Err(refuse(
            "it has no schedule (it runs when the code defers it)",
        ));
    };
    let (cron, every_seconds) = match task_schedule {
        Schedule::Cron(cron) => (cron.to_unix(), longest_gap(task)),
        Schedule::Rate(rate) => (None, rate.period().as_secs()),
        Schedule::At(_) => return Err(refuse("it runs once (`at()`)")),
    };
    Ok(Expected {
        cron,
        every_seconds: every_seconds.min(YEAR_SECONDS),
        timezone: task.spec.timezone.to_owned(),
        late_seconds: i64::from(task.spec.window_minutes.unwrap_or(0)) * 60 + START_MARGIN_SECONDS,
        timeout_seconds: i64::from(task.spec.timeout_seconds),
        failures: task.spec.alert_after.unwrap_or(1),
    })
}

/// The longest time between consecutive fire times in a sample; a year when it fires less
/// than twice.
fn longest_gap(task: &Task<'_>) -> i64 {
    let Ok(zone) = task.spec.time_zone() else {
        return YEAR_SECONDS;
    };
    let Some(schedule) = &task.schedule else {
        return YEAR_SECONDS;
    };
    schedule
        .gaps(SAMPLE_FROM, &zone)
        .take(SAMPLED_FIRE_TIMES - 1)
        .max()
        .map_or(YEAR_SECONDS, |gap| gap.as_secs())
}

/// The vendors the tasks check in with, in [`Monitor::ALL`]'s order.
pub(crate) fn vendors(tasks: &[Task<'_>], default: Monitor) -> Vec<Monitor> {
    Monitor::ALL
        .into_iter()
        .filter(|vendor| tasks.iter().any(|t| of(t, default) == Some(*vendor)))
        .collect()
}

/// The vendor `task` checks in with, if it declares `heartbeat`.
pub(crate) fn of(task: &Task<'_>, default: Monitor) -> Option<Monitor> {
    task.spec.heartbeat.then(|| task.spec.monitor_or(default))
}

/// The file of `vendor`'s monitors for its tasks among `tasks`.
pub(crate) fn file(
    vendor: Monitor,
    tasks: &[Task<'_>],
    default: Monitor,
) -> Result<(&'static str, Vec<Item>), RenderError> {
    let mine: Vec<&Task<'_>> = tasks
        .iter()
        .filter(|t| of(t, default) == Some(vendor))
        .collect();
    let mut rows = Vec::with_capacity(mine.len());
    for task in mine {
        rows.push((task.spec.name, expect(task)?));
    }
    Ok(match vendor {
        Monitor::Healthchecks => ("healthchecks.tf", healthchecks::items(&rows)),
        Monitor::Sentry => ("sentry.tf", sentry::items(&rows)),
        Monitor::Cronitor => ("cronitor.tf", cronitor::items(&rows)),
        Monitor::UptimeRobot => ("uptimerobot.tf", uptimerobot::items(&rows)?),
    })
}

/// The variables the monitors of `vendors` need (where they live, who they alert, their
/// keys), as `variable` blocks.
pub(crate) fn variables(tasks: &[Task<'_>], default: Monitor, vendors: &[Monitor]) -> Vec<Item> {
    let mut items = Vec::new();
    for vendor in vendors {
        match vendor {
            Monitor::Healthchecks => {
                let mine: Vec<&str> = tasks
                    .iter()
                    .filter(|t| of(t, default) == Some(Monitor::Healthchecks))
                    .map(|t| t.spec.name)
                    .collect();
                items.extend(healthchecks::variables(&mine));
            }
            Monitor::Sentry => {
                for (name, description) in sentry::variables() {
                    items.push(variable(name, description, "string").build().into());
                }
            }
            Monitor::Cronitor => {
                for (name, description, kind, secret) in cronitor::variables() {
                    let mut block = variable(name, description, kind);
                    block = if secret {
                        block.add_attribute(("sensitive", true)).add_block(validation(
                            &format!("length(var.{name}) > 0"),
                            "A Cronitor API key with the monitor:telemetry permission is needed for the telemetry URLs.",
                        ))
                    } else {
                        block.add_attribute(("default", super::hcl::strings(["default"])))
                    };
                    items.push(block.build().into());
                }
            }
            Monitor::UptimeRobot => {}
        }
    }
    items
}

/// `vendor`'s generated ping URL of task `each.key`, as a Terraform expression.
pub(crate) fn ping_url(vendor: Monitor) -> &'static str {
    match vendor {
        Monitor::Healthchecks => healthchecks::PING_URL,
        Monitor::Sentry => sentry::PING_URL,
        Monitor::Cronitor => cronitor::PING_URL,
        Monitor::UptimeRobot => uptimerobot::PING_URL,
    }
}

/// `vendor`'s provider: its local name, source and version constraint; none for Cronitor,
/// whose monitors go through its API (`cronitor.rs`).
///
/// Each floor is the first release with everything the generated file uses, read in the
/// provider's repository at its tags:
/// - kristofferahl/terraform-provider-healthchecksio: `channels` from v1.3.0, `ping_url` from
///   v1.5.0, `desc` from v1.6.0 (`healthchecksio/resource_check.go`).
/// - jianyuan/terraform-provider-sentry: `sentry_cron_monitor` and its data source from
///   v0.15.0 (`internal/provider/resource_cron_monitor_gen.go`); `sentry_key`'s `dsn` map
///   with its `crons` entry is older.
/// - uptimerobot/terraform-provider-uptimerobot: v1.9.2 (CHANGELOG.md: "Fixed
///   `uptimerobot_monitor` incorrectly rejecting a HEARTBEAT monitor's `grace_period` as
///   missing when its value comes from a `for_each`/`count` instance"), which the generated
///   `grace_period = each.value.grace` is; earlier, 1.0.0 has no `HEARTBEAT` type and `url`
///   is required through 1.4.1.
pub(crate) fn provider(vendor: Monitor) -> Option<(&'static str, &'static str, &'static str)> {
    match vendor {
        Monitor::Healthchecks => Some(("healthchecksio", "kristofferahl/healthchecksio", ">= 1.6")),
        Monitor::Sentry => Some(("sentry", "jianyuan/sentry", ">= 0.15")),
        Monitor::Cronitor => None,
        Monitor::UptimeRobot => Some(("uptimerobot", "uptimerobot/uptimerobot", ">= 1.9.2")),
    }
}

/// The `locals` block `name = { task = { key = value, … }, … }`: one row per task, its
/// attributes as `row` gives them (the table of what a vendor is told, read in one place).
pub(crate) fn table(
    name: &str,
    rows: &[(&str, Expected)],
    row: impl Fn(&Expected) -> Vec<(&'static str, Expression)>,
) -> Item {
    let mut table = Object::new();
    for (task, expected) in rows {
        let mut object = Object::new();
        for (key, value) in row(expected) {
            object.insert(ObjectKey::from(hcl::Identifier::sanitized(key)), value);
        }
        table.insert(
            ObjectKey::Expression((*task).into()),
            Expression::Object(object),
        );
    }
    Block::builder("locals")
        .add_attribute((name, Expression::Object(table)))
        .build()
        .into()
}

/// `value` or null.
pub(crate) fn or_null(value: Option<impl Into<Expression>>) -> Expression {
    value.map_or(Expression::Null, Into::into)
}

/// `each.value`'s monitor for the tasks of `local.<rows>` enabled in this environment: a
/// task disabled here sends no check-ins, so it has no monitor.
pub(crate) fn enabled(rows: &str) -> String {
    format!("{{ for task, m in local.{rows} : task => m if contains(local.enabled_tasks, task) }}")
}

/// The monitor's name at its vendor: the deployment's name and the task's.
pub(crate) const NAME: &str = "\"${local.name}-${each.key}\"";

/// Seconds rounded up to whole minutes, at least one.
pub(crate) fn minutes(seconds: i64) -> i64 {
    ((seconds + 59) / 60).max(1)
}

/// A period as the largest whole unit that divides it: `(value, unit)` with the units'
/// names as `units` gives them (seconds first, then minutes, hours, days, weeks).
pub(crate) fn whole_units(seconds: i64, units: [&'static str; 5]) -> (i64, &'static str) {
    const SIZES: [i64; 5] = [1, 60, 3_600, 86_400, 604_800];
    SIZES
        .iter()
        .zip(units)
        .rev()
        .find(|(size, _)| seconds % **size == 0 && seconds >= **size)
        .map_or((seconds, units[0]), |(size, unit)| (seconds / size, unit))
}

#[cfg(test)]
mod tests {
    use schedule_core::TaskSpec;

    use super::*;

    fn expected(spec: &TaskSpec) -> Result<Expected, RenderError> {
        expect(&Task::new(spec, super::super::Trigger::Scheduler).unwrap())
    }

    #[test]
    fn a_cron_that_unix_cron_can_say_stays_a_cron() {
        let spec = TaskSpec {
            timezone: "Europe/Moscow",
            window_minutes: Some(15),
            timeout_seconds: 60,
            alert_after: Some(3),
            ..TaskSpec::new("report", "cron(0 8 * * ? *)")
        };
        let expected = expected(&spec).unwrap();
        assert_eq!(
            expected,
            Expected {
                cron: Some("0 8 * * *".to_owned()),
                every_seconds: 86_400,
                timezone: "Europe/Moscow".to_owned(),
                // 15 min window + 300 s start.
                late_seconds: 900 + 300,
                timeout_seconds: 60,
                failures: 3,
            }
        );
        assert_eq!(expected.grace_seconds(), 1260);
    }

    #[test]
    fn a_rate_or_an_untranslatable_cron_becomes_a_period() {
        let rate = TaskSpec::new("sync", "rate(6 hours)");
        assert_eq!(expected(&rate).unwrap().every_seconds, 6 * 3600);
        // The last Friday of the month: gaps of four or five weeks.
        let last_friday = TaskSpec::new("payroll", "cron(0 9 ? * 6L *)");
        let expected = expected(&last_friday).unwrap();
        assert_eq!(expected.cron, None);
        assert_eq!(expected.every_seconds, 35 * 86_400);
    }

    #[test]
    fn a_one_time_or_deferred_task_cannot_have_a_monitor() {
        let once = TaskSpec::new("migrate", "at(2027-01-01T00:00:00)");
        let error = expected(&once).unwrap_err().to_string();
        assert!(
            error.contains("`migrate`") && error.contains("it runs once (`at()`)"),
            "{error}"
        );
        let deferred = TaskSpec::deferred("review-request");
        let error = expected(&deferred).unwrap_err().to_string();
        assert!(
            error.contains("`review-request`")
                && error.contains("it has no schedule (it runs when the code defers it)"),
            "{error}"
        );
    }

    fn rendered(vendor: Monitor, specs: &[TaskSpec]) -> Result<String, RenderError> {
        let tasks: Vec<Task<'_>> = specs
            .iter()
            .map(|spec| Task::new(spec, super::super::Trigger::Scheduler).unwrap())
            .collect();
        let (_, items) = file(vendor, &tasks, vendor)?;
        Ok(super::super::hcl::file(&items))
    }

    fn watched(name: &'static str, expression: &'static str) -> TaskSpec {
        TaskSpec {
            heartbeat: true,
            ..TaskSpec::new(name, expression)
        }
    }

    #[test]
    fn uptimerobot_refuses_runs_more_than_31_days_apart_and_caps_the_grace_at_a_day() {
        // The last Friday of the month is four or five weeks apart: 35 days at most.
        let error = rendered(
            Monitor::UptimeRobot,
            &[watched("payroll", "cron(0 9 ? * 6L *)")],
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("`payroll`") && error.contains("can be 35 days apart"),
            "{error}"
        );
        // Exactly 31 days apart, UptimeRobot's longest interval: accepted.
        let text = rendered(Monitor::UptimeRobot, &[watched("rare", "rate(31 days)")]).unwrap();
        assert!(text.contains("interval = 2678400"), "{text}");
        // Four weeks apart: accepted, and the grace (a 15 minute window, the 5 minute start
        // and a 15 minute timeout) under a day is kept; a day's window makes it more than a
        // day, cut to one.
        let monthly = TaskSpec {
            window_minutes: Some(15),
            timeout_seconds: 900,
            ..watched("monthly", "rate(28 days)")
        };
        let text = rendered(Monitor::UptimeRobot, &[monthly]).unwrap();
        assert!(
            text.contains("interval = 2419200") && text.contains("grace    = 2100"),
            "{text}"
        );
        let long = TaskSpec {
            window_minutes: Some(1440),
            ..watched("long", "rate(28 days)")
        };
        let text = rendered(Monitor::UptimeRobot, &[long]).unwrap();
        assert!(text.contains("grace    = 86400"), "{text}");
    }

    #[test]
    fn healthchecks_checks_alert_the_channels_the_module_is_given() {
        let text = rendered(Monitor::Healthchecks, &[watched("report", "rate(1 hour)")]).unwrap();
        assert!(
            text.contains(
                "channels = lookup(var.healthchecks_task_channels, each.key, var.healthchecks_channels)"
            ),
            "{text}"
        );
    }

    #[test]
    fn periods_read_in_their_largest_whole_unit() {
        let units = ["second", "minute", "hour", "day", "week"];
        assert_eq!(whole_units(6 * 3600, units), (6, "hour"));
        assert_eq!(whole_units(35 * 86_400, units), (5, "week"));
        assert_eq!(whole_units(90 * 60, units), (90, "minute"));
        assert_eq!(whole_units(45, units), (45, "second"));
    }
}

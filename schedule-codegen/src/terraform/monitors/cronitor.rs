//! `cronitor.tf`: one Cronitor monitor per task, through the community
//! `henrywhitaker3/cronitor` provider (API key in its `api_key` argument or
//! `CRONITOR_API_KEY`). Cronitor reads a cron schedule in the monitor's zone, or a phrase such
//! as `every 6 hours`; its grace covers the window, Lambda's start and the run, its failure
//! tolerance is `alert_after` less one, and the environment is the deployment's. The ping
//! URL is the monitor's `telemetry_url`.

use super::{Expected, NAME, enabled, table, whole_units};
use crate::terraform::hcl::{Item, expr, resource};

/// The task's telemetry URL, which the provider reads back.
pub(super) const PING_URL: &str = "cronitor_heartbeat_monitor.task[each.key].telemetry_url";

const UNITS: [&str; 5] = ["seconds", "minutes", "hours", "days", "weeks"];

pub(super) fn items(rows: &[(&str, Expected)]) -> Vec<Item> {
    let table = table("cronitor_monitors", rows, |expected| {
        let schedule = expected.cron.clone().unwrap_or_else(|| {
            let (value, unit) = whole_units(expected.every_seconds, UNITS);
            format!("every {value} {unit}")
        });
        vec![
            ("schedule", schedule.into()),
            ("timezone", expected.timezone.as_str().into()),
            ("grace", expected.grace_seconds().into()),
            ("tolerance", (expected.failures - 1).into()),
        ]
    });
    vec![
        table,
        resource("cronitor_heartbeat_monitor", "task")
            .add_attribute(("for_each", expr(&enabled("cronitor_monitors"))))
            .add_attribute(("name", expr(NAME)))
            .add_attribute(("schedule", expr("each.value.schedule")))
            .add_attribute(("timezone", expr("each.value.timezone")))
            .add_attribute(("grace_seconds", expr("each.value.grace")))
            .add_attribute(("failure_tolerance", expr("each.value.tolerance")))
            .add_attribute(("environments", expr("[var.environment]")))
            .add_attribute(("tags", expr("[var.name_prefix, var.environment]")))
            .build()
            .into(),
    ]
}

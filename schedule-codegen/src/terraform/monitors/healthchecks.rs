//! `healthchecks.tf`: one Healthchecks.io check per task, through the community
//! `kristofferahl/healthchecksio` provider (API key from `HEALTHCHECKSIO_API_KEY`). A check
//! with a cron schedule runs in the task's zone; one with a period (`timeout`) expects a ping
//! that often. Its grace covers the window, the start and the run, since a check measures
//! from the expected time to the success ping.
//!
//! A check alerts the integrations ("channels") it is assigned, and Healthchecks' API
//! "assigns no integrations to the newly created check" unless told (healthchecks/healthchecks
//! `templates/docs/api.md`, "Create a new check", `channels`), so a generated check would
//! alert nobody. Its channels
//! come from `healthchecks_channels` (every task's) or `healthchecks_task_channels` (one
//! task's, in its place), both required to be decided: `[]` says "nobody" on purpose.

use super::{Expected, or_null, table};
use crate::terraform::hcl::{Item, expr, resource};
use crate::terraform::hcl::{validation, variable};

/// Healthchecks.io's bounds for a period and a grace time: a minute to a year.
const MIN_SECONDS: i64 = 60;
const MAX_SECONDS: i64 = 31_536_000;

/// The check's ping URL, which the provider reads back.
pub(super) const PING_URL: &str = "healthchecksio_check.task[each.key].ping_url";

pub(super) fn items(rows: &[(&str, Expected)]) -> Vec<Item> {
    let table = table("heartbeat_checks", rows, |expected| {
        let period = expected.every_seconds.clamp(MIN_SECONDS, MAX_SECONDS);
        vec![
            ("schedule", or_null(expected.cron.clone())),
            ("timezone", expected.timezone.as_str().into()),
            (
                "timeout",
                or_null(expected.cron.is_none().then_some(period)),
            ),
            (
                "grace",
                expected
                    .grace_seconds()
                    .clamp(MIN_SECONDS, MAX_SECONDS)
                    .into(),
            ),
        ]
    });
    vec![
        table,
        resource("healthchecksio_check", "task")
            .add_attribute(("for_each", expr(&super::enabled("heartbeat_checks"))))
            .add_attribute(("name", expr(super::NAME)))
            .add_attribute(("desc", expr("local.tasks[each.key].description")))
            .add_attribute(("tags", expr("[var.name_prefix, var.environment]")))
            .add_attribute(("schedule", expr("each.value.schedule")))
            .add_attribute((
                "timezone",
                expr("each.value.schedule == null ? null : each.value.timezone"),
            ))
            .add_attribute(("timeout", expr("each.value.timeout")))
            .add_attribute(("grace", expr("each.value.grace")))
            .add_attribute((
                "channels",
                expr("lookup(var.healthchecks_task_channels, each.key, var.healthchecks_channels)"),
            ))
            .build()
            .into(),
    ]
}

/// Integration ids are UUIDs (the provider validates each with `validation.IsUUID`).
const UUID: &str = "can(regex(\"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$\", id))";

/// The variables naming who the checks of `tasks` alert.
pub(super) fn variables(tasks: &[&str]) -> Vec<Item> {
    let known = tasks
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    vec![
        variable(
            "healthchecks_channels",
            "Ids of the Healthchecks.io integrations (channels: e-mail, Slack, PagerDuty, ...) every generated check alerts, e.g. from the `healthchecksio_channel` data source. Healthchecks assigns none to a check created through its API, so [] means the checks alert nobody.",
            "list(string)",
        )
        .add_block(validation(
            &format!("alltrue([for id in var.healthchecks_channels : {UUID}])"),
            "Each Healthchecks.io integration id is a UUID.",
        ))
        .build()
        .into(),
        variable(
            "healthchecks_task_channels",
            "Integration ids for one task's check in place of `healthchecks_channels`, by task name.",
            "map(list(string))",
        )
        .add_attribute(("default", hcl::Expression::Object(hcl::Object::new())))
        .add_block(validation(
            &format!("alltrue([for task, ids in var.healthchecks_task_channels : contains([{known}], task) && alltrue([for id in ids : {UUID}])])"),
            &format!("Only these tasks check in with Healthchecks.io: {}; each integration id is a UUID.", tasks.join(", ")),
        ))
        .build()
        .into(),
    ]
}

//! `healthchecks.tf`: one Healthchecks.io check per task, through the community
//! `kristofferahl/healthchecksio` provider (API key from `HEALTHCHECKSIO_API_KEY`). A check
//! with a cron schedule runs in the task's zone; one with a period (`timeout`) expects a ping
//! that often. Its grace covers the window, the start and the run, since a check measures
//! from the expected time to the success ping.

use super::{Expected, or_null, table};
use crate::terraform::hcl::{Item, expr, resource};

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
            .build()
            .into(),
    ]
}

//! `healthchecks.tf`: one Healthchecks.io check per task, through the community
//! `kristofferahl/healthchecksio` provider (API key from `HEALTHCHECKSIO_API_KEY`). A check
//! with a cron schedule runs in the task's zone; one with a period (`timeout`) expects a ping
//! that often. Its grace covers the window, the start and the run, since a check measures
//! from the expected time to the success ping.

use hcl::expr::{Expression, Object, ObjectKey};
use hcl::structure::Block;

use super::Expected;
use crate::terraform::hcl::{Item, expr, resource};

/// Healthchecks.io's bounds for a period and a grace time: a minute to a year.
const MIN_SECONDS: i64 = 60;
const MAX_SECONDS: i64 = 31_536_000;

/// The check's ping URL, which the provider reads back.
pub(super) const PING_URL: &str = "healthchecksio_check.task[each.key].ping_url";

pub(super) fn items(rows: &[(&str, Expected)]) -> Vec<Item> {
    let mut checks = Object::new();
    for (task, expected) in rows {
        let mut row = Object::new();
        let mut put = |key: &str, value: Expression| {
            row.insert(ObjectKey::from(hcl::Identifier::sanitized(key)), value);
        };
        put(
            "schedule",
            expected
                .cron
                .clone()
                .map_or(Expression::Null, Expression::from),
        );
        put("timezone", expected.timezone.as_str().into());
        put(
            "timeout",
            if expected.cron.is_some() {
                Expression::Null
            } else {
                expected
                    .every_seconds
                    .clamp(MIN_SECONDS, MAX_SECONDS)
                    .into()
            },
        );
        put(
            "grace",
            expected
                .grace_seconds()
                .clamp(MIN_SECONDS, MAX_SECONDS)
                .into(),
        );
        checks.insert(
            ObjectKey::Expression((*task).into()),
            Expression::Object(row),
        );
    }
    vec![
        Block::builder("locals")
            .add_attribute(("heartbeat_checks", Expression::Object(checks)))
            .build()
            .into(),
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

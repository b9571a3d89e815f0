//! `uptimerobot.tf`: one UptimeRobot heartbeat monitor per task, through the
//! `uptimerobot/uptimerobot` provider (API key from `UPTIMEROBOT_API_KEY`). A heartbeat knows
//! no calendar: it expects a ping at least every interval, here the longest time between two
//! of the task's fire times, and alerts after the grace (the window, Lambda's start and the
//! run). It hears only of successes. The ping URL is the one UptimeRobot generates, `url`.
//!
//! Heartbeat monitors are a feature of UptimeRobot's paid plans; on the free plan the API
//! refuses to create one. A heartbeat that goes quiet alerts the account's alert contacts
//! as UptimeRobot assigns them (the account's defaults).

use super::{Expected, NAME, enabled, table};
use crate::terraform::RenderError;
use crate::terraform::hcl::{Item, expr, resource};

/// The heartbeat's URL, which UptimeRobot generates.
pub(super) const PING_URL: &str = "uptimerobot_monitor.task[each.key].url";

/// UptimeRobot's bounds: an interval of 30 s to 31 days, a grace of at most a day.
const MAX_INTERVAL_SECONDS: i64 = 31 * 86_400;
const MAX_GRACE_SECONDS: i64 = 86_400;

pub(super) fn items(rows: &[(&str, Expected)]) -> Result<Vec<Item>, RenderError> {
    if let Some((task, expected)) = rows
        .iter()
        .find(|(_, expected)| expected.every_seconds > MAX_INTERVAL_SECONDS)
    {
        return Err(RenderError::InvalidTask {
            task: (*task).to_owned(),
            problem: format!(
                "its runs can be {} days apart, and an UptimeRobot heartbeat expects a ping at least every 31 days; \
                 declare another vendor (`heartbeat = \"healthchecks\"`, \"sentry\" or \"cronitor\" read its calendar)",
                expected.every_seconds / 86_400
            ),
        });
    }
    let table = table("uptimerobot_monitors", rows, |expected| {
        vec![
            ("interval", expected.every_seconds.into()),
            (
                "grace",
                expected.grace_seconds().min(MAX_GRACE_SECONDS).into(),
            ),
        ]
    });
    Ok(vec![
        table,
        resource("uptimerobot_monitor", "task")
            .add_attribute(("for_each", expr(&enabled("uptimerobot_monitors"))))
            .add_attribute(("name", expr(NAME)))
            .add_attribute(("type", "HEARTBEAT"))
            .add_attribute(("interval", expr("each.value.interval")))
            .add_attribute(("grace_period", expr("each.value.grace")))
            // UptimeRobot's tags are lower case.
            .add_attribute((
                "tags",
                expr("[lower(var.name_prefix), lower(var.environment)]"),
            ))
            .build()
            .into(),
    ])
}

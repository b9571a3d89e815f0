//! `cronitor.tf`: one Cronitor **job** monitor per task, described for Cronitor's Monitor API,
//! and each task's telemetry URL built with a telemetry-only key.
//!
//! Why no Terraform resource creates the monitors: the check-ins are job events (`run`, then
//! `complete` or `fail`, paired by `series`), and pairing a start with its end, timing a run and
//! noticing one that started and never finished are what a monitor of type `job` does
//! (cronitor.io/docs/telemetry-api: "Jobs use telemetry events to implement a state machine
//! that tracks the start time, end time and exit state"). The one Terraform provider for
//! Cronitor, `henrywhitaker3/cronitor`, creates `heartbeat` and `http` monitors only (its
//! `internal/provider/heartbeat_monitor_resource.go` fixes the type; the resource first appears
//! in v1.1.0), and its `telemetry_url` embeds the provider's own API key, the management key,
//! in every ping URL (`fmt.Sprintf("https://cronitor.link/p/%s/%s", r.client.ApiKey, …)`).
//!
//! So the module describes each job monitor as Cronitor's Monitor API takes it
//! (cronitor.io/docs/monitor-api: `PUT https://cronitor.io/api/monitors` with
//! `{"monitors": [...]}` creates or updates each by `key`; `type`, `key`, `schedule`,
//! `timezone`, `grace_seconds`, `failure_tolerance`, `notify`, `assertions`, `tags`), in the
//! output `cronitor_monitors`, which the operator sends with the management key from their own
//! machine (the guide's one command); the function's URLs carry `cronitor_telemetry_key`, a key
//! limited to `monitor:telemetry` (the Telemetry API: "Key must have permission
//! monitor:telemetry"). A task's first check-in before the PUT still lands: Cronitor creates a
//! monitor for an unknown key, which the PUT then completes.

use hcl::structure::Block;

use super::{Expected, table, whole_units};
use crate::terraform::hcl::{Item, expr};

/// The task's telemetry URL: Cronitor's Telemetry API, `https://cronitor.link/p/<key>/<monitor>`.
pub(super) const PING_URL: &str =
    "\"https://cronitor.link/p/${var.cronitor_telemetry_key}/${local.cronitor_keys[each.key]}\"";

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
            ("timeout", expected.timeout_seconds.into()),
        ]
    });
    vec![
        table,
        Block::builder("locals")
            // A monitor key is part of the telemetry URL's path: lower case, `a-z 0-9 _ -`.
            .add_attribute((
                "cronitor_keys",
                expr("{ for task, m in local.cronitor_monitors : task => replace(lower(\"${local.name}-${task}\"), \"/[^a-z0-9_-]/\", \"-\") }"),
            ))
            .build()
            .into(),
        Block::builder("output")
            .add_label("cronitor_monitors")
            .add_attribute((
                "description",
                "Cronitor job monitors of the tasks enabled in this environment, as Cronitor's Monitor API creates or updates them: send with `terraform output -raw cronitor_monitors | curl --fail --user \"$CRONITOR_API_KEY:\" --header 'Content-Type: application/json' --request PUT --data @- https://cronitor.io/api/monitors`.",
            ))
            .add_attribute((
                "value",
                expr(&format!(
                    "jsonencode({{ monitors = [for task, m in {} : {{ type = \"job\", key = local.cronitor_keys[task], name = \"${{local.name}}-${{task}}\", schedule = m.schedule, timezone = m.timezone, grace_seconds = m.grace, failure_tolerance = m.tolerance, assertions = [\"metric.duration < ${{m.timeout}} seconds\"], notify = var.cronitor_notify, tags = [var.name_prefix, var.environment] }}] }})",
                    super::enabled("cronitor_monitors")
                )),
            ))
            // Two tasks whose keys agree would share one monitor: refuse at plan.
            .add_block(
                Block::builder("precondition")
                    .add_attribute((
                        "condition",
                        expr("length(distinct(values(local.cronitor_keys))) == length(local.cronitor_keys)"),
                    ))
                    .add_attribute((
                        "error_message",
                        "Two tasks would share a Cronitor monitor: their keys (<name_prefix>-<environment>-<task>, lower case, other characters than a-z 0-9 _ - as -) agree. Rename one.",
                    ))
                    .build(),
            )
            .build()
            .into(),
    ]
}

/// The variables Cronitor's monitors need: the telemetry key and who is notified.
pub(crate) fn variables() -> [(&'static str, &'static str, &'static str, bool); 2] {
    [
        (
            "cronitor_telemetry_key",
            "A Cronitor API key limited to `monitor:telemetry` (Settings, API keys), which every Cronitor telemetry URL carries. Not the management key: a ping URL reaches every function's parameters.",
            "string",
            true,
        ),
        (
            "cronitor_notify",
            "Cronitor notification lists (their keys) that each job monitor alerts; `default` is the account's default list.",
            "list(string)",
            false,
        ),
    ]
}

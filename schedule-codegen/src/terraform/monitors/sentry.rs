//! `sentry.tf`: one Sentry Crons monitor per task, through the `jianyuan/sentry` provider (auth
//! token from `SENTRY_AUTH_TOKEN`), in the organization and project the `sentry_organization`
//! and `sentry_project` variables name. Sentry reads a crontab in the monitor's zone, or an
//! interval; its margin is how late the `in_progress` check-in may come (the window and
//! Lambda's start), its maximum runtime the task's timeout, its failure threshold the task's
//! `alert_after`, and one success resolves the issue.
//!
//! The ping URL is the project key's `crons` endpoint (from the `sentry_key` data source) with
//! the monitor's slug in place of `___MONITOR_SLUG___`. Sentry makes a monitor's slug from its
//! name (lower case, at most 50 characters of `a-z 0-9 _ -`), so the name is given in that
//! form already and the slug is the name.

use hcl::structure::Block;

use super::{Expected, enabled, minutes, or_null, table, whole_units};
use crate::terraform::hcl::{Item, data, expr, resource};

/// The task's check-in URL.
pub(super) const PING_URL: &str = "replace(data.sentry_key.crons.dsn[\"crons\"], \"___MONITOR_SLUG___\", local.sentry_slugs[each.key])";

/// Sentry's units of an interval, by size. It has none below a minute, and none is needed: the
/// period is rounded to whole minutes first.
const UNITS: [&str; 5] = ["second", "minute", "hour", "day", "week"];

pub(super) fn items(rows: &[(&str, Expected)]) -> Vec<Item> {
    let table = table("sentry_monitors", rows, |expected| {
        // Whole minutes (a rate or a cron's gap is never shorter), so never `second`.
        let interval = expected
            .cron
            .is_none()
            .then(|| whole_units(minutes(expected.every_seconds) * 60, UNITS));
        vec![
            ("crontab", or_null(expected.cron.clone())),
            ("interval_value", or_null(interval.map(|(value, _)| value))),
            ("interval_unit", or_null(interval.map(|(_, unit)| unit))),
            ("timezone", expected.timezone.as_str().into()),
            ("margin", minutes(expected.late_seconds).into()),
            ("max_runtime", minutes(expected.timeout_seconds).into()),
            ("failures", expected.failures.into()),
        ]
    });
    vec![
        table,
        Block::builder("locals")
            // The slug Sentry derives from the name, which the check-ins address.
            .add_attribute((
                "sentry_slugs",
                expr("{ for task, m in local.sentry_monitors : task => substr(replace(lower(\"${local.name}-${task}\"), \"/[^a-z0-9_-]/\", \"-\"), 0, 50) }"),
            ))
            .build()
            .into(),
        // The slugs, and the refusal of two tasks whose slugs agree (they would check in to
        // one monitor) at plan, before any monitor is made.
        Block::builder("output")
            .add_label("sentry_monitor_slugs")
            .add_attribute((
                "description",
                "The Sentry Crons monitor slug each task checks in under, by task name.",
            ))
            .add_attribute(("value", expr("local.sentry_slugs")))
            .add_block(
                Block::builder("precondition")
                    .add_attribute((
                        "condition",
                        expr("length(distinct(values(local.sentry_slugs))) == length(local.sentry_slugs)"),
                    ))
                    .add_attribute((
                        "error_message",
                        "Two tasks would share a Sentry monitor: their slugs (the first 50 characters of <name_prefix>-<environment>-<task>, lower case) agree. Shorten the name prefix or rename one.",
                    ))
                    .build(),
            )
            .build()
            .into(),
        data("sentry_key", "crons")
            .add_attribute(("organization", expr("var.sentry_organization")))
            .add_attribute(("project", expr("var.sentry_project")))
            .add_attribute(("first", true))
            .build()
            .into(),
        resource("sentry_cron_monitor", "task")
            .add_attribute(("for_each", expr(&enabled("sentry_monitors"))))
            .add_attribute(("organization", expr("var.sentry_organization")))
            .add_attribute(("project", expr("var.sentry_project")))
            .add_attribute(("name", expr("local.sentry_slugs[each.key]")))
            .add_attribute(("description", expr("local.tasks[each.key].description")))
            .add_attribute((
                "schedule",
                expr("{ crontab = each.value.crontab, interval_value = each.value.interval_value, interval_unit = each.value.interval_unit }"),
            ))
            .add_attribute(("timezone", expr("each.value.timezone")))
            .add_attribute(("checkin_margin_minutes", expr("each.value.margin")))
            .add_attribute(("max_runtime_minutes", expr("each.value.max_runtime")))
            .add_attribute(("failure_issue_threshold", expr("each.value.failures")))
            .add_attribute(("recovery_threshold", 1))
            .build()
            .into(),
    ]
}

/// The variables naming where the monitors live.
pub(crate) fn variables() -> [(&'static str, &'static str); 2] {
    [
        (
            "sentry_organization",
            "Slug of the Sentry organization that holds the Sentry Crons monitors.",
        ),
        (
            "sentry_project",
            "Slug of the Sentry project that holds the Sentry Crons monitors; its first client key's crons endpoint receives the check-ins.",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use schedule_core::TaskSpec;

    use super::super::expect;
    use crate::terraform::Trigger;
    use crate::terraform::hcl::file;
    use crate::terraform::tasks::Task;

    fn rendered(spec: &TaskSpec) -> String {
        let task = Task::new(spec, Trigger::Scheduler).unwrap();
        file(&super::items(&[(spec.name, expect(&task).unwrap())]))
    }

    #[test]
    fn a_rate_is_an_interval_in_its_largest_whole_unit() {
        let text = rendered(&TaskSpec::new("sync", "rate(6 hours)"));
        assert!(text.contains("interval_value = 6"), "{text}");
        assert!(text.contains("interval_unit  = \"hour\""), "{text}");
        assert!(text.contains("crontab        = null"), "{text}");
        let text = rendered(&TaskSpec::new("poll", "rate(90 minutes)"));
        assert!(
            text.contains("interval_value = 90") && text.contains("\"minute\""),
            "{text}"
        );
    }
}

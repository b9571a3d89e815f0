//! `schedules.tf`: the application's schedule group, one schedule per task, and the role
//! Scheduler assumes to deliver them.
//!
//! Scheduler's own retries cover only the delivery (the asynchronous `Invoke` call, which fails
//! on throttling or a service error, not when the task fails). They are set explicitly: AWS's
//! default retries for 24 hours, 185 times, long after a scheduled run has lost its meaning.

use hcl::structure::Block;

use super::dead_letter::{Alarm, delivery_blocks};
use super::hcl::{Item, data, expr, resource, strings};
use super::iam::{condition, principals, statement};
use super::lambda::qualifiers;
use super::ledger::{CHECK_NAME, CHECK_RATE};
use schedule_runtime::CHECK_EVENT;

/// `groups`: some task names a function group, whose function Scheduler invokes too.
pub(crate) fn items(groups: bool) -> Vec<Item> {
    vec![
        resource("aws_scheduler_schedule_group", "app")
            .add_attribute(("name", expr("local.name")))
            .add_attribute(("tags", expr("var.tags")))
            .build()
            .into(),
        data("aws_iam_policy_document", "scheduler_trust")
            .add_block(
                Block::builder("statement")
                    .add_attribute(("actions", strings(["sts:AssumeRole"])))
                    .add_block(principals("scheduler.amazonaws.com"))
                    .add_block(condition(
                        "aws:SourceAccount",
                        "data.aws_caller_identity.current.account_id",
                    ))
                    // Only schedules of this group may use the role (a schedule-group ARN is
                    // the only kind AWS accepts here).
                    .add_block(condition(
                        "aws:SourceArn",
                        "aws_scheduler_schedule_group.app.arn",
                    ))
                    .build(),
            )
            .build()
            .into(),
        resource("aws_iam_role", "scheduler")
            .add_attribute(("name", expr("\"${local.name}-scheduler\"")))
            .add_attribute((
                "assume_role_policy",
                expr("data.aws_iam_policy_document.scheduler_trust.json"),
            ))
            .add_attribute(("tags", expr("var.tags")))
            .build()
            .into(),
        data("aws_iam_policy_document", "scheduler")
            .add_block(statement(
                "InvokeTaskAliases",
                &["lambda:InvokeFunction"],
                // Every qualifier of the function (each task's alias, and the published version
                // the missed-run check targets) by one pattern per function: a list of alias
                // ARNs grows with the tasks past the role's inline-policy quota (`quotas.rs`).
                expr(qualifiers(groups)),
            ))
            .add_block(statement(
                "UndeliveredToDeadLetterQueue",
                &["sqs:SendMessage"],
                expr("[aws_sqs_queue.dead_letter.arn]"),
            ))
            .build()
            .into(),
        resource("aws_iam_role_policy", "scheduler")
            .add_attribute(("name", "deliver"))
            .add_attribute(("role", expr("aws_iam_role.scheduler.id")))
            .add_attribute(("policy", expr("data.aws_iam_policy_document.scheduler.json")))
            .build()
            .into(),
        Item::new(schedule()).skip(
            "CKV_AWS_297",
            "the input holds task names and declared inputs, no secrets; AWS encrypts it with an AWS owned key",
        ),
        Item::new(missed_run_check()).skip(
            "CKV_AWS_297",
            "the input is a fixed command, no secrets; AWS encrypts it with an AWS owned key",
        ),
        Alarm {
            resource: "scheduler_dropped",
            for_each: None,
            name: "\"${local.name}-scheduler-dropped\"",
            description: "\"Scheduler dropped an occurrence after its delivery retries.\"",
            namespace: "AWS/Scheduler",
            metric: "InvocationDroppedCount",
            statistic: "Sum",
            dimensions: SCHEDULE_GROUP,
        }
        .block()
        .build()
        .into(),
        Alarm {
            resource: "scheduler_not_dead_lettered",
            for_each: None,
            name: "\"${local.name}-scheduler-not-dead-lettered\"",
            description: "\"Scheduler could not send an undelivered occurrence to the dead-letter queue.\"",
            namespace: "AWS/Scheduler",
            metric: "InvocationsFailedToBeSentToDeadLetterCount",
            statistic: "Sum",
            dimensions: SCHEDULE_GROUP,
        }
        .block()
        .build()
        .into(),
    ]
}

const SCHEDULE_GROUP: &[(&str, &str)] =
    &[("ScheduleGroup", "aws_scheduler_schedule_group.app.name")];

/// Runs the missed-run check (`schedule_runtime::ledger::check_missed_runs`) every
/// [`CHECK_RATE`] on the function's published version. Not retried and not dead-lettered: the
/// next check looks again at whatever this one could not.
fn missed_run_check() -> Block {
    resource("aws_scheduler_schedule", "missed_run_check")
        .add_attribute(("name", CHECK_NAME))
        .add_attribute(("group_name", expr("aws_scheduler_schedule_group.app.name")))
        .add_attribute((
            "description",
            "Marks occurrences that were due and never arrived as missed (the MissedRuns metric)",
        ))
        .add_attribute(("schedule_expression", CHECK_RATE))
        .add_block(
            Block::builder("flexible_time_window")
                .add_attribute(("mode", "OFF"))
                .build(),
        )
        .add_block(
            Block::builder("target")
                .add_attribute(("arn", expr("aws_lambda_function.dispatch.qualified_arn")))
                .add_attribute(("role_arn", expr("aws_iam_role.scheduler.arn")))
                .add_attribute(("input", CHECK_EVENT))
                .add_block(
                    Block::builder("retry_policy")
                        .add_attribute(("maximum_event_age_in_seconds", 900))
                        .add_attribute(("maximum_retry_attempts", 0))
                        .build(),
                )
                .build(),
        )
        .add_attribute(("depends_on", expr("[aws_iam_role_policy.scheduler]")))
        .build()
}

fn schedule() -> Block {
    // A task declared `deferred` has no schedule of its own (its expression is null).
    resource("aws_scheduler_schedule", "task")
        .add_attribute((
            "for_each",
            expr("{ for task, t in local.tasks : task => t if t.expression != null }"),
        ))
        .add_attribute(("name", expr("each.key")))
        .add_attribute(("group_name", expr("aws_scheduler_schedule_group.app.name")))
        .add_attribute(("description", expr("each.value.description")))
        .add_attribute(("schedule_expression", expr("each.value.expression")))
        .add_attribute(("schedule_expression_timezone", expr("each.value.timezone")))
        // Scheduler refuses a start date in the past (once it has passed, the schedule simply
        // runs) and an end date that has passed (the schedule is then DISABLED, see
        // `local.enabled_tasks`), so each is sent only while it is ahead.
        .add_attribute((
            "start_date",
            expr("try(timecmp(each.value.start_date, plantimestamp()) > 0, false) ? each.value.start_date : null"),
        ))
        .add_attribute((
            "end_date",
            expr("try(timecmp(each.value.end_date, plantimestamp()) > 0, false) ? each.value.end_date : null"),
        ))
        .add_attribute((
            "state",
            expr("contains(local.enabled_tasks, each.key) ? \"ENABLED\" : \"DISABLED\""),
        ))
        .add_block(
            Block::builder("flexible_time_window")
                .add_attribute((
                    "mode",
                    expr("each.value.window_minutes == null ? \"OFF\" : \"FLEXIBLE\""),
                ))
                .add_attribute((
                    "maximum_window_in_minutes",
                    expr("each.value.window_minutes"),
                ))
                .build(),
        )
        .add_block(
            Block::builder("target")
                .add_attribute(("arn", expr("aws_lambda_alias.task[each.key].arn")))
                .add_attribute(("role_arn", expr("aws_iam_role.scheduler.arn")))
                // The event (`docs/contracts.md`), a literal string: `jsonencode` would escape the
                // `<aws.scheduler.*>` keywords and Scheduler would not fill them in.
                .add_attribute(("input", expr("each.value.input")))
                .add_blocks(delivery_blocks())
                .build(),
        )
        // Scheduler checks at creation that it may invoke the target.
        .add_attribute(("depends_on", expr("[aws_iam_role_policy.scheduler]")))
        .build()
}

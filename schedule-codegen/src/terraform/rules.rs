//! `rules.tf` (option `--eventbridge-rules`): legacy EventBridge scheduled rules in place of
//! EventBridge Scheduler, for teams that still run them.
//!
//! Rules evaluate in UTC only and have no flexible window, no one-time schedules and no start or
//! end date, so a task that declares any of those is refused (all such tasks are named at once)
//! rather than deployed to fire at other times than the code says. Rules have no context
//! keywords either: each target's input transformer builds the event from the rule's own event
//! (`$.time` is the scheduled time, `$.id` the delivery). A rule invokes its task's alias under a
//! resource policy (`aws_lambda_permission`), and sends what it cannot deliver to the same
//! dead-letter queue, which then needs a queue policy for EventBridge.

use hcl::expr::{Expression, Object, ObjectKey};
use hcl::structure::Block;
use schedule_core::Schedule;

use super::RenderError;
use super::dead_letter::{Alarm, delivery_blocks};
use super::hcl::{Item, data, expr, resource, strings};
use super::iam::principals;
use super::ledger::{CHECK_NAME, CHECK_RATE};
use super::tasks::Task;
use schedule_runtime::CHECK_EVENT;

/// Why `task` cannot be a rule, if it cannot.
fn inexpressible(task: &Task<'_>) -> Vec<&'static str> {
    let spec = task.spec;
    let mut problems = Vec::new();
    if spec.timezone != "UTC" {
        problems.push("a time zone (rules run in UTC only)");
    }
    if spec.window_minutes.is_some() {
        problems.push("a flexible window");
    }
    match task.schedule {
        Some(Schedule::At(_)) => problems.push("a one-time `at()` schedule"),
        None => problems.push("no schedule (deferred runs need EventBridge Scheduler)"),
        _ => {}
    }
    if spec.start.is_some() || spec.end.is_some() {
        problems.push("a start or end date");
    }
    problems
}

/// Refuses, naming every task and what it declares that rules cannot express.
pub(crate) fn check(tasks: &[Task<'_>]) -> Result<(), RenderError> {
    let refusals: Vec<String> = tasks
        .iter()
        .filter_map(|task| {
            let problems = inexpressible(task);
            (!problems.is_empty())
                .then(|| format!("task `{}` declares {}", task.spec.name, problems.join(", ")))
        })
        .collect();
    if refusals.is_empty() {
        Ok(())
    } else {
        Err(RenderError::NotExpressibleAsRules(refusals))
    }
}

pub(crate) fn items() -> Vec<Item> {
    let mut paths = Object::new();
    for (name, path) in [
        ("time", "$.time"),
        ("id", "$.id"),
        ("rule", "$.resources[0]"),
    ] {
        paths.insert(
            ObjectKey::from(hcl::Identifier::sanitized(name)),
            path.into(),
        );
    }
    vec![
        resource("aws_cloudwatch_event_rule", "task")
            .add_attribute(("for_each", expr("local.tasks")))
            .add_attribute(("name", expr("\"${local.name}-${each.key}\"")))
            .add_attribute(("description", expr("each.value.description")))
            .add_attribute(("schedule_expression", expr("each.value.expression")))
            .add_attribute((
                "state",
                expr("contains(local.enabled_tasks, each.key) ? \"ENABLED\" : \"DISABLED\""),
            ))
            .add_attribute(("tags", expr("var.tags")))
            .add_block(
                Block::builder("lifecycle")
                    .add_block(
                        Block::builder("precondition")
                            .add_attribute((
                                "condition",
                                expr("length(\"${local.name}-${each.key}\") <= 64"),
                            ))
                            .add_attribute((
                                "error_message",
                                "A rule's name (<name_prefix>-<environment>-<task>) is at most 64 characters: shorten the name prefix.",
                            ))
                            .build(),
                    )
                    .build(),
            )
            .build()
            .into(),
        resource("aws_cloudwatch_event_target", "task")
            .add_attribute(("for_each", expr("local.tasks")))
            .add_attribute(("rule", expr("aws_cloudwatch_event_rule.task[each.key].name")))
            .add_attribute(("target_id", "dispatch"))
            .add_attribute(("arn", expr("aws_lambda_alias.task[each.key].arn")))
            .add_block(
                Block::builder("input_transformer")
                    .add_attribute(("input_paths", Expression::Object(paths)))
                    .add_attribute(("input_template", expr("each.value.input")))
                    .build(),
            )
            .add_blocks(delivery_blocks())
            .add_attribute(("depends_on", expr("[aws_sqs_queue_policy.dead_letter]")))
            .build()
            .into(),
        resource("aws_lambda_permission", "task")
            .add_attribute(("for_each", expr("local.tasks")))
            .add_attribute(("statement_id", expr("\"rule-${each.value.alias}\"")))
            .add_attribute(("action", "lambda:InvokeFunction"))
            .add_attribute(("function_name", expr("aws_lambda_function.dispatch.function_name")))
            .add_attribute(("qualifier", expr("aws_lambda_alias.task[each.key].name")))
            .add_attribute(("principal", "events.amazonaws.com"))
            .add_attribute(("source_arn", expr("aws_cloudwatch_event_rule.task[each.key].arn")))
            .add_attribute((
                "source_account",
                expr("data.aws_caller_identity.current.account_id"),
            ))
            .build()
            .into(),
        // The missed-run check, every few minutes, on the function's published version.
        resource("aws_cloudwatch_event_rule", "missed_run_check")
            // Cut to a rule name's 64 characters: a long prefix is the task rules' precondition
            // to report, not a provider error here.
            .add_attribute((
                "name",
                expr(&format!("substr(\"${{local.name}}-{CHECK_NAME}\", 0, 64)")),
            ))
            .add_attribute((
                "description",
                "Marks occurrences that were due and never arrived as missed (the MissedRuns metric)",
            ))
            .add_attribute(("schedule_expression", CHECK_RATE))
            .add_attribute(("tags", expr("var.tags")))
            .build()
            .into(),
        resource("aws_cloudwatch_event_target", "missed_run_check")
            .add_attribute(("rule", expr("aws_cloudwatch_event_rule.missed_run_check.name")))
            .add_attribute(("target_id", "dispatch"))
            .add_attribute(("arn", expr("aws_lambda_function.dispatch.qualified_arn")))
            .add_attribute(("input", CHECK_EVENT))
            .build()
            .into(),
        resource("aws_lambda_permission", "missed_run_check")
            .add_attribute(("statement_id", "rule-missed-run-check"))
            .add_attribute(("action", "lambda:InvokeFunction"))
            .add_attribute(("function_name", expr("aws_lambda_function.dispatch.function_name")))
            .add_attribute(("qualifier", expr("aws_lambda_function.dispatch.version")))
            .add_attribute(("principal", "events.amazonaws.com"))
            .add_attribute(("source_arn", expr("aws_cloudwatch_event_rule.missed_run_check.arn")))
            .add_attribute((
                "source_account",
                expr("data.aws_caller_identity.current.account_id"),
            ))
            .build()
            .into(),
        data("aws_iam_policy_document", "dead_letter")
            .add_block(
                Block::builder("statement")
                    .add_attribute(("sid", "UndeliveredRuleEvents"))
                    .add_attribute(("actions", strings(["sqs:SendMessage"])))
                    .add_attribute(("resources", expr("[aws_sqs_queue.dead_letter.arn]")))
                    .add_block(principals("events.amazonaws.com"))
                    .add_block(
                        Block::builder("condition")
                            .add_attribute(("test", "ArnEquals"))
                            .add_attribute(("variable", "aws:SourceArn"))
                            .add_attribute((
                                "values",
                                expr("[for rule in aws_cloudwatch_event_rule.task : rule.arn]"),
                            ))
                            .build(),
                    )
                    .build(),
            )
            .build()
            .into(),
        resource("aws_sqs_queue_policy", "dead_letter")
            .add_attribute(("queue_url", expr("aws_sqs_queue.dead_letter.id")))
            .add_attribute(("policy", expr("data.aws_iam_policy_document.dead_letter.json")))
            .build()
            .into(),
        Alarm {
            resource: "rule_failed",
            for_each: Some("local.tasks"),
            name: "\"${local.name}-${each.key}-rule-failed\"",
            description: "\"The rule of task ${each.key} could not deliver an occurrence after its retries.\"",
            namespace: "AWS/Events",
            metric: "FailedInvocations",
            statistic: "Sum",
            dimensions: RULE,
        }
        .block()
        .build()
        .into(),
        Alarm {
            resource: "rule_not_dead_lettered",
            for_each: Some("local.tasks"),
            name: "\"${local.name}-${each.key}-rule-not-dead-lettered\"",
            description: "\"The rule of task ${each.key} could not send an undelivered occurrence to the dead-letter queue.\"",
            namespace: "AWS/Events",
            metric: "InvocationsFailedToBeSentToDlq",
            statistic: "Sum",
            dimensions: RULE,
        }
        .block()
        .build()
        .into(),
    ]
}

const RULE: &[(&str, &str)] = &[("RuleName", "aws_cloudwatch_event_rule.task[each.key].name")];

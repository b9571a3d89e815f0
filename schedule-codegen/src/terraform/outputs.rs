//! `outputs.tf`: what other modules and people need to find the deployment.

use hcl::structure::Block;

use super::Trigger;
use super::hcl::{Item, expr};

pub(crate) fn items(idempotent: bool, trigger: Trigger, defer: bool, groups: bool) -> Vec<Item> {
    let mut outputs = vec![
        output(
            "function_name",
            "The dispatch Lambda's name.",
            "aws_lambda_function.dispatch.function_name",
        ),
        output(
            "function_arn",
            "The dispatch Lambda's ARN.",
            "aws_lambda_function.dispatch.arn",
        ),
        output(
            "dead_letter_queue_url",
            "Where failed and undelivered runs wait.",
            "aws_sqs_queue.dead_letter.url",
        ),
        output(
            "ledger_table_name",
            "The table recording every occurrence (what `status` and `history` read).",
            "aws_dynamodb_table.ledger.name",
        ),
        output(
            "ledger_table_arn",
            "The ledger table's ARN, for the operators' read-only policy (dynamodb:Query).",
            "aws_dynamodb_table.ledger.arn",
        ),
        output(
            "operator_policy_arn",
            "The IAM policy an operator's role needs for status, history, pause and resume.",
            "aws_iam_policy.operator.arn",
        ),
        output(
            "dashboard_name",
            "The CloudWatch dashboard's first page: the application's totals, the dead-letter queue, and the first 100 tasks' runs, failures, durations and missed runs.",
            "aws_cloudwatch_dashboard.app[\"1\"].dashboard_name",
        ),
        output(
            "dashboard_names",
            "Every page of the dashboard, the first included: one per 100 tasks.",
            "[for i in range(length(local.dashboard_pages)) : aws_cloudwatch_dashboard.app[tostring(i + 1)].dashboard_name]",
        ),
    ];
    match trigger {
        Trigger::Scheduler => outputs.extend([
            output(
                "schedule_group_name",
                "The schedule group holding every task's schedule.",
                "aws_scheduler_schedule_group.app.name",
            ),
            output(
                "schedule_arns",
                "Each task's schedule ARN, by task name.",
                "{ for task, schedule in aws_scheduler_schedule.task : task => schedule.arn }",
            ),
        ]),
        Trigger::EventBridgeRules => outputs.push(output(
            "rule_arns",
            "Each task's EventBridge rule ARN, by task name.",
            "{ for task, rule in aws_cloudwatch_event_rule.task : task => rule.arn }",
        )),
    }
    if defer {
        outputs.push(output(
            "deferrer_policy_arn",
            "The IAM policy another service's role needs to defer runs of the tasks.",
            "aws_iam_policy.deferrer.arn",
        ));
        outputs.push(
            Block::builder("output")
                .add_label("defer_environment")
                .add_attribute((
                    "description",
                    "The variables another service that defers runs of the tasks sets in its environment.",
                ))
                .add_attribute(("value", super::defer::environment_object()))
                .build()
                .into(),
        );
    }
    if groups {
        outputs.push(super::functions::output());
    }
    if idempotent {
        outputs.push(output(
            "idempotency_table_name",
            "The table that records runs of idempotent tasks.",
            "aws_dynamodb_table.idempotency.name",
        ));
    }
    outputs
}

fn output(name: &str, description: &str, value: &str) -> Item {
    Block::builder("output")
        .add_label(name)
        .add_attribute(("description", description))
        .add_attribute(("value", expr(value)))
        .build()
        .into()
}

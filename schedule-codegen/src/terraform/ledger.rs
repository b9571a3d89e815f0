//! `ledger.tf`: the table every occurrence is recorded in, the alarms on the ledger's metrics
//! (a task's failures, or its failures in a row when it declares `alert_after`; its missed
//! occurrences: two per task, or two in all with `alarms = "application"`) and the
//! application's dashboard, in pages of
//! [`TASKS_PER_PAGE`] tasks.
//!
//! The alarms watch the metrics the dispatcher publishes (`schedule_runtime::metrics`), not
//! Lambda's `Errors`: a delivery that waited out a concurrent duplicate and gave it back for a
//! retry is an error to Lambda but no failure of the task. The schedule that runs the
//! missed-run check lives with the other schedules (`schedules.tf`, or `rules.tf`).

use hcl::structure::Block;
use schedule_runtime::ledger::table;
use schedule_runtime::metrics::NAMESPACE;

use super::dead_letter::Alarm;
use super::hcl::{Item, data, expr, resource};
use super::iam::statement;
use super::idempotency::table_settings;
use super::lambda::qualifiers;

/// The missed-run check's schedule (or rule) name; no task may take it.
pub(crate) const CHECK_NAME: &str = "missed-run-check";

/// How often the missed-run check runs. With the alarm's five-minute period, an occurrence
/// found missed pages within this plus five minutes.
pub(crate) const CHECK_RATE: &str = "rate(15 minutes)";

/// `groups`: some task names a function group, whose function its operators may invoke too.
pub(crate) fn items(defer: bool, groups: bool) -> Vec<Item> {
    let attribute = |name: &str, kind: &str| {
        Block::builder("attribute")
            .add_attribute(("name", name))
            .add_attribute(("type", kind))
            .build()
    };
    vec![
        Item::new(
            resource("aws_dynamodb_table", "ledger")
                .add_attribute((
                    "name",
                    expr(&format!("\"${{local.name}}{}\"", table::TABLE_SUFFIX)),
                ))
                .add_attribute(("billing_mode", "PAY_PER_REQUEST"))
                .add_attribute(("hash_key", table::PARTITION_KEY))
                .add_attribute(("range_key", table::SORT_KEY))
                .add_block(attribute(table::PARTITION_KEY, "S"))
                .add_block(attribute(table::SORT_KEY, "N"))
                // Records live `ledger_retention_days`; DynamoDB deletes them in the background.
                .add_blocks(table_settings(table::EXPIRY_ATTRIBUTE))
                .add_attribute(("tags", expr("var.tags")))
                .build(),
        )
        .skip(
            "CKV_AWS_119",
            "encrypted with the AWS managed key; the records are run outcomes, not customer data",
        ),
        Alarm {
            resource: "task_failures",
            for_each: Some("{ for task, t in local.tasks : task => t if var.alarms == \"task\" && t.alert_after == null }"),
            name: "\"${local.name}-${each.key}-failures\"",
            description: "\"A run of task ${each.key} failed; Lambda retries it ${each.value.retries} time(s), then dead-letters it. `ops history ${each.key} --env ${var.environment}` shows it.\"",
            namespace: NAMESPACE,
            metric: "Failures",
            statistic: "Sum",
            dimensions: TASK_METRIC,
        }
        .block()
        .build()
        .into(),
        // `alert_after = N`: the N-th failed occurrence in a row fires it, a success clears it
        // (its OK goes to the same topic: the recovery).
        Alarm {
            resource: "failure_streaks",
            for_each: Some("{ for task, t in local.tasks : task => t if var.alarms == \"task\" && t.alert_after != null }"),
            name: "\"${local.name}-${each.key}-failures\"",
            description: "\"Task ${each.key} failed ${each.value.alert_after} occurrences in a row (alert_after); the alarm clears when a run succeeds. `ops history ${each.key} --env ${var.environment}` shows them.\"",
            namespace: NAMESPACE,
            metric: "ConsecutiveFailures",
            // The least of a period's values: a period that holds the streak's count and then
            // a success's 0 reads as recovered, so the alarm never stays on a healed task.
            statistic: "Minimum",
            dimensions: TASK_METRIC,
        }
        .at_least("each.value.alert_after")
        .build()
        .into(),
        Alarm {
            resource: "missed_runs",
            // Only a schedule makes an occurrence due; a deferred-only task is never missed.
            for_each: Some("toset([for task in local.enabled_tasks : task if local.tasks[task].expression != null && var.alarms == \"task\"])"),
            name: "\"${local.name}-${each.key}-missed-runs\"",
            description: "\"An occurrence of task ${each.key} was due and never arrived (schedule disabled or deleted, deliveries dropped). `ops status --env ${var.environment}` shows it.\"",
            namespace: NAMESPACE,
            metric: "MissedRuns",
            statistic: "Sum",
            dimensions: TASK_METRIC,
        }
        .block()
        .build()
        .into(),
        // `alarms = "application"`: two alarms in all, on the application's totals. Cheaper
        // past a few tasks; an alarm already firing does not fire again for another task.
        Alarm {
            resource: "failures",
            for_each: Some(APPLICATION_ALARMS),
            name: "\"${local.name}-failures\"",
            description: "\"A run of one of the tasks failed; Lambda retries it, then dead-letters it. `ops status --env ${var.environment}` shows which.\"",
            namespace: NAMESPACE,
            metric: "Failures",
            statistic: "Sum",
            dimensions: APPLICATION_METRIC,
        }
        .block()
        .build()
        .into(),
        Alarm {
            resource: "missed",
            for_each: Some(APPLICATION_ALARMS),
            name: "\"${local.name}-missed-runs\"",
            description: "\"An occurrence of one of the tasks was due and never arrived. `ops status --env ${var.environment}` shows which.\"",
            namespace: NAMESPACE,
            metric: "MissedRuns",
            statistic: "Sum",
            dimensions: APPLICATION_METRIC,
        }
        .block()
        .build()
        .into(),
        Block::builder("locals")
            // Tasks per page of the dashboard: a page's widgets and metrics stay far below
            // CloudWatch's 500 and 2,500 per dashboard (`quotas.rs`).
            .add_attribute((
                "dashboard_pages",
                expr(&format!("chunklist(keys(local.tasks), {TASKS_PER_PAGE})")),
            ))
            .build()
            .into(),
        dashboard().into(),
        // The dashboard of earlier versions is the first page.
        Block::builder("moved")
            .add_attribute(("from", expr("aws_cloudwatch_dashboard.app")))
            .add_attribute(("to", expr("aws_cloudwatch_dashboard.app[\"1\"]")))
            .build()
            .into(),
        // What an operator's role needs for the `ops` commands (`status`, `history`, `pause`,
        // `resume`, `invoke`, `backfill`, `replay`, and `console`'s deferred runs): the module
        // creates the policy, the team attaches it where its operators are.
        data("aws_iam_policy_document", "operator")
            .add_block(statement(
                "LedgerReadAndPause",
                table::CONTROL_ACTIONS,
                expr("[aws_dynamodb_table.ledger.arn]"),
            ))
            .add_block(statement(
                "InvokeTaskAliases",
                OPERATOR_INVOKE_ACTIONS,
                // The function's qualifiers by pattern: listing each alias would outgrow a
                // managed policy's 6,144 characters at about 60 tasks.
                expr(qualifiers(groups)),
            ))
            .add_block(statement(
                "ReplayDeadLetters",
                OPERATOR_QUEUE_ACTIONS,
                expr("[aws_sqs_queue.dead_letter.arn]"),
            ))
            .add_blocks(deferred_runs(defer))
            .build()
            .into(),
        resource("aws_iam_policy", "operator")
            .add_attribute(("name", expr("\"${local.name}-operator\"")))
            .add_attribute((
                "description",
                "Operate the tasks: read the ledger, pause and resume, invoke and backfill, replay the dead-letter queue",
            ))
            .add_attribute(("policy", expr("data.aws_iam_policy_document.operator.json")))
            .add_attribute(("tags", expr("var.tags")))
            .build()
            .into(),
    ]
}

/// With deferred runs (`defer.tf`), what `ops console` needs to list and cancel them: list
/// the group's schedules (an action IAM grants on `*` only), read and delete those of the group.
fn deferred_runs(defer: bool) -> Vec<Block> {
    if !defer {
        return Vec::new();
    }
    vec![
        statement(
            "ListDeferredRuns",
            &["scheduler:ListSchedules"],
            expr("[\"*\"]"),
        ),
        statement(
            "ReadAndCancelDeferredRuns",
            &["scheduler:DeleteSchedule", "scheduler:GetSchedule"],
            expr(&super::defer::group_schedules()),
        ),
    ]
}

/// What `ops invoke` and `backfill` call: an asynchronous invocation of a task's alias.
const OPERATOR_INVOKE_ACTIONS: &[&str] = &["lambda:InvokeFunction"];

/// What `ops replay` calls on the dead-letter queue: find it, read it, delete what was
/// sent again, and make visible again what was not.
const OPERATOR_QUEUE_ACTIONS: &[&str] = &[
    "sqs:ChangeMessageVisibility",
    "sqs:DeleteMessage",
    "sqs:GetQueueUrl",
    "sqs:ReceiveMessage",
];

const TASK_METRIC: &[(&str, &str)] = &[
    ("Function", "aws_lambda_function.dispatch.function_name"),
    ("Task", "each.key"),
];

/// The application's totals, which the dispatcher publishes beside each task's metric.
const APPLICATION_METRIC: &[(&str, &str)] =
    &[("Function", "aws_lambda_function.dispatch.function_name")];

/// One instance where `var.alarms` asks for the application's alarms, none otherwise.
const APPLICATION_ALARMS: &str =
    "var.alarms == \"application\" ? toset([\"application\"]) : toset([])";

/// Tasks per dashboard page: 4 metrics each, so a page has at most 100 task widgets and 400
/// of their metrics (CloudWatch allows 500 widgets and 2,500 metrics per dashboard).
pub(crate) const TASKS_PER_PAGE: usize = 100;

/// Widgets and metrics of the first page's overview (a task's row is one widget of
/// [`METRICS_PER_TASK`](super::quotas::METRICS_PER_TASK)).
pub(crate) const OVERVIEW_WIDGETS: usize = 2;
pub(crate) const OVERVIEW_METRICS: usize = 5;

/// The dashboard, one page per [`TASKS_PER_PAGE`] tasks (each task's duration graph draws a
/// line at half its interval: a run above it is near overlapping the next, which `status`
/// also says): page 1 is named after the
/// application and opens with the application's totals (runs, failures, missed runs, the
/// longest run) and the dead-letter queue's depth; then, on every page, one row per task
/// (runs, failures, missed occurrences; duration on the right axis). Pages 2 and on are
/// `<name>-2`, `<name>-3`, ...
fn dashboard() -> Block {
    let totals = |metric: &str| {
        format!(
            r#"["{NAMESPACE}", "{metric}", "Function", aws_lambda_function.dispatch.function_name]"#
        )
    };
    let body = format!(
        r#"jsonencode({{
  widgets = concat(
    slice([
      {{
        type   = "metric"
        x      = 0
        y      = 0
        width  = 16
        height = 6
        properties = {{
          title  = "All tasks"
          region = local.region
          stat   = "Sum"
          period = 300
          metrics = [
            {runs},
            {failures},
            {missed},
            ["{NAMESPACE}", "Duration", "Function", aws_lambda_function.dispatch.function_name, {{ stat = "Maximum", yAxis = "right" }}],
          ]
        }}
      }},
      {{
        type   = "metric"
        x      = 16
        y      = 0
        width  = 8
        height = 6
        properties = {{
          title   = "Dead-letter queue"
          region  = local.region
          stat    = "Maximum"
          period  = 300
          metrics = [["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", aws_sqs_queue.dead_letter.name]]
        }}
      }},
    ], 0, each.key == "1" ? {OVERVIEW_WIDGETS} : 0),
    [for i, task in each.value : {{
      type   = "metric"
      x      = 0
      y      = 6 + i * 6
      width  = 24
      height = 6
      properties = {{
        title  = task
        region = local.region
        stat   = "Sum"
        period = 300
        annotations = {{
          horizontal = slice([{{ label = "half the interval", value = local.tasks[task].half_interval_ms, yAxis = "right" }}], 0, local.tasks[task].half_interval_ms == null ? 0 : 1)
        }}
        metrics = [
          ["{NAMESPACE}", "Runs", "Function", aws_lambda_function.dispatch.function_name, "Task", task],
          ["{NAMESPACE}", "Failures", "Function", aws_lambda_function.dispatch.function_name, "Task", task],
          ["{NAMESPACE}", "MissedRuns", "Function", aws_lambda_function.dispatch.function_name, "Task", task],
          ["{NAMESPACE}", "Duration", "Function", aws_lambda_function.dispatch.function_name, "Task", task, {{ stat = "Maximum", yAxis = "right" }}],
        ]
      }}
    }}],
  )
}})"#,
        runs = totals("Runs"),
        failures = totals("Failures"),
        missed = totals("MissedRuns"),
    );
    resource("aws_cloudwatch_dashboard", "app")
        .add_attribute((
            "for_each",
            expr("{ for i, page in local.dashboard_pages : tostring(i + 1) => page }"),
        ))
        .add_attribute((
            "dashboard_name",
            expr("each.key == \"1\" ? local.name : \"${local.name}-${each.key}\""),
        ))
        .add_attribute(("dashboard_body", expr(&body)))
        .build()
}

//! `dead_letter.tf`: the queue where every run that did not happen ends up, and the alarms
//! that say so.
//!
//! Both retry layers end here: Scheduler (or a rule) sends an occurrence it could not deliver (message
//! attributes `ERROR_CODE`, `SCHEDULED_TIME`, ...), Lambda sends a run that failed its last
//! retry (an invocation record with the event and the error). One alarm watches the queue's
//! depth; one per task watches that task's errors through its alias, so the alarm names the
//! task. The alarms on the delivery layer (Scheduler's, or the rules') are beside it, in
//! `schedules.tf` or `rules.tf`.

use hcl::expr::Expression;
use hcl::structure::{Block, BlockBuilder};

use super::hcl::{Item, expr, resource};

/// Fourteen days, SQS's longest retention: time to notice and replay.
const RETENTION_SECONDS: u32 = 1_209_600;
use schedule_core::limits::scheduler::DELIVERY_RETRIES;

/// The `retry_policy` and `dead_letter_config` of a schedule's or a rule's target: retry the
/// delivery up to the task's `max_age`, then send the occurrence to the dead-letter queue.
pub(crate) fn delivery_blocks() -> [Block; 2] {
    [
        Block::builder("retry_policy")
            .add_attribute((
                "maximum_event_age_in_seconds",
                expr("each.value.max_age_seconds"),
            ))
            .add_attribute(("maximum_retry_attempts", DELIVERY_RETRIES))
            .build(),
        Block::builder("dead_letter_config")
            .add_attribute(("arn", expr("aws_sqs_queue.dead_letter.arn")))
            .build(),
    ]
}

pub(crate) fn items() -> Vec<Item> {
    vec![
        resource("aws_sqs_queue", "dead_letter")
            .add_attribute(("name", expr("\"${local.name}-dead-letter\"")))
            .add_attribute(("message_retention_seconds", RETENTION_SECONDS))
            .add_attribute(("sqs_managed_sse_enabled", true))
            .add_attribute(("tags", expr("var.tags")))
            .build()
            .into(),
        Block::builder("locals")
            .add_attribute((
                "alarm_actions",
                expr("var.alarm_topic_arn == null ? [] : [var.alarm_topic_arn]"),
            ))
            .build()
            .into(),
        Alarm {
            resource: "dead_letter",
            for_each: None,
            name: "\"${local.name}-dead-letter\"",
            description: "\"A scheduled run failed for good or was not delivered: its record is in the dead-letter queue.\"",
            namespace: "AWS/SQS",
            metric: "ApproximateNumberOfMessagesVisible",
            statistic: "Maximum",
            dimensions: &[("QueueName", "aws_sqs_queue.dead_letter.name")],
        }
        .block()
        .build()
        .into(),
    ]
}

/// An alarm that fires when a metric is above zero in any five minutes (and clears when it
/// is back to zero); no data, as on a quiet day, is not an alarm.
pub(crate) struct Alarm {
    pub(crate) resource: &'static str,
    pub(crate) for_each: Option<&'static str>,
    /// Expressions, evaluated per task where they mention `each`.
    pub(crate) name: &'static str,
    pub(crate) description: &'static str,
    pub(crate) namespace: &'static str,
    pub(crate) metric: &'static str,
    pub(crate) statistic: &'static str,
    pub(crate) dimensions: &'static [(&'static str, &'static str)],
}

impl Alarm {
    pub(crate) fn block(&self) -> BlockBuilder {
        self.block_with(0.into(), "GreaterThanThreshold", "notBreaching")
    }

    /// An alarm that fires when the metric reaches `threshold` (an expression), and that keeps
    /// its state while nothing is published: what clears it is a published value below the
    /// threshold (a task's `ConsecutiveFailures`: 0 after a success).
    pub(crate) fn at_least(&self, threshold: &str) -> BlockBuilder {
        self.block_with(expr(threshold), "GreaterThanOrEqualToThreshold", "ignore")
    }

    fn block_with(&self, threshold: Expression, comparison: &str, missing: &str) -> BlockBuilder {
        let mut dimensions = hcl::Object::new();
        for (name, value) in self.dimensions {
            dimensions.insert(
                hcl::ObjectKey::from(hcl::Identifier::sanitized(*name)),
                expr(value),
            );
        }
        let mut block = resource("aws_cloudwatch_metric_alarm", self.resource);
        if let Some(each) = self.for_each {
            block = block.add_attribute(("for_each", expr(each)));
        }
        block
            .add_attribute(("alarm_name", expr(self.name)))
            .add_attribute(("alarm_description", expr(self.description)))
            .add_attribute(("namespace", self.namespace))
            .add_attribute(("metric_name", self.metric))
            .add_attribute(("statistic", self.statistic))
            .add_attribute(("period", 300))
            .add_attribute(("evaluation_periods", 1))
            .add_attribute(("threshold", threshold))
            .add_attribute(("comparison_operator", comparison))
            .add_attribute(("treat_missing_data", missing))
            .add_attribute(("alarm_actions", expr("local.alarm_actions")))
            .add_attribute(("ok_actions", expr("local.alarm_actions")))
            .add_attribute(("tags", expr("var.tags")))
            .add_attribute(("dimensions", Expression::Object(dimensions)))
    }
}

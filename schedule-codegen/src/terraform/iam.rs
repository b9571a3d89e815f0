//! The pieces of IAM policy documents every file of the module writes: a statement, a trusted
//! service, a condition, and the partition of the ARNs the module builds. One home, so that the
//! files that grant (`lambda`, `defer`, `heartbeat`, `ledger`, `schedules`, `rules`) need only
//! this and not each other.

use hcl::expr::Expression;
use hcl::structure::Block;

use super::hcl::{expr, strings};

/// The partition, from an ARN the module owns (no data source needed).
pub(crate) const PARTITION: &str = "${split(\":\", aws_sqs_queue.dead_letter.arn)[1]}";

/// `statement { sid, actions, resources }` of a policy document.
pub(crate) fn statement(sid: &str, actions: &[&str], resources: Expression) -> Block {
    Block::builder("statement")
        .add_attribute(("sid", sid))
        .add_attribute(("actions", strings(actions.iter().copied())))
        .add_attribute(("resources", resources))
        .build()
}

/// `principals { type = "Service", identifiers = [service] }`.
pub(crate) fn principals(service: &str) -> Block {
    Block::builder("principals")
        .add_attribute(("type", "Service"))
        .add_attribute(("identifiers", strings([service])))
        .build()
}

/// `condition { test = "StringEquals", variable, values = [value] }`.
pub(crate) fn condition(variable: &str, value: &str) -> Block {
    Block::builder("condition")
        .add_attribute(("test", "StringEquals"))
        .add_attribute(("variable", variable))
        .add_attribute(("values", expr(&format!("[{value}]"))))
        .build()
}

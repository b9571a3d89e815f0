//! `defer.tf`, for an application built with `schedule-runtime`'s `defer` feature: what
//! deferring a run needs (`schedule_runtime::defer`), for the function and for any other
//! service that defers.
//!
//! A deferred run is a one-time schedule in the application's schedule group, created by the
//! process that defers it, delivered by Scheduler with the group's role (whose trust policy
//! already admits every schedule of the group) to the task's alias. The deferring process
//! needs exactly: create, read and delete schedules in that group, and pass that role to
//! Scheduler (and to no other service).

use hcl::expr::{Expression, Object, ObjectKey};
use hcl::structure::Block;
use schedule_runtime::environment;

use super::hcl::{Item, data, expr, resource, strings};
use super::iam::{PARTITION, statement};

/// What `defer` and `cancel` call.
const SCHEDULE_ACTIONS: &[&str] = &[
    "scheduler:CreateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
];

/// Every schedule of the application's group, as a list of one ARN pattern.
pub(crate) fn group_schedules() -> String {
    format!(
        "[\"arn:{PARTITION}:scheduler:${{local.region}}:${{data.aws_caller_identity.current.account_id}}:schedule/${{aws_scheduler_schedule_group.app.name}}/*\"]"
    )
}

pub(crate) fn items() -> Vec<Item> {
    let schedules = group_schedules();
    vec![
        data("aws_iam_policy_document", "defer")
            .add_block(statement(
                "DeferredRunSchedules",
                SCHEDULE_ACTIONS,
                expr(&schedules),
            ))
            .add_block(
                Block::builder("statement")
                    .add_attribute(("sid", "PassSchedulerRoleToScheduler"))
                    .add_attribute(("actions", strings(["iam:PassRole"])))
                    .add_attribute(("resources", expr("[aws_iam_role.scheduler.arn]")))
                    .add_block(
                        Block::builder("condition")
                            .add_attribute(("test", "StringEquals"))
                            .add_attribute(("variable", "iam:PassedToService"))
                            .add_attribute(("values", strings(["scheduler.amazonaws.com"])))
                            .build(),
                    )
                    .build(),
            )
            .build()
            .into(),
        resource("aws_iam_role_policy", "defer")
            .add_attribute(("name", "defer"))
            .add_attribute(("role", expr("aws_iam_role.dispatch.id")))
            .add_attribute(("policy", expr("data.aws_iam_policy_document.defer.json")))
            .build()
            .into(),
        // For another service that defers runs of these tasks (a web backend, a queue
        // consumer): attach it to that service's role, and give it `defer_environment`.
        resource("aws_iam_policy", "deferrer")
            .add_attribute(("name", expr("\"${local.name}-deferrer\"")))
            .add_attribute((
                "description",
                "Defer runs of the application's tasks: one-time schedules in its schedule group",
            ))
            .add_attribute(("policy", expr("data.aws_iam_policy_document.defer.json")))
            .add_attribute(("tags", expr("var.tags")))
            .build()
            .into(),
    ]
}

/// The variables a deferring process reads (`schedule_runtime::environment::DEFER_*`), as
/// Terraform expressions. The function's own ARN is spelt out: the function cannot refer to
/// its own attributes.
pub(crate) fn variables() -> Vec<(&'static str, Expression)> {
    vec![
        (
            environment::DEFER_GROUP,
            expr("aws_scheduler_schedule_group.app.name"),
        ),
        (
            environment::DEFER_ROLE_ARN,
            expr("aws_iam_role.scheduler.arn"),
        ),
        (
            environment::DEFER_FUNCTION_ARN,
            expr(&format!(
                "\"arn:{PARTITION}:lambda:${{local.region}}:${{data.aws_caller_identity.current.account_id}}:function:${{local.name}}\""
            )),
        ),
        (
            environment::DEFER_DEAD_LETTER_ARN,
            expr("aws_sqs_queue.dead_letter.arn"),
        ),
    ]
}

/// `defer_environment`'s value: the same variables as an object.
pub(crate) fn environment_object() -> Expression {
    let mut object = Object::new();
    for (name, value) in variables() {
        object.insert(ObjectKey::from(hcl::Identifier::sanitized(name)), value);
    }
    Expression::Object(object)
}

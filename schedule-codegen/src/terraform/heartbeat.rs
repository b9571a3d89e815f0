//! `heartbeat.tf`, when a task declares `heartbeat`: each such task's ping URL as a
//! SecureString parameter of SSM Parameter Store, `/<name>/heartbeat/<task>`, which the
//! function reads on the task's first run (`schedule_runtime::heartbeat`).
//!
//! A ping URL is a credential. In the function's environment anyone allowed
//! `lambda:GetFunctionConfiguration` could read it, and every URL would add to the
//! environment's 4 KB; as parameters the URLs are encrypted with the account's
//! `alias/aws/ssm` key, the function may read exactly the parameters under its own prefix, and
//! the environment holds only that prefix, whatever the number of tasks. The values come from
//! the sensitive `heartbeat_urls` variable or from the generated monitors (`monitors/`), so
//! `terraform plan` and `show` print none of them.

use hcl::structure::Block;
use schedule_core::Monitor;
use schedule_runtime::environment;

use super::hcl::{Item, expr, resource, strings};
use super::iam::{PARTITION, statement};
use super::monitors;
use super::tasks::Task;

/// What the function may do with its parameters: read one, decrypted (the AWS managed key's
/// policy lets the account's principals decrypt through SSM without an IAM grant).
const READ_ACTIONS: &[&str] = &["ssm:GetParameter"];

/// The parameters' common prefix, as a Terraform expression.
const PREFIX: &str = "\"/${local.name}/heartbeat/\"";

pub(crate) fn items(tasks: &[Task<'_>], generated: &[Monitor]) -> Vec<Item> {
    let heartbeat_tasks = tasks
        .iter()
        .filter(|t| t.spec.heartbeat)
        .map(|t| t.spec.name);
    // A parameter needs a value: one exists where a URL is given, or where a generated check
    // gives one (a task enabled in this environment). Only whether a URL is given leaves the
    // sensitive variable, never the URL.
    let given = "nonsensitive(lookup(var.heartbeat_urls, task, \"\") != \"\")";
    let has_url = if generated.is_empty() {
        given.to_owned()
    } else {
        format!("contains(local.enabled_tasks, task) || {given}")
    };
    // The generated monitor's URL (only the task's vendor has one for it), else the given one.
    let value = if generated.is_empty() {
        "var.heartbeat_urls[each.key]".to_owned()
    } else {
        let urls: Vec<&str> = generated.iter().map(|v| monitors::ping_url(*v)).collect();
        format!("try({}, var.heartbeat_urls[each.key])", urls.join(", "))
    };
    vec![
        Block::builder("locals")
            .add_attribute(("heartbeat_tasks", strings(heartbeat_tasks)))
            .add_attribute(("heartbeat_parameters", expr(PREFIX)))
            .build()
            .into(),
        Item::new(
            resource("aws_ssm_parameter", "heartbeat")
                .add_attribute((
                    "for_each",
                    expr(&format!(
                        "toset([for task in local.heartbeat_tasks : task if {has_url}])"
                    )),
                ))
                .add_attribute((
                    "name",
                    expr("\"${local.heartbeat_parameters}${each.key}\""),
                ))
                .add_attribute((
                    "description",
                    expr("\"Ping URL of the monitor of task ${each.key}\""),
                ))
                .add_attribute(("type", "SecureString"))
                .add_attribute(("value", expr(&value)))
                .add_attribute(("tags", expr("var.tags")))
                .build(),
        )
        .skip(
            "CKV_AWS_337",
            "encrypted with the AWS managed key alias/aws/ssm; a customer managed key needs a key policy outside this module",
        ),
    ]
}

/// The function's variables: the parameters' prefix, and the vendor of tasks that name none.
pub(crate) fn variables(default: Monitor) -> [(&'static str, hcl::Expression); 2] {
    [
        (
            environment::HEARTBEAT_PARAMETERS,
            expr("local.heartbeat_parameters"),
        ),
        (environment::HEARTBEAT_MONITOR, default.as_str().into()),
    ]
}

/// The statement that lets the function read its parameters: every parameter under the
/// prefix, by one ARN pattern (a parameter's ARN drops its name's leading `/`).
pub(crate) fn read_statement() -> Block {
    statement(
        "HeartbeatUrls",
        READ_ACTIONS,
        expr(&format!(
            "[\"arn:{PARTITION}:ssm:${{local.region}}:${{data.aws_caller_identity.current.account_id}}:parameter${{local.heartbeat_parameters}}*\"]"
        )),
    )
}

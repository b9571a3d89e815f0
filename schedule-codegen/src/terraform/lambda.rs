//! `lambda.tf`: the dispatch function, its logs and role, and one alias per task.
//!
//! Lambda's asynchronous retry settings (how often a failed run is retried, how old an event may
//! get, where a final failure goes) exist per function or per alias, not per invocation. Each
//! task's schedule therefore targets an alias of its own that carries the task's `retries` and
//! `max_age`, all aliases pointing at the same published version, so one deploy moves every
//! task to the new code at once. Final failures go to the dead-letter queue, the same queue
//! Scheduler's delivery failures go to.

use hcl::expr::{Expression, Object, ObjectKey};
use hcl::structure::{Block, BlockBuilder};
use schedule_core::Monitor;
use schedule_core::limits::lambda;
use schedule_runtime::environment;
use schedule_runtime::idempotency::table;
use schedule_runtime::ledger::table as ledger_table;

use super::hcl::{Item, data, expr, resource, strings};
use super::iam::{condition, principals, statement};
use super::tasks::Task;

/// Every qualified ARN of the dispatch function (`function:<name>:<alias or version>`), and
/// not the unqualified one: what may invoke a task's alias, whatever the number of tasks. With
/// function groups, every group's function's too.
pub(crate) fn qualifiers(groups: bool) -> &'static str {
    if groups {
        "concat([\"${aws_lambda_function.dispatch.arn}:*\"], [for f in aws_lambda_function.group : \"${f.arn}:*\"])"
    } else {
        "[\"${aws_lambda_function.dispatch.arn}:*\"]"
    }
}

/// Seconds the function may run beyond its longest task: the idempotency claim before the run
/// and the final heartbeat ping after it (at most 3 s) happen inside the same invocation.
pub(crate) const RUN_MARGIN_SECONDS: u32 = 10;

/// The timeout of a function that runs tasks with these timeouts: the longest plus
/// [`RUN_MARGIN_SECONDS`], within Lambda's limit. A function with no task of its own (the
/// default function when every task names a group) still runs the missed-run check, and gets
/// the default task's.
pub(crate) fn timeout(task_timeouts: impl Iterator<Item = u32>) -> u32 {
    let longest = task_timeouts
        .max()
        .unwrap_or(schedule_core::limits::defaults::TIMEOUT_SECONDS);
    (longest + RUN_MARGIN_SECONDS).min(lambda::MAX_TIMEOUT_SECONDS)
}

/// `heartbeat` is the application's default vendor when some task declares `heartbeat`;
/// `secrets` are those of the tasks that run in the default function (all, without groups);
/// `groups` says whether some task names a function group (`functions.tf`).
pub(crate) fn items(
    tasks: &[Task<'_>],
    idempotent: bool,
    heartbeat: Option<Monitor>,
    defer: bool,
    secrets: &[&str],
    groups: bool,
) -> Vec<Item> {
    // The default function's own tasks: those that name no group. Its timeout and its grants
    // are theirs; the environment is the application's (every function reads the same).
    let own = || tasks.iter().filter(|t| t.spec.function.is_none());
    let timeout = timeout(own().map(|t| t.spec.timeout_seconds));
    let reads_heartbeats = own().any(|t| t.spec.heartbeat);
    let keeps_idempotency = own().any(|t| t.spec.idempotency.is_some());
    // A task's alias belongs to its function: the default one, or its group's.
    let (function_name, function_version) = if groups {
        (
            "local.function_names[each.value.function]",
            "local.function_versions[each.value.function]",
        )
    } else {
        (
            "aws_lambda_function.dispatch.function_name",
            "aws_lambda_function.dispatch.version",
        )
    };

    let mut permissions = vec![
        statement(
            "Logs",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            expr("[\"${aws_cloudwatch_log_group.dispatch.arn}:*\"]"),
        ),
        statement(
            "FailedRunsToDeadLetterQueue",
            &["sqs:SendMessage"],
            expr("[aws_sqs_queue.dead_letter.arn]"),
        ),
    ];
    permissions.push(statement(
        "LedgerRecords",
        ledger_table::DISPATCH_ACTIONS,
        expr("[aws_dynamodb_table.ledger.arn]"),
    ));
    if reads_heartbeats {
        permissions.push(super::heartbeat::read_statement());
    }
    if !secrets.is_empty() {
        permissions.extend(super::secrets::read_statements("\"\""));
    }
    if keeps_idempotency {
        permissions.push(statement(
            "IdempotencyRecords",
            table::ACTIONS,
            expr("[aws_dynamodb_table.idempotency.arn]"),
        ));
    }

    vec![
        Item::new(
            resource("aws_cloudwatch_log_group", "dispatch")
                .add_attribute(("name", expr("\"/aws/lambda/${local.name}\"")))
                .add_attribute(("retention_in_days", expr("var.log_retention_days")))
                .add_attribute(("tags", expr("var.tags")))
                .build(),
        )
        .skip(
            "CKV_AWS_158",
            "CloudWatch Logs encrypts every log group at rest; a customer managed key needs a key policy outside this module",
        ),
        data("aws_iam_policy_document", "dispatch_trust")
            .add_block(
                Block::builder("statement")
                    .add_attribute(("actions", strings(["sts:AssumeRole"])))
                    .add_block(principals("lambda.amazonaws.com"))
                    .add_block(condition(
                        "aws:SourceAccount",
                        "data.aws_caller_identity.current.account_id",
                    ))
                    .build(),
            )
            .build()
            .into(),
        resource("aws_iam_role", "dispatch")
            .add_attribute(("name", expr("\"${local.name}-dispatch\"")))
            .add_attribute((
                "assume_role_policy",
                expr("data.aws_iam_policy_document.dispatch_trust.json"),
            ))
            .add_attribute(("tags", expr("var.tags")))
            .build()
            .into(),
        data("aws_iam_policy_document", "dispatch")
            .add_blocks(permissions)
            .build()
            .into(),
        resource("aws_iam_role_policy", "dispatch")
            .add_attribute(("name", "dispatch"))
            .add_attribute(("role", expr("aws_iam_role.dispatch.id")))
            .add_attribute(("policy", expr("data.aws_iam_policy_document.dispatch.json")))
            .build()
            .into(),
        Item::new(function(timeout, idempotent, heartbeat, defer, secrets))
            .skip(
                "CKV_AWS_116",
                "failed runs go to the dead-letter queue through each alias's on-failure destination",
            )
            .skip("CKV_AWS_117", "the function calls only public AWS endpoints and monitors; a VPC adds cost and cold start")
            .skip("CKV_AWS_115", "scheduled tasks are bounded by their schedules; a reserved limit would throttle a burst of retries")
            .skip("CKV_AWS_173", "the environment holds names only (heartbeat URLs are SecureString parameters), encrypted at rest with the AWS managed key")
            .skip("CKV_AWS_272", "the zip is built by cargo lambda in the deploying pipeline; code signing is the user's choice")
            .skip("CKV_AWS_50", "tracing needs X-Ray permissions beyond least privilege; JSON logs carry a span per run"),
        resource("aws_lambda_alias", "task")
            .add_attribute(("for_each", expr("local.tasks")))
            .add_attribute(("name", expr("each.value.alias")))
            .add_attribute(("description", expr("\"Runs task ${each.key}\"")))
            .add_attribute(("function_name", expr(function_name)))
            .add_attribute(("function_version", expr(function_version)))
            .build()
            .into(),
        resource("aws_lambda_function_event_invoke_config", "task")
            .add_attribute(("for_each", expr("local.tasks")))
            .add_attribute(("function_name", expr(function_name)))
            .add_attribute(("qualifier", expr("aws_lambda_alias.task[each.key].name")))
            .add_attribute(("maximum_retry_attempts", expr("each.value.retries")))
            .add_attribute((
                "maximum_event_age_in_seconds",
                expr("each.value.max_age_seconds"),
            ))
            .add_block(
                Block::builder("destination_config")
                    .add_block(
                        Block::builder("on_failure")
                            .add_attribute(("destination", expr("aws_sqs_queue.dead_letter.arn")))
                            .build(),
                    )
                    .build(),
            )
            .build()
            .into(),
    ]
}

/// One variable of the function's environment, with the longest value it can take: the
/// environment's size is a quota (`quotas.rs`).
pub(crate) struct Variable {
    pub(crate) name: &'static str,
    pub(crate) value: Expression,
    pub(crate) longest: usize,
}

/// The function's environment: names and table names, never a secret, and nothing per task,
/// so its size does not grow with the application.
pub(crate) fn environment(
    idempotent: bool,
    heartbeat: Option<Monitor>,
    defer: bool,
    secrets: &[&str],
) -> Vec<Variable> {
    use super::names::{LONGEST_ARN_PREFIX, LONGEST_NAME};
    let variable = |name, value: &str, longest| Variable {
        name,
        value: expr(value),
        longest,
    };
    let mut variables = vec![
        variable(environment::DEPLOYMENT, "var.environment", 20),
        variable(
            environment::LEDGER_TABLE,
            "aws_dynamodb_table.ledger.name",
            LONGEST_NAME + ledger_table::TABLE_SUFFIX.len(),
        ),
        variable(
            environment::LEDGER_RETENTION_DAYS,
            "tostring(var.ledger_retention_days)",
            4,
        ),
    ];
    if idempotent {
        variables.push(variable(
            environment::IDEMPOTENCY_TABLE,
            "aws_dynamodb_table.idempotency.name",
            LONGEST_NAME + "-idempotency".len(),
        ));
    }
    if defer {
        for (name, value) in super::defer::variables() {
            variables.push(Variable {
                name,
                value,
                // A role, function or queue ARN ending in the name and a short suffix.
                longest: LONGEST_ARN_PREFIX
                    + "function:".len()
                    + LONGEST_NAME
                    + "-dead-letter".len(),
            });
        }
    }
    if let Some(default) = heartbeat {
        // The URLs' prefix, not the URLs: they are secrets (`heartbeat.tf`).
        let [(prefix, prefix_value), (monitor, monitor_value)] =
            super::heartbeat::variables(default);
        variables.push(Variable {
            name: prefix,
            value: prefix_value,
            longest: "/".len() + LONGEST_NAME + "/heartbeat/".len(),
        });
        variables.push(Variable {
            name: monitor,
            value: monitor_value,
            longest: Monitor::ALL
                .iter()
                .map(|m| m.as_str().len())
                .max()
                .unwrap_or(0),
        });
    }
    if !secrets.is_empty() {
        // `{"<name>":"<place>",...}`: a place is a parameter made here or an ARN given.
        let (name, value) = super::secrets::variable_value("\"\"");
        let made = "/".len() + LONGEST_NAME + "/secrets/".len();
        variables.push(Variable {
            name,
            value,
            longest: 2 + secrets
                .iter()
                .map(|secret| {
                    r#""":"","#.len()
                        + secret.len()
                        + (made + secret.len()).max(super::secrets::LONGEST_ARN)
                })
                .sum::<usize>(),
        });
    }
    variables
}

/// What differs between the default function and a group's; [`Function::attributes`] and
/// [`logging`] write what both are.
pub(crate) struct Function {
    pub(crate) name: Expression,
    pub(crate) description: Expression,
    /// The role's ARN.
    pub(crate) role: &'static str,
    /// The zip's path.
    pub(crate) zip: &'static str,
    pub(crate) architecture: &'static str,
    pub(crate) memory_size: &'static str,
    pub(crate) timeout: Expression,
}

impl Function {
    /// The attributes every function of the module has, in the module's order: its name and
    /// role, the custom runtime running the zip's `bootstrap`, the zip's hash (a new build is a
    /// new version), its architecture, memory and timeout.
    pub(crate) fn attributes(self, function: BlockBuilder) -> BlockBuilder {
        function
            .add_attribute(("function_name", self.name))
            .add_attribute(("description", self.description))
            .add_attribute(("role", expr(self.role)))
            .add_attribute(("runtime", "provided.al2023"))
            .add_attribute(("handler", "bootstrap"))
            .add_attribute(("filename", expr(self.zip)))
            .add_attribute((
                "source_code_hash",
                expr(&format!("filebase64sha256({})", self.zip)),
            ))
            .add_attribute(("architectures", expr(&format!("[{}]", self.architecture))))
            .add_attribute(("memory_size", expr(self.memory_size)))
            .add_attribute(("timeout", self.timeout))
    }
}

/// A function's `logging_config`: JSON lines into `log_group`, the application's log level,
/// Lambda's own lines from warnings up.
pub(crate) fn logging(log_group: &str) -> Block {
    Block::builder("logging_config")
        .add_attribute(("log_format", "JSON"))
        .add_attribute(("log_group", expr(log_group)))
        .add_attribute(("application_log_level", expr("var.log_level")))
        .add_attribute(("system_log_level", "WARN"))
        .build()
}

fn function(
    timeout: u32,
    idempotent: bool,
    heartbeat: Option<Monitor>,
    defer: bool,
    secrets: &[&str],
) -> Block {
    let mut variables = Object::new();
    for variable in environment(idempotent, heartbeat, defer, secrets) {
        variables.insert(
            ObjectKey::from(hcl::Identifier::sanitized(variable.name)),
            variable.value,
        );
    }
    let default = Function {
        name: expr("local.name"),
        description: "Runs the scheduled tasks of the application".into(),
        role: "aws_iam_role.dispatch.arn",
        zip: "local.lambda_zip",
        architecture: "var.architecture",
        memory_size: "var.memory_size",
        timeout: timeout.into(),
    };
    default
        .attributes(resource("aws_lambda_function", "dispatch"))
        // Aliases point at a published version: a deploy switches every task at once.
        .add_attribute(("publish", true))
        .add_block(logging("aws_cloudwatch_log_group.dispatch.name"))
        .add_block(
            Block::builder("environment")
                .add_attribute(("variables", Expression::Object(variables)))
                .build(),
        )
        .add_attribute(("tags", expr("var.tags")))
        // The role must be able to write logs and reach the queue before the first run.
        .add_attribute(("depends_on", expr("[aws_iam_role_policy.dispatch]")))
        .build()
}

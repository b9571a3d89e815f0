//! `functions.tf`, when a task declares `function = "<group>"`: one Lambda function per function
//! group, built from the same zip as the default function, each with its own role, log group,
//! memory, timeout, ephemeral storage, reserved concurrency, environment variables,
//! permissions and network. Least privilege per group: a group's role holds the framework's
//! own statements for what its tasks use (the ledger, the queue, their heartbeats, their
//! idempotency records, their secrets) and exactly what `var.functions` adds for it, nothing
//! any other group is given. A group's function runs only its group's tasks
//! (`SCHEDULE_FUNCTION_GROUP`; the dispatcher refuses others as `WrongFunction`).
//!
//! What is fixed by the code comes from the tasks: the timeout (the group's longest task's,
//! plus the run's margin), the secrets and which framework grants it needs. What depends on
//! the deployment comes from the `functions` variable, checked at `plan` against the limits
//! AWS documents (each cited beside its check). Without groups this file does not exist and
//! the module is what it was.

use hcl::expr::{Expression, Object, ObjectKey};
use hcl::structure::Block;
use schedule_core::Monitor;
use schedule_runtime::environment;
use schedule_runtime::idempotency::table;
use schedule_runtime::ledger::table as ledger_table;

use super::hcl::{Item, data, expr, resource, strings, validation, variable};
use super::iam::statement;
use super::lambda::{self, RUN_MARGIN_SECONDS};
use super::tasks::Task;

/// One function group, as its tasks fix it.
pub(crate) struct Group<'a> {
    pub(crate) name: &'a str,
    /// The function's timeout: its longest task's plus [`RUN_MARGIN_SECONDS`], within Lambda's 15
    /// minutes.
    pub(crate) timeout: u32,
    pub(crate) idempotent: bool,
    pub(crate) heartbeat: bool,
    /// The secrets its tasks declare, sorted, each once.
    pub(crate) secrets: Vec<&'a str>,
}

/// The groups the tasks declare, by name.
pub(crate) fn groups<'a>(tasks: &[Task<'a>]) -> Vec<Group<'a>> {
    let mut names: Vec<&str> = tasks.iter().filter_map(|t| t.spec.function).collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let members: Vec<&Task<'a>> = tasks
                .iter()
                .filter(|t| t.spec.function == Some(name))
                .collect();
            let mut secrets: Vec<&str> = members
                .iter()
                .flat_map(|t| t.spec.secrets.iter().copied())
                .collect();
            secrets.sort_unstable();
            secrets.dedup();
            Group {
                name,
                timeout: lambda::timeout(members.iter().map(|t| t.spec.timeout_seconds)),
                idempotent: members.iter().any(|t| t.spec.idempotency.is_some()),
                heartbeat: members.iter().any(|t| t.spec.heartbeat),
                secrets,
            }
        })
        .collect()
}

/// Lambda's limits on what `var.functions` sets, from the `CreateFunction` API reference
/// (<https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html>: `MemorySize`
/// 128-10240, `EphemeralStorage.Size` 512-10240, `VpcConfig` up to 16 subnets and 5 security
/// groups), `PutFunctionConcurrency` (`ReservedConcurrentExecutions` 0 or more; the provider's
/// -1 removes the reservation) and the IAM quotas
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>: 10 managed
/// policies per role by default, 10,240 characters of inline policies per role).
const MAX_SUBNETS: usize = 16;
const MAX_SECURITY_GROUPS: usize = 5;
const MANAGED_POLICIES_PER_ROLE: usize = 10;
const ROLE_INLINE_POLICY_CHARS: usize = 10_240;

/// What the framework's own statements in a group's policy can take of the role's inline
/// quota, at most: seven statements with the longest ARNs the module makes, and every secret's.
const FRAMEWORK_POLICY_CHARS: usize = 3_000;

/// Variables Lambda reserves (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html>,
/// "Defined runtime environment variables") besides those starting with `AWS_`.
const LAMBDA_RESERVED: &[&str] = &[
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
    "TZ",
];

/// Every Lambda action a function needs to create, describe and delete its network interfaces
/// in a VPC: the statement of AWS's managed policy `AWSLambdaVPCAccessExecutionRole` (v3)
/// without its logs actions (the group's own statement grants those on its log group).
/// `DescribeNetworkInterfaces` works only on `*`, so the statement names `*`.
const VPC_ACTIONS: &[&str] = &[
    "ec2:AssignPrivateIpAddresses",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:UnassignPrivateIpAddresses",
];

/// One setting of a group in `var.functions`: its type inside the object, and the value a
/// group without it gets.
struct Setting {
    name: &'static str,
    kind: &'static str,
    /// The value when the group or the setting is not given, as a Terraform expression.
    default: &'static str,
}

const SETTINGS: &[Setting] = &[
    Setting {
        name: "memory_size",
        kind: "optional(number)",
        default: "128",
    },
    Setting {
        name: "ephemeral_storage",
        kind: "optional(number)",
        default: "512",
    },
    Setting {
        name: "reserved_concurrency",
        kind: "optional(number)",
        default: "-1",
    },
    Setting {
        name: "architecture",
        kind: "optional(string)",
        default: "var.architecture",
    },
    Setting {
        name: "lambda_zip",
        kind: "optional(string)",
        default: "local.lambda_zip",
    },
    Setting {
        name: "environment",
        kind: "optional(map(string))",
        default: "{}",
    },
    Setting {
        name: "policy_statements",
        kind: "optional(list(object({ sid = optional(string), effect = optional(string), actions = list(string), resources = list(string) })))",
        default: "[]",
    },
    Setting {
        name: "managed_policy_arns",
        kind: "optional(list(string))",
        default: "[]",
    },
    Setting {
        name: "subnet_ids",
        kind: "optional(list(string))",
        default: "[]",
    },
    Setting {
        name: "security_group_ids",
        kind: "optional(list(string))",
        default: "[]",
    },
];

/// The `functions` and `dynamodb_endpoint` variables; `user_environment` is what Lambda's
/// environment quota leaves a group's own variables beside the framework's (`quotas.rs`).
pub(crate) fn variables(groups: &[Group<'_>], user_environment: usize) -> Vec<Item> {
    let names: Vec<&str> = groups.iter().map(|g| g.name).collect();
    let known = quoted_list(&names);
    let kind = format!(
        "map(object({{ {} }}))",
        SETTINGS
            .iter()
            .map(|s| format!("{} = {}", s.name, s.kind))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let each = |condition: &str| format!("alltrue([for group, f in var.functions : {condition}])");
    let user_policy = ROLE_INLINE_POLICY_CHARS - FRAMEWORK_POLICY_CHARS;
    let reserved = quoted_list(LAMBDA_RESERVED);
    vec![
        variable(
            "functions",
            &format!(
                "Settings of each function group the tasks declare ({}), by group; a group not listed gets the defaults. memory_size (MB, default 128), ephemeral_storage (MB of /tmp, default 512), reserved_concurrency (default -1: none reserved), architecture and lambda_zip (default: those of the default function; a group on another architecture needs a zip built for it), environment (plain variables; never a secret: declare `secrets` instead), policy_statements (IAM statements added to the group's role: actions and resources, effect Allow unless given), managed_policy_arns, subnet_ids and security_group_ids (run the group in a VPC). The timeout is the group's longest task's plus {RUN_MARGIN_SECONDS} s.",
                names.join(", ")
            ),
            &kind,
        )
        .add_attribute(("default", Expression::Object(Object::new())))
        .add_block(validation(
            &format!("alltrue([for group in keys(var.functions) : contains({known}, group)])"),
            &format!("The tasks declare only these function groups: {}.", names.join(", ")),
        ))
        .add_block(validation(
            &each("coalesce(f.memory_size, 128) >= 128 && coalesce(f.memory_size, 128) <= 10240 && floor(coalesce(f.memory_size, 128)) == coalesce(f.memory_size, 128)"),
            "A function's memory_size is a whole number of MB from 128 to 10240 (Lambda's MemorySize).",
        ))
        .add_block(validation(
            &each("coalesce(f.ephemeral_storage, 512) >= 512 && coalesce(f.ephemeral_storage, 512) <= 10240 && floor(coalesce(f.ephemeral_storage, 512)) == coalesce(f.ephemeral_storage, 512)"),
            "A function's ephemeral_storage is a whole number of MB from 512 to 10240 (Lambda's EphemeralStorage).",
        ))
        .add_block(validation(
            &each("coalesce(f.reserved_concurrency, -1) >= -1 && floor(coalesce(f.reserved_concurrency, -1)) == coalesce(f.reserved_concurrency, -1)"),
            "A function's reserved_concurrency is -1 (none reserved) or a whole number from 0 (0 stops the group's runs).",
        ))
        .add_block(validation(
            &each("contains([\"x86_64\", \"arm64\"], coalesce(f.architecture, \"x86_64\"))"),
            "A function's architecture is x86_64 or arm64.",
        ))
        .add_block(validation(
            &each(&format!("alltrue([for name in keys(coalesce(f.environment, {{}})) : can(regex(\"^[A-Za-z][A-Za-z0-9_]*$\", name)) && !startswith(name, \"SCHEDULE_\") && !startswith(name, \"AWS_\") && !contains({reserved}, name)])")),
            &format!(
                "An environment variable's name is a letter, then letters, digits and _; the framework reserves names starting with SCHEDULE_, Lambda those starting with AWS_ and {}.",
                LAMBDA_RESERVED.join(", ")
            ),
        ))
        .add_block(validation(
            &each(&format!("length(join(\"\", concat(keys(coalesce(f.environment, {{}})), values(coalesce(f.environment, {{}}))))) <= {user_environment}")),
            &format!(
                "A function's environment variables take at most {user_environment} bytes, names and values together: Lambda allows 4 KB, and the framework's own take the rest."
            ),
        ))
        .add_block(validation(
            &each("alltrue([for s in coalesce(f.policy_statements, []) : length(s.actions) > 0 && length(s.resources) > 0 && contains([\"Allow\", \"Deny\"], coalesce(s.effect, \"Allow\"))])"),
            "Each policy statement names at least one action and one resource, and its effect is Allow (the default) or Deny.",
        ))
        .add_block(validation(
            &each(&format!("length(jsonencode(coalesce(f.policy_statements, []))) <= {user_policy}")),
            &format!(
                "A function's policy_statements take at most {user_policy} characters as JSON: IAM allows a role {ROLE_INLINE_POLICY_CHARS} characters of inline policies, and the framework's statements take the rest. Attach a managed policy (managed_policy_arns) for more."
            ),
        ))
        .add_block(validation(
            &each(&format!("length(coalesce(f.managed_policy_arns, [])) <= {MANAGED_POLICIES_PER_ROLE} && alltrue([for arn in coalesce(f.managed_policy_arns, []) : can(regex(\"^arn:[a-z-]+:iam::(aws|[0-9]{{12}}):policy/.+$\", arn))])")),
            &format!(
                "managed_policy_arns holds at most {MANAGED_POLICIES_PER_ROLE} policy ARNs (IAM's default quota of managed policies per role), each arn:<partition>:iam::<account or aws>:policy/<name>."
            ),
        ))
        .add_block(validation(
            &each(&format!("(length(coalesce(f.subnet_ids, [])) == 0) == (length(coalesce(f.security_group_ids, [])) == 0) && length(coalesce(f.subnet_ids, [])) <= {MAX_SUBNETS} && length(coalesce(f.security_group_ids, [])) <= {MAX_SECURITY_GROUPS}")),
            &format!(
                "A function in a VPC needs both subnet_ids (1 to {MAX_SUBNETS}) and security_group_ids (1 to {MAX_SECURITY_GROUPS}); give neither to run it outside."
            ),
        ))
        .build()
        .into(),
        variable(
            "dynamodb_endpoint",
            "A DynamoDB gateway endpoint for the VPC the groups run in, so that they reach the ledger and the idempotency table without a NAT: the VPC and the route tables of the groups' subnets. Null: none (the VPC has one already, or a NAT).",
            "object({ vpc_id = string, route_table_ids = list(string) })",
        )
        .add_attribute(("default", Expression::Null))
        .build()
        .into(),
    ]
}

/// `functions.tf`.
pub(crate) fn items(
    groups: &[Group<'_>],
    idempotent: bool,
    heartbeat: Option<Monitor>,
    defer: bool,
    secrets: bool,
) -> Vec<Item> {
    let mut fixed = Object::new();
    for group in groups {
        let mut row = Object::new();
        put(&mut row, "timeout", group.timeout.into());
        put(&mut row, "idempotent", group.idempotent.into());
        put(&mut row, "heartbeat", group.heartbeat.into());
        put(&mut row, "secrets", strings(group.secrets.iter().copied()));
        fixed.insert(
            ObjectKey::Expression(group.name.into()),
            Expression::Object(row),
        );
    }
    let mut defaults = Object::new();
    for setting in SETTINGS {
        put(&mut defaults, setting.name, expr(setting.default));
    }
    let mut items = vec![
        Block::builder("locals")
            // What the tasks fix for each group: the timeout, what the framework grants.
            .add_attribute(("function_groups", Expression::Object(fixed)))
            // What a group gets for a setting var.functions does not give it.
            .add_attribute(("function_defaults", Expression::Object(defaults)))
            // Each group's settings: the defaults, what var.functions gives, what the tasks fix.
            .add_attribute((
                "functions",
                expr("{ for group, fixed in local.function_groups : group => merge(local.function_defaults, { for setting, value in try(var.functions[group], {}) : setting => value if value != null }, fixed) }"),
            ))
            // Each function a task can run in, by group ("" is the default function).
            .add_attribute((
                "function_names",
                expr("merge({ \"\" = aws_lambda_function.dispatch.function_name }, { for group, f in aws_lambda_function.group : group => f.function_name })"),
            ))
            .add_attribute((
                "function_versions",
                expr("merge({ \"\" = aws_lambda_function.dispatch.version }, { for group, f in aws_lambda_function.group : group => f.version })"),
            ))
            .build()
            .into(),
        Item::new(
            resource("aws_cloudwatch_log_group", "group")
                .add_attribute(("for_each", expr("local.function_groups")))
                .add_attribute(("name", expr("\"/aws/lambda/${local.name}-${each.key}\"")))
                .add_attribute(("retention_in_days", expr("var.log_retention_days")))
                .add_attribute(("tags", expr("var.tags")))
                .build(),
        )
        .skip(
            "CKV_AWS_158",
            "CloudWatch Logs encrypts every log group at rest; a customer managed key needs a key policy outside this module",
        ),
        resource("aws_iam_role", "group")
            .add_attribute(("for_each", expr("local.function_groups")))
            .add_attribute(("name", expr("\"${local.name}-${each.key}\"")))
            .add_attribute((
                "assume_role_policy",
                expr("data.aws_iam_policy_document.dispatch_trust.json"),
            ))
            .add_attribute(("tags", expr("var.tags")))
            .build()
            .into(),
        Item::new(policy_document(idempotent, heartbeat.is_some(), secrets))
            .skip("CKV_AWS_111", "the VPC statement is AWSLambdaVPCAccessExecutionRole's, present only for a group in a VPC; ec2:DescribeNetworkInterfaces works only on *")
            .skip("CKV_AWS_356", "the VPC statement is AWSLambdaVPCAccessExecutionRole's, present only for a group in a VPC; ec2:DescribeNetworkInterfaces works only on *"),
        resource("aws_iam_role_policy", "group")
            .add_attribute(("for_each", expr("local.function_groups")))
            .add_attribute(("name", "dispatch"))
            .add_attribute(("role", expr("aws_iam_role.group[each.key].id")))
            .add_attribute(("policy", expr("data.aws_iam_policy_document.group[each.key].json")))
            .build()
            .into(),
        resource("aws_iam_role_policy_attachment", "group")
            .add_attribute((
                "for_each",
                expr("{ for pair in flatten([for group, f in local.functions : [for arn in f.managed_policy_arns : { group = group, arn = arn }]]) : \"${pair.group} ${pair.arn}\" => pair }"),
            ))
            .add_attribute(("role", expr("aws_iam_role.group[each.value.group].name")))
            .add_attribute(("policy_arn", expr("each.value.arn")))
            .build()
            .into(),
        Item::new(function(idempotent, heartbeat, defer, secrets))
            .skip("CKV_AWS_116", "failed runs go to the dead-letter queue through each alias's on-failure destination")
            .skip("CKV_AWS_117", "a group runs in a VPC when var.functions gives it subnets and security groups")
            .skip("CKV_AWS_115", "var.functions sets a group's reserved concurrency; none by default")
            .skip("CKV_AWS_173", "the environment holds names and the plain variables var.functions gives (secrets are parameters), encrypted at rest with the AWS managed key")
            .skip("CKV_AWS_272", "the zip is built by cargo lambda in the deploying pipeline; code signing is the user's choice")
            .skip("CKV_AWS_50", "tracing needs X-Ray permissions beyond least privilege; JSON logs carry a span per run"),
        resource("aws_vpc_endpoint", "dynamodb")
            .add_attribute(("count", expr("var.dynamodb_endpoint == null ? 0 : 1")))
            .add_attribute(("vpc_id", expr("var.dynamodb_endpoint.vpc_id")))
            .add_attribute(("service_name", expr("\"com.amazonaws.${local.region}.dynamodb\"")))
            .add_attribute(("vpc_endpoint_type", "Gateway"))
            .add_attribute(("route_table_ids", expr("var.dynamodb_endpoint.route_table_ids")))
            .add_attribute(("tags", expr("var.tags")))
            .build()
            .into(),
    ];
    if defer {
        items.push(
            resource("aws_iam_role_policy", "group_defer")
                .add_attribute(("for_each", expr("local.function_groups")))
                .add_attribute(("name", "defer"))
                .add_attribute(("role", expr("aws_iam_role.group[each.key].id")))
                .add_attribute(("policy", expr("data.aws_iam_policy_document.defer.json")))
                .build()
                .into(),
        );
    }
    items
}

/// A group's policy: the framework's statements for what its tasks use, then
/// `var.functions`' own.
fn policy_document(idempotent: bool, heartbeat: bool, secrets: bool) -> Block {
    let mut document = data("aws_iam_policy_document", "group")
        .add_attribute(("for_each", expr("local.functions")))
        .add_block(statement(
            "Logs",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            expr("[\"${aws_cloudwatch_log_group.group[each.key].arn}:*\"]"),
        ))
        .add_block(statement(
            "FailedRunsToDeadLetterQueue",
            &["sqs:SendMessage"],
            expr("[aws_sqs_queue.dead_letter.arn]"),
        ))
        .add_block(statement(
            "LedgerRecords",
            ledger_table::DISPATCH_ACTIONS,
            expr("[aws_dynamodb_table.ledger.arn]"),
        ))
        .add_block(only_if(
            "length(each.value.subnet_ids) > 0",
            statement("NetworkInterfaces", VPC_ACTIONS, expr("[\"*\"]")),
        ));
    // Only what the application has can be named: a group's flags then choose.
    if heartbeat {
        document = document.add_block(only_if(
            "each.value.heartbeat",
            super::heartbeat::read_statement(),
        ));
    }
    if idempotent {
        document = document.add_block(only_if(
            "each.value.idempotent",
            statement(
                "IdempotencyRecords",
                table::ACTIONS,
                expr("[aws_dynamodb_table.idempotency.arn]"),
            ),
        ));
    }
    if secrets {
        document = document.add_blocks(super::secrets::read_statements("each.key"));
    }
    document
        .add_block(
            Block::builder("dynamic")
                .add_label("statement")
                .add_attribute(("for_each", expr("each.value.policy_statements")))
                .add_block(
                    Block::builder("content")
                        .add_attribute(("sid", expr("statement.value.sid")))
                        .add_attribute((
                            "effect",
                            expr("coalesce(statement.value.effect, \"Allow\")"),
                        ))
                        .add_attribute(("actions", expr("statement.value.actions")))
                        .add_attribute(("resources", expr("statement.value.resources")))
                        .build(),
                )
                .build(),
        )
        .build()
}

/// `statement` as a dynamic block present only when `condition` holds.
fn only_if(condition: &str, statement: Block) -> Block {
    Block::builder("dynamic")
        .add_label("statement")
        .add_attribute(("for_each", expr(&format!("{condition} ? [1] : []"))))
        .add_block(Block {
            identifier: hcl::Identifier::sanitized("content"),
            labels: Vec::new(),
            body: statement.body,
        })
        .build()
}

fn function(idempotent: bool, heartbeat: Option<Monitor>, defer: bool, secrets: bool) -> Block {
    let mut framework = Object::new();
    for variable in lambda::environment(idempotent, heartbeat, defer, &[]) {
        put(&mut framework, variable.name, variable.value);
    }
    put(
        &mut framework,
        environment::FUNCTION_GROUP,
        expr("each.key"),
    );
    // The user's variables first: the validation keeps them off the framework's names.
    let mut variables = hcl::expr::FuncCall::builder("merge")
        .arg(expr("each.value.environment"))
        .arg(Expression::Object(framework));
    if secrets {
        let (name, value) = super::secrets::variable_value("each.key");
        variables = variables.arg(expr(&format!(
            "{{ for name, value in {{ {name} = {} }} : name => value if length(each.value.secrets) > 0 }}",
            value_text(&value)
        )));
    }
    let variables = Expression::from(variables.build());
    let group = lambda::Function {
        name: expr("\"${local.name}-${each.key}\""),
        description: expr("\"Runs the scheduled tasks of function group ${each.key}\""),
        role: "aws_iam_role.group[each.key].arn",
        zip: "each.value.lambda_zip",
        architecture: "each.value.architecture",
        memory_size: "each.value.memory_size",
        timeout: expr("each.value.timeout"),
    };
    group
        .attributes(
            resource("aws_lambda_function", "group")
                .add_attribute(("for_each", expr("local.functions"))),
        )
        .add_attribute((
            "reserved_concurrent_executions",
            expr("each.value.reserved_concurrency"),
        ))
        .add_attribute(("publish", true))
        .add_block(
            Block::builder("ephemeral_storage")
                .add_attribute(("size", expr("each.value.ephemeral_storage")))
                .build(),
        )
        .add_block(lambda::logging(
            "aws_cloudwatch_log_group.group[each.key].name",
        ))
        .add_block(
            Block::builder("dynamic")
                .add_label("vpc_config")
                .add_attribute((
                    "for_each",
                    expr("length(each.value.subnet_ids) > 0 ? [each.value] : []"),
                ))
                .add_block(
                    Block::builder("content")
                        .add_attribute(("subnet_ids", expr("vpc_config.value.subnet_ids")))
                        .add_attribute((
                            "security_group_ids",
                            expr("vpc_config.value.security_group_ids"),
                        ))
                        .build(),
                )
                .build(),
        )
        .add_block(
            Block::builder("environment")
                .add_attribute(("variables", variables))
                .build(),
        )
        .add_attribute(("tags", expr("var.tags")))
        .add_attribute((
            "depends_on",
            expr("[aws_iam_role_policy.group, aws_iam_role_policy_attachment.group]"),
        ))
        .build()
}

/// The `function_groups` output.
pub(crate) fn output() -> Item {
    Block::builder("output")
        .add_label("function_groups")
        .add_attribute((
            "description",
            "Each function group's function and role, by group: attach more to a role here, or read what a group holds.",
        ))
        .add_attribute((
            "value",
            expr("{ for group, f in aws_lambda_function.group : group => { function_name = f.function_name, function_arn = f.arn, role_name = aws_iam_role.group[group].name, role_arn = aws_iam_role.group[group].arn } }"),
        ))
        .build()
        .into()
}

/// An expression as Terraform text.
fn value_text(value: &Expression) -> String {
    // Formatting an expression built in memory cannot fail.
    hcl::format::to_string(value).unwrap_or_default()
}

fn put(object: &mut Object<ObjectKey, Expression>, key: &str, value: Expression) {
    object.insert(ObjectKey::from(hcl::Identifier::sanitized(key)), value);
}

fn quoted_list(names: &[&str]) -> String {
    format!(
        "[{}]",
        names
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

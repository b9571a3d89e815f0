//! `secrets.tf`, when a task declares `secrets = [...]`: where each declared secret is, and
//! what the function may read of them (`schedule_runtime::secret`).
//!
//! A secret is either given as a value, in the sensitive `secrets` variable, which the module
//! keeps as a SecureString parameter `/<name>/secrets/<secret>` (encrypted with the account's
//! `alias/aws/ssm` key), or it exists already and the `secret_arns` variable names it: a
//! Parameter Store parameter's or a Secrets Manager secret's ARN. The function's environment
//! holds only the places (`SCHEDULE_SECRETS`, names and ARNs), and its role may read exactly
//! those: no prefix pattern, no `*`. Every declared secret needs one or the other, refused at
//! plan time by the `secrets` output's precondition, so a deployment never starts with a task
//! that cannot read its key.

use hcl::expr::Expression;
use hcl::structure::Block;
use schedule_runtime::environment;

use super::hcl::{Item, expr, resource, strings, validation, variable};
use super::tasks::Task;

/// An ARN `secret_arns` may hold: a parameter's or a Secrets Manager secret's.
const ARN_PATTERN: &str = "^arn:[a-z-]+:(ssm:[a-z0-9-]+:[0-9]{12}:parameter/|secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:).+$";

/// The longest ARN `secret_arns` takes, so that the function's environment has a bound
/// (`quotas.rs`): a parameter or secret name of about 180 characters.
pub(crate) const LONGEST_ARN: usize = 256;

/// The secrets the tasks declare, sorted, each once.
pub(crate) fn declared<'a: 'b, 'b>(tasks: impl IntoIterator<Item = &'b Task<'a>>) -> Vec<&'a str> {
    let mut names: Vec<&str> = tasks
        .into_iter()
        .flat_map(|t| t.spec.secrets.iter().copied())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// `by_function`: each function's secrets, `""` for the default function's and a group's name
/// for its own (an empty list for a function whose tasks declare none).
pub(crate) fn items(declared: &[&str], by_function: &[(&str, Vec<&str>)]) -> Vec<Item> {
    let listed = declared.join(", ");
    let mut functions = hcl::Object::new();
    for (function, names) in by_function {
        functions.insert(
            hcl::ObjectKey::Expression((*function).into()),
            strings(names.iter().copied()),
        );
    }
    vec![
        Block::builder("locals")
            .add_attribute(("secrets", strings(declared.iter().copied())))
            // Where each is: the parameter made here, or the ARN given.
            .add_attribute((
                "secret_places",
                expr("merge({ for name, parameter in aws_ssm_parameter.secret : name => parameter.name }, var.secret_arns)"),
            ))
            // The secrets each function's tasks read ("" is the default function).
            .add_attribute(("function_secrets", Expression::Object(functions)))
            // Each function's variable: where its secrets are (a secret given neither way is
            // refused by the `secrets` output's precondition, not by an index error here).
            .add_attribute((
                "function_secret_places",
                expr("{ for function, names in local.function_secrets : function => { for name in names : name => lookup(local.secret_places, name, \"\") } }"),
            ))
            // What each function may read, by service.
            .add_attribute((
                "secret_parameter_arns",
                expr("{ for function, names in local.function_secrets : function => concat([for name in names : aws_ssm_parameter.secret[name].arn if contains(keys(aws_ssm_parameter.secret), name)], [for name in names : var.secret_arns[name] if contains(keys(var.secret_arns), name) && split(\":\", lookup(var.secret_arns, name, \"::\"))[2] == \"ssm\"]) }"),
            ))
            .add_attribute((
                "secret_manager_arns",
                expr("{ for function, names in local.function_secrets : function => [for name in names : var.secret_arns[name] if contains(keys(var.secret_arns), name) && split(\":\", lookup(var.secret_arns, name, \"::\"))[2] == \"secretsmanager\"] }"),
            ))
            .build()
            .into(),
        Item::new(
            resource("aws_ssm_parameter", "secret")
                .add_attribute((
                    "for_each",
                    expr("toset([for name in local.secrets : name if contains(nonsensitive(keys(var.secrets)), name)])"),
                ))
                .add_attribute(("name", expr("\"/${local.name}/secrets/${each.key}\"")))
                .add_attribute((
                    "description",
                    expr("\"Secret ${each.key} of the scheduled tasks\""),
                ))
                .add_attribute(("type", "SecureString"))
                .add_attribute(("value", expr("var.secrets[each.key]")))
                .add_attribute(("tags", expr("var.tags")))
                .build(),
        )
        .skip(
            "CKV_AWS_337",
            "encrypted with the AWS managed key alias/aws/ssm; a customer managed key needs a key policy outside this module",
        ),
        Block::builder("output")
            .add_label("secrets")
            .add_attribute((
                "description",
                "Where each secret the tasks declare is: the parameter the module made, or the ARN given.",
            ))
            .add_attribute(("value", expr("local.secret_places")))
            .add_block(precondition(
                "length(setsubtract(toset(local.secrets), keys(local.secret_places))) == 0",
                &format!(
                    "Every secret the tasks declare ({listed}) needs a value in var.secrets or an existing parameter's or secret's ARN in var.secret_arns."
                ),
            ))
            .add_block(precondition(
                "length(setintersection(nonsensitive(toset(keys(var.secrets))), toset(keys(var.secret_arns)))) == 0",
                "A secret is given once: its value in var.secrets or its ARN in var.secret_arns, not both.",
            ))
            .build()
            .into(),
    ]
}

fn precondition(condition: &str, message: &str) -> Block {
    Block::builder("precondition")
        .add_attribute(("condition", expr(condition)))
        .add_attribute(("error_message", message))
        .build()
}

/// `secrets` and `secret_arns`.
pub(crate) fn variables(declared: &[&str]) -> Vec<Item> {
    let known = format!(
        "[{}]",
        declared
            .iter()
            .map(|name| format!("\"{name}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let only = format!(
        "The tasks declare only these secrets: {}.",
        declared.join(", ")
    );
    vec![
        variable(
            "secrets",
            "Values of the secrets the tasks declare, by name, kept as SecureString parameters the function may read; a secret that exists already goes in secret_arns instead.",
            "map(string)",
        )
        .add_attribute(("default", Expression::Object(hcl::Object::new())))
        .add_attribute(("sensitive", true))
        .add_block(validation(
            &format!("alltrue([for name in nonsensitive(keys(var.secrets)) : contains({known}, name)])"),
            &only,
        ))
        .build()
        .into(),
        variable(
            "secret_arns",
            "Secrets the tasks declare that exist already, by name: a Parameter Store parameter's ARN (a SecureString; one encrypted with a customer managed key also needs kms:Decrypt for the function's role) or a Secrets Manager secret's ARN.",
            "map(string)",
        )
        .add_attribute(("default", Expression::Object(hcl::Object::new())))
        .add_block(validation(
            &format!("alltrue([for name in keys(var.secret_arns) : contains({known}, name)])"),
            &only,
        ))
        .add_block(validation(
            &format!(
                "alltrue([for arn in values(var.secret_arns) : can(regex(\"{ARN_PATTERN}\", arn)) && length(arn) <= {LONGEST_ARN}])"
            ),
            &format!(
                "Each value is the ARN of a parameter (arn:aws:ssm:<region>:<account>:parameter/...) or of a Secrets Manager secret (arn:aws:secretsmanager:<region>:<account>:secret:...), at most {LONGEST_ARN} characters."
            ),
        ))
        .build()
        .into(),
    ]
}

/// The variable of the function `function` (`"\"\""` for the default one, `each.key` for a
/// group's): where each of its secrets is.
pub(crate) fn variable_value(function: &str) -> (&'static str, Expression) {
    (
        environment::SECRETS,
        expr(&format!(
            "jsonencode(local.function_secret_places[{function}])"
        )),
    )
}

/// What the function `function` may do with its secrets: read exactly the ones its tasks
/// declare, a statement per service that holds any (a statement must name a resource).
pub(crate) fn read_statements(function: &str) -> Vec<Block> {
    [
        (
            "SecretParameters",
            "ssm:GetParameter",
            "secret_parameter_arns",
        ),
        (
            "SecretsManagerSecrets",
            "secretsmanager:GetSecretValue",
            "secret_manager_arns",
        ),
    ]
    .into_iter()
    .map(|(sid, action, arns)| {
        let arns = format!("local.{arns}[{function}]");
        Block::builder("dynamic")
            .add_label("statement")
            .add_attribute((
                "for_each",
                expr(&format!("length({arns}) > 0 ? [{arns}] : []")),
            ))
            .add_block(
                Block::builder("content")
                    .add_attribute(("sid", sid))
                    .add_attribute(("actions", strings([action])))
                    .add_attribute(("resources", expr("statement.value")))
                    .build(),
            )
            .build()
    })
    .collect()
}

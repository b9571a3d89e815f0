//! `versions.tf` and `variables.tf`: what the module requires and what its user sets.

use hcl::expr::Expression;
use hcl::structure::Block;

use schedule_core::Monitor;

use super::hcl::{Item, validation, variable};
use super::tasks::Task;

/// `terraform { ... }`: Terraform 1.5 or newer (checks, `terraform test` mocks need 1.7 but are
/// only used by our tests) and any `hashicorp/aws` from 5.0 on, 6.x included: an upper bound
/// would force users to edit generated code on the provider's next major release.
///
/// With monitors, also the provider of each vendor in use (`monitors/`); each reads its API
/// key from its own environment variable.
pub(crate) fn versions(vendors: &[Monitor]) -> Vec<Item> {
    let provider = |source: &str, version: &str| {
        let mut object = hcl::Object::new();
        object.insert(ident("source"), source.into());
        object.insert(ident("version"), version.into());
        Expression::Object(object)
    };
    let mut providers = Block::builder("required_providers")
        .add_attribute(("aws", provider("hashicorp/aws", ">= 5.0")));
    for vendor in vendors {
        if let Some((name, source, version)) = super::monitors::provider(*vendor) {
            providers = providers.add_attribute((name, provider(source, version)));
        }
    }
    vec![
        Block::builder("terraform")
            .add_attribute(("required_version", ">= 1.5"))
            .add_block(providers.build())
            .build()
            .into(),
    ]
}

fn ident(name: &str) -> hcl::ObjectKey {
    hcl::ObjectKey::from(hcl::Identifier::sanitized(name))
}

/// `variables.tf`: the module's inputs; with function groups, `functions`, whose environments
/// may take what the framework's own variables (`framework_environment` bytes) leave of
/// Lambda's quota.
pub(crate) fn items(
    tasks: &[Task<'_>],
    options: &super::Options,
    vendors: &[Monitor],
    groups: &[super::functions::Group<'_>],
    framework_environment: usize,
) -> Vec<Item> {
    let heartbeat_tasks: Vec<&str> = tasks
        .iter()
        .filter(|t| t.spec.heartbeat)
        .map(|t| t.spec.name)
        .collect();
    // Task names are `[0-9A-Za-z._-]`: quoting needs no escapes.
    let known = format!(
        "[{}]",
        heartbeat_tasks
            .iter()
            .map(|t| format!("\"{t}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut items: Vec<Item> = vec![
        variable(
            "environment",
            "Deployment environment (e.g. production). A task that lists environments is ENABLED only in those, DISABLED elsewhere.",
            "string",
        )
        .add_block(validation(
            "can(regex(\"^[0-9A-Za-z_-]{1,20}$\", var.environment))",
            "The environment is 1 to 20 of A-Z a-z 0-9 - _ (it is part of every resource name).",
        ))
        .build()
        .into(),
        variable(
            "name_prefix",
            "Prefix of every resource name; the environment is appended.",
            "string",
        )
        .add_attribute(("default", options.app.as_str()))
        .add_block(validation(
            "can(regex(\"^[0-9A-Za-z_-]{1,32}$\", var.name_prefix))",
            "The name prefix is 1 to 32 of A-Z a-z 0-9 - _.",
        ))
        .build()
        .into(),
        variable(
            "lambda_zip",
            "The dispatch binary as built by `cargo lambda build --release --output-format zip`; null means the default path under target/lambda.",
            "string",
        )
        .add_attribute(("default", Expression::Null))
        .build()
        .into(),
        variable(
            "architecture",
            "Instruction set the zip was built for: x86_64, or arm64 (`cargo lambda build --arm64`).",
            "string",
        )
        .add_attribute(("default", "x86_64"))
        .add_block(validation(
            "contains([\"x86_64\", \"arm64\"], var.architecture)",
            "The architecture is x86_64 or arm64.",
        ))
        .build()
        .into(),
        variable(
            "memory_size",
            "Memory of the dispatch function in MB (CPU grows with it).",
            "number",
        )
        .add_attribute(("default", 128))
        .add_block(validation(
            "var.memory_size >= 128 && var.memory_size <= 10240",
            "Lambda memory is from 128 to 10240 MB.",
        ))
        .build()
        .into(),
        variable(
            "log_retention_days",
            "Days the dispatch function's logs are kept.",
            "number",
        )
        .add_attribute(("default", 365))
        .add_block(validation(
            "contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)",
            "CloudWatch Logs keeps logs for 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653 days.",
        ))
        .build()
        .into(),
        variable(
            "log_level",
            "Level of the application's JSON logs: TRACE, DEBUG or INFO. The ledger's metrics (task failures, missed runs, which the alarms watch) are log lines at INFO, so a higher level would silence the alarms.",
            "string",
        )
        .add_attribute(("default", "INFO"))
        .add_block(validation(
            "contains([\"TRACE\", \"DEBUG\", \"INFO\"], var.log_level)",
            "The log level is TRACE, DEBUG or INFO: the alarms' metrics are log lines at INFO.",
        ))
        .build()
        .into(),
        variable(
            "ledger_retention_days",
            "Days the ledger keeps each occurrence's record (`status` and `history` look this far back).",
            "number",
        )
        .add_attribute(("default", 30))
        .add_block(validation(
            "var.ledger_retention_days >= 1 && var.ledger_retention_days <= 3650 && floor(var.ledger_retention_days) == var.ledger_retention_days",
            "The ledger keeps records for a whole number of days from 1 to 3650.",
        ))
        .build()
        .into(),
        variable(
            "alarms",
            "Which alarms watch the tasks: \"task\", a failure alarm and a missed-run alarm per task (each names its task; $0.20 a task a month); or \"application\", the same two alarms on the application's totals ($0.20 a month in all; `ops status` says which task).",
            "string",
        )
        .add_attribute(("default", "task"))
        .add_block(validation(
            "contains([\"task\", \"application\"], var.alarms)",
            "The alarms are per \"task\" or per \"application\".",
        ))
        .build()
        .into(),
        variable(
            "alarm_topic_arn",
            "SNS topic that alarms notify when they fire and when they clear; null means alarms only show in CloudWatch.",
            "string",
        )
        .add_attribute(("default", Expression::Null))
        .build()
        .into(),
        variable(
            "heartbeat_urls",
            "Ping URL of each `heartbeat` task's monitor, by task name (a Healthchecks.io ping URL, a Sentry crons URL, a Cronitor telemetry URL or an UptimeRobot heartbeat URL, as the task's vendor), kept as a SecureString parameter the function reads; a generated monitor's URL takes precedence. A task without one sends no check-ins.",
            "map(string)",
        )
        .add_attribute(("default", Expression::Object(hcl::Object::new())))
        .add_attribute(("sensitive", true))
        .add_block(validation(
            &format!(
                "alltrue([for task in nonsensitive(keys(var.heartbeat_urls)) : contains({known}, task)])"
            ),
            &if heartbeat_tasks.is_empty() {
                "No task declares `heartbeat`, so there is nothing to ping.".to_owned()
            } else {
                format!(
                    "Only these tasks declare `heartbeat`: {}.",
                    heartbeat_tasks.join(", ")
                )
            },
        ))
        .build()
        .into(),
    ];
    let secrets = super::secrets::declared(tasks);
    if !secrets.is_empty() {
        items.extend(super::secrets::variables(&secrets));
    }
    if !groups.is_empty() {
        items.extend(super::functions::variables(
            groups,
            super::quotas::ENVIRONMENT_BYTES.saturating_sub(framework_environment),
        ));
    }
    items.extend(super::monitors::variables(
        tasks,
        options.default_monitor,
        vendors,
    ));
    items.push(
        variable(
            "tags",
            "Tags for every resource that takes them.",
            "map(string)",
        )
        .add_attribute(("default", Expression::Object(hcl::Object::new())))
        .build()
        .into(),
    );
    items
}

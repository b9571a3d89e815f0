//! The dispatch Lambda's environment: the variables an application reads, which the generated
//! Terraform sets. This module owns their names; codegen reads them from here.
//!
//! | variable | meaning |
//! |---|---|
//! | `SCHEDULE_ENVIRONMENT` ([`DEPLOYMENT`]) | deployment environment name, given to tasks as [`TaskContext::environment`](crate::TaskContext::environment) and choosing which tasks the local runner fires (default `local`) |
//! | `SCHEDULE_IDEMPOTENCY_TABLE` ([`IDEMPOTENCY_TABLE`]) | DynamoDB table of `idempotent` tasks (schema: [`idempotency::table`](crate::idempotency::table)); in Lambda without it those tasks fail closed |
//! | `SCHEDULE_HEARTBEAT_URL_<TASK>` ([`heartbeat::url_variable`](crate::heartbeat::url_variable)) | ping URL of a `heartbeat` task; empty or unset means no pings |
//! | `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` | set by Lambda; read as the AWS SDK documents |
//! | `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`) | another DynamoDB endpoint, e.g. a local server |
//! | `AWS_LAMBDA_LOG_LEVEL` | level of the JSON logs in Lambda (`INFO` unless set) |
//! | `AWS_LAMBDA_RUNTIME_API` | set by Lambda: its presence makes [`main()`](crate::main) serve invocations instead of running the command line |

/// The deployment environment's name (`production`, `staging`).
pub const DEPLOYMENT: &str = "SCHEDULE_ENVIRONMENT";
/// The idempotency table's name.
pub const IDEMPOTENCY_TABLE: &str = "SCHEDULE_IDEMPOTENCY_TABLE";
/// The environment name when [`DEPLOYMENT`] is unset: a developer's machine.
pub const LOCAL: &str = "local";

/// The deployment environment this process runs in: [`DEPLOYMENT`], else [`LOCAL`].
pub fn deployment() -> String {
    std::env::var(DEPLOYMENT)
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| LOCAL.to_owned())
}

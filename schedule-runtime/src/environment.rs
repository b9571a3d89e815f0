//! The dispatch Lambda's environment: the variables an application reads, which the generated
//! Terraform sets. This module owns their names; codegen reads them from here.
//!
//! | variable | meaning |
//! |---|---|
//! | `SCHEDULE_ENVIRONMENT` ([`DEPLOYMENT`]) | deployment environment name, given to tasks as [`TaskContext::environment`](crate::TaskContext::environment) and choosing which tasks the local runner fires (default `local`) |
//! | `SCHEDULE_IDEMPOTENCY_TABLE` ([`IDEMPOTENCY_TABLE`]) | DynamoDB table of `idempotent` tasks (schema: [`idempotency::table`](crate::idempotency::table)); in Lambda without it those tasks fail closed |
//! | `SCHEDULE_LEDGER_TABLE` ([`LEDGER_TABLE`]) | DynamoDB table of the ledger, every occurrence's record (schema: [`ledger::table`](crate::ledger::table)); unset means no ledger is written |
//! | `SCHEDULE_LEDGER_RETENTION_DAYS` ([`LEDGER_RETENTION_DAYS`]) | days a ledger record is kept (default 30) |
//! | `SCHEDULE_HEARTBEAT_URL_<TASK>` ([`heartbeat::url_variable`](crate::heartbeat::url_variable)) | ping URL of a `heartbeat` task; empty or unset means no pings (or the parameter below) |
//! | `SCHEDULE_HEARTBEAT_PARAMETERS` ([`HEARTBEAT_PARAMETERS`]) | prefix of the SecureString parameters holding the ping URLs (`<prefix><task>`, read once per process by the task's first run); what the generated Terraform sets instead of URLs |
//! | `SCHEDULE_FUNCTION_GROUP` ([`FUNCTION_GROUP`]) | set on a function group's function (`function = "<group>"`): the group, whose tasks alone it runs (any other task's event is refused as `WrongFunction`); the runs' metrics count under the default function's name, `AWS_LAMBDA_FUNCTION_NAME` without `-<group>`. Unset or empty: the default function, which runs the tasks that name no group |
//! | `SCHEDULE_SECRETS` ([`SECRETS`]) | the secrets the function's tasks may read: a JSON object from each secret's name to its place, a Parameter Store parameter's name or ARN (a SecureString) or a Secrets Manager secret's ARN; names only, the values stay in the stores. Outside Lambda, secrets come from `SCHEDULE_SECRET_<NAME>` or `<state dir>/secrets/<name>` ([`secret`](crate::secret)) |
//! | `AWS_ENDPOINT_URL_SECRETS_MANAGER` (or `AWS_ENDPOINT_URL`) | another Secrets Manager endpoint |
//! | `SCHEDULE_HEARTBEAT_MONITOR` ([`HEARTBEAT_MONITOR`]) | the check-in protocol of a task declared `heartbeat` without a vendor: `healthchecks` (the default), `sentry`, `cronitor` or `uptimerobot`; anything else is an invalid configuration |
//! | `AWS_ENDPOINT_URL_SSM` (or `AWS_ENDPOINT_URL`) | another SSM Parameter Store endpoint |
//! | `SCHEDULE_DEFER_GROUP` ([`DEFER_GROUP`]) | feature `defer`: the schedule group that holds deferred runs' one-time schedules |
//! | `SCHEDULE_DEFER_ROLE_ARN` ([`DEFER_ROLE_ARN`]) | feature `defer`: the role Scheduler assumes to deliver them (the generated schedules' role) |
//! | `SCHEDULE_DEFER_FUNCTION_ARN` ([`DEFER_FUNCTION_ARN`]) | feature `defer`: the default dispatch function's unqualified ARN; a run targets `<arn>:<task's alias>`, or `<arn>-<group>:<task's alias>` for a task declared `function = "<group>"` |
//! | `SCHEDULE_DEFER_DEAD_LETTER_ARN` ([`DEFER_DEAD_LETTER_ARN`]) | feature `defer`: the dead-letter queue of undelivered runs |
//! | `AWS_ENDPOINT_URL_SCHEDULER` (or `AWS_ENDPOINT_URL`) | feature `defer`: another EventBridge Scheduler endpoint |
//! | `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` | set by Lambda; read as the AWS SDK documents |
//! | `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`) | another DynamoDB endpoint, e.g. a local server |
//! | `AWS_LAMBDA_LOG_LEVEL` | level of the JSON logs in Lambda (`INFO` unless set) |
//! | `AWS_LAMBDA_RUNTIME_API` | set by Lambda: its presence makes [`main()`](crate::main) serve invocations instead of running the command line |

/// The deployment environment's name (`production`, `staging`).
pub const DEPLOYMENT: &str = "SCHEDULE_ENVIRONMENT";
/// The idempotency table's name.
pub const IDEMPOTENCY_TABLE: &str = "SCHEDULE_IDEMPOTENCY_TABLE";
/// The ledger table's name.
pub const LEDGER_TABLE: &str = "SCHEDULE_LEDGER_TABLE";
/// Days a ledger record is kept.
pub const LEDGER_RETENTION_DAYS: &str = "SCHEDULE_LEDGER_RETENTION_DAYS";

/// The prefix of the SecureString parameters that hold the heartbeat tasks' ping URLs: task
/// `report`'s is `<prefix>report` (`heartbeat`).
pub const HEARTBEAT_PARAMETERS: &str = "SCHEDULE_HEARTBEAT_PARAMETERS";

/// The function group a deployed function serves (`function = "<group>"`); unset in the
/// default function.
pub const FUNCTION_GROUP: &str = "SCHEDULE_FUNCTION_GROUP";

/// [`FUNCTION_GROUP`]'s value: `None` when unset or empty.
pub fn function_group() -> Option<String> {
    std::env::var(FUNCTION_GROUP)
        .ok()
        .filter(|group| !group.is_empty())
}

/// The secrets a function's tasks may read, and where each is: a JSON object from the secret's
/// name to a Parameter Store parameter (name or ARN) or a Secrets Manager secret (ARN).
pub const SECRETS: &str = "SCHEDULE_SECRETS";

/// The vendor whose protocol a task declared `heartbeat` (without `= "..."`) checks in with.
pub const HEARTBEAT_MONITOR: &str = "SCHEDULE_HEARTBEAT_MONITOR";

/// The application's default monitor: [`HEARTBEAT_MONITOR`], else Healthchecks; an unknown
/// vendor is an error naming the variable and the vendors.
pub fn heartbeat_monitor() -> Result<schedule_core::Monitor, String> {
    use schedule_core::Monitor;
    match std::env::var(HEARTBEAT_MONITOR) {
        Err(_) => Ok(Monitor::Healthchecks),
        Ok(text) if text.is_empty() => Ok(Monitor::Healthchecks),
        Ok(text) => Monitor::parse(&text).ok_or_else(|| {
            let words: Vec<&str> = Monitor::ALL.iter().map(|m| m.as_str()).collect();
            format!(
                "{HEARTBEAT_MONITOR} is `{text}`; it must be one of {}",
                words.join(", ")
            )
        }),
    }
}

/// Deferred runs' schedule group (feature `defer`).
pub const DEFER_GROUP: &str = "SCHEDULE_DEFER_GROUP";
/// The role Scheduler assumes to deliver deferred runs (feature `defer`).
pub const DEFER_ROLE_ARN: &str = "SCHEDULE_DEFER_ROLE_ARN";
/// The dispatch function's unqualified ARN, which deferred runs target (feature `defer`).
pub const DEFER_FUNCTION_ARN: &str = "SCHEDULE_DEFER_FUNCTION_ARN";
/// The dead-letter queue of undelivered deferred runs (feature `defer`).
pub const DEFER_DEAD_LETTER_ARN: &str = "SCHEDULE_DEFER_DEAD_LETTER_ARN";
/// Whether this build has the `defer` feature: the application's `codegen`, built in the same
/// package with the same features, then grants the function what deferring needs.
pub const DEFER_FEATURE: bool = cfg!(feature = "defer");

/// Every variable a process needs to defer runs in AWS, besides its credentials.
pub const DEFER_VARIABLES: [&str; 4] = [
    DEFER_GROUP,
    DEFER_ROLE_ARN,
    DEFER_FUNCTION_ARN,
    DEFER_DEAD_LETTER_ARN,
];

/// The environment name when [`DEPLOYMENT`] is unset: a developer's machine.
pub const LOCAL: &str = "local";

/// The deployment environment this process runs in: [`DEPLOYMENT`], else [`LOCAL`].
pub fn deployment() -> String {
    std::env::var(DEPLOYMENT)
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| LOCAL.to_owned())
}

/// How long ledger records are kept without [`LEDGER_RETENTION_DAYS`]: 30 days.
pub const DEFAULT_LEDGER_RETENTION: schedule_core::jiff::SignedDuration =
    schedule_core::jiff::SignedDuration::from_hours(30 * 24);

/// How long ledger records are kept: [`LEDGER_RETENTION_DAYS`], else 30 days; a value that is
/// not a whole number of days from 1 to 3650 is an error naming it.
pub fn ledger_retention() -> Result<schedule_core::jiff::SignedDuration, String> {
    match std::env::var(LEDGER_RETENTION_DAYS) {
        Err(_) => Ok(DEFAULT_LEDGER_RETENTION),
        Ok(text) if text.is_empty() => Ok(DEFAULT_LEDGER_RETENTION),
        Ok(text) => match text.parse::<i64>() {
            Ok(days @ 1..=3650) => Ok(schedule_core::jiff::SignedDuration::from_hours(days * 24)),
            _ => Err(format!(
                "{LEDGER_RETENTION_DAYS} is `{text}`; it must be a whole number of days from 1 to 3650"
            )),
        },
    }
}

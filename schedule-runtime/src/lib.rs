//! Serverless scheduled tasks on AWS: the one crate an application depends on.
//!
//! Declare a task by putting [`#[scheduled]`](macro@scheduled) on an async function. The
//! attribute checks the declaration when the crate compiles and registers the task; the
//! [`Registry`] collects every registered task of the binary. The application's own binary
//! runs them ([`main()`]); its `codegen` binary (the `schedule-codegen` crate) renders the
//! Terraform that deploys them, and its `ops` binary (the `schedule-ops` crate) operates a
//! deployment.
//!
//! ```standalone_crate
//! use schedule_runtime::{Registry, TaskContext, scheduled};
//!
//! /// Deletes sessions that expired more than a day ago.
//! #[scheduled("rate(1 hour)")]
//! async fn expired_session_cleanup(ctx: TaskContext) -> Result<u64, std::io::Error> {
//!     let _ = ctx.scheduled_time();
//!     Ok(0) // rows deleted
//! }
//!
//! let registry = Registry::load()?;
//! let task = registry.get("expired-session-cleanup").expect("registered");
//! assert_eq!(task.spec().description, Some("Deletes sessions that expired more than a day ago."));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # How registration works, and its one rule
//!
//! Each `#[scheduled]` function adds one constant [`Registration`] to a list that the
//! [`inventory`](https://docs.rs/inventory) crate assembles when the program starts. A task is
//! therefore in the registry of exactly those binaries that link the crate declaring it. A
//! library crate is linked only if the binary names it, so each binary whose tasks live in
//! `src/lib.rs` (`src/main.rs`, `src/bin/codegen.rs`, `src/bin/ops.rs`) must mention the
//! library once (`use my_app as _;`); [`Registry::load`]
//! explains this when it finds no task. Registration works on Linux, macOS and Windows.
//!
//! # Running in Lambda
//!
//! The application's `main` is one call, [`main()`], which serves invocations through
//! `lambda_runtime` in Lambda and runs the command line for the tasks here elsewhere: `run` (the
//! default: every task on its schedule, with embedded stores) and the other commands of
//! [`cli`] (`cargo run -- --help` lists them; contract 2 of the repository's
//! `docs/contracts.md` has every flag). Each
//! invocation goes through the [`Dispatcher`]: the event is decoded ([`Event`]), the task found,
//! an `idempotent` task's occurrence claimed in the [`idempotency`] store (DynamoDB in AWS), the
//! task run under its timeout with panics caught, and its monitor pinged ([`heartbeat`]). The
//! environment it reads is documented in [`environment`]. All of it is in the default `app` feature;
//! tools that only read the registry turn it off.

mod atomic_file;
#[cfg(feature = "app")]
mod aws;
mod causes;
pub mod cli;
mod clock;
mod context;
#[cfg(feature = "defer")]
pub mod defer;
pub mod deferred;
mod dispatch;
#[cfg(feature = "app")]
mod entry;
pub mod environment;
pub mod event;
pub mod heartbeat;
#[cfg(feature = "app")]
mod https;
pub mod idempotency;
#[cfg(feature = "app")]
mod lambda_logs;
pub mod ledger;
pub mod metrics;
mod registry;
pub mod runner;
pub mod secret;
#[cfg(feature = "app")]
mod secret_store;
mod stable_hash;
mod task;

pub use causes::with_causes;
pub use context::TaskContext;
#[cfg(feature = "defer")]
pub use defer::{cancel, defer};
pub use dispatch::{CHECK_EVENT, DispatchError, Dispatcher, Invocation, Outcome};
#[cfg(feature = "app")]
pub use entry::main;
pub use event::{Event, EventError};
pub use heartbeat::Heartbeat;
#[cfg(feature = "app")]
pub use https::sdk::aws_http_client;
pub use registry::{AliasClash, Duplicate, Manifest, ManifestTask, Registry, RegistryError};
pub use schedule_core as core;
pub use schedule_core::{ParseError, Schedule, TaskSpec};
pub use secret::{Secret, SecretError};
pub use task::{BoxError, IntoTaskResult, Location, Registration, Task, TaskError, TaskFuture};

/// Declares a scheduled task: `#[scheduled("<expression>", options...)]` on an `async fn`.
///
/// Everything in the attribute is checked when the crate compiles, and every problem is
/// reported at once, at the token that causes it. The function itself is left exactly as
/// written (also when the attribute has errors, so the rest of the crate and the IDE keep
/// working); the attribute adds a registration next to it.
///
/// # The expression
///
/// The first argument, and the only one required: an EventBridge Scheduler expression,
/// `cron(...)`, `rate(...)` or `at(...)`, exactly as AWS reads it (see [`Schedule`]). It is
/// parsed at compile time; a mistake is a compile error that names the field and shows where:
///
/// ```compile_fail
/// # use schedule_runtime::scheduled;
/// #[scheduled("cron(0 9 ? * 0 *)")] // error: 0 is out of range for day-of-week ...
/// async fn weekly() {}
/// ```
///
/// A schedule that matches no date at all (`cron(0 0 30 2 ? *)`) is an error too.
///
/// In its place, the bare word `deferred` declares a task without a schedule of its own:
///
/// ```standalone_crate
/// use schedule_runtime::scheduled;
///
/// /// Asks a customer to review an order.
/// #[scheduled(deferred, retries = 1, idempotent)]
/// async fn review_request() {}
///
/// let registry = schedule_runtime::Registry::load()?;
/// assert_eq!(registry.get("review-request").map(|t| t.spec().expression), Some(None));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Such a task runs when it is invoked (`invoke` here, `ops invoke --env` deployed). The
/// deployed module gives it everything a task gets (its Lambda alias with its retries and
/// dead-letter queue, its failure alarm, its ledger records) except a schedule; it is never
/// missed, `list` shows it as `deferred only`, and `backfill` refuses it. The options about a
/// schedule (`window`, `start`, `end`) and `heartbeat` (a monitor expects pings on a schedule)
/// are compile errors with it. Its input type needs no `Default` (a scheduled task's does,
/// for an event without `input`): its runs carry their input, and one without fails as
/// `InvalidTaskInput`. Code defers its runs, typed, with the `defer` feature:
/// `schedule_runtime::defer::<review_request>(input)` (see the `defer` module); any other task
/// can be deferred the same way.
///
/// # Options
///
/// All optional, in any order, each at most once. Durations are a whole number and a unit:
/// `90s`, `15m`, `1h`, `7d`. The dispatcher applies the run-time side; `codegen terraform`
/// deploys the side described here (see `schedule_codegen::terraform`).
///
/// | option | default | checked at compile time |
/// |---|---|---|
/// | `name = "daily-sales-report"` | the function name, `_` turned into `-` | 1-64 of `[0-9A-Za-z-_.]`, not digits only |
/// | `description = "..."` | first line of the doc comment, else the English description | 1-512 characters |
/// | `timezone = "Europe/Moscow"` | `UTC` | an IANA name in the bundled database, exact case |
/// | `window = "15m"` | none: fire at the exact time | whole minutes, 1m-1440m; not with `at()` |
/// | `retries = 2` | 2 | 0-2 |
/// | `max_age = "1h"` | none (Lambda's 6 h) | 1m-6h |
/// | `timeout = "5m"` | 1m | 1s-15m |
/// | `idempotent` / `idempotent(ttl = "7d")` | off; ttl 7d | ttl 1m-365d, and at least `max_age` (6 h without it) |
/// | `heartbeat` / `heartbeat = "sentry"` | off; the application's vendor | alone, or `"healthchecks"`, `"sentry"`, `"cronitor"` or `"uptimerobot"`; not `deferred` |
/// | `alert_after = 3` | alarm on every failure | 1-100 |
/// | `pause_after = 3` | never pause | 1-100 |
/// | `environments = ["production"]` | all environments | non-empty, unique, `[0-9A-Za-z-_.]` |
/// | `secrets = ["supplier-api-key"]` | none | non-empty, unique, 1-64 of `[0-9A-Za-z-_.]` |
/// | `function = "backup"` | the application's default function | 1-10 of `[a-z0-9-]`, starting with a letter; not `dispatch` or `scheduler` |
/// | `input = r#"{"format": "pdf"}"#` | none | valid JSON; the function must take an input; that it decodes as the input's type is checked when the registry loads |
/// | `start = "2026-01-01T00:00:00Z"` | none | RFC 3339 instant; not with `at()` |
/// | `end = "2026-12-31T00:00:00Z"` | none | RFC 3339 instant, after `start`; not with `at()` |
/// | `overlap = "skip"` | `"allow"` | `"allow"` or `"skip"` |
///
/// - **`name`**: the task's identity: the key of the registry, the `task` of every event, the
///   schedule's name in AWS (`aws_scheduler_schedule.name`) and, with `.` turned into `_`, its
///   Lambda alias's. Unique per binary, also after that turn: [`Registry::load`] refuses `a.b`
///   beside `a_b`.
/// - **`description`**: the schedule's `description` in Terraform and the text in listings.
/// - **`timezone`**: `schedule_expression_timezone`; cron and `at()` times are wall-clock times
///   there, with AWS's DST rules (a skipped time does not fire that day, a repeated one fires
///   once). `rate()` ignores it.
/// - **`window`**: `flexible_time_window { mode = "FLEXIBLE", maximum_window_in_minutes = 15 }`:
///   AWS may start the run up to that long after the scheduled time, spreading load. The task
///   still sees the nominal time in [`TaskContext::scheduled_time`].
/// - **`retries`**: Lambda's asynchronous retries of a failed run
///   (`aws_lambda_function_event_invoke_config.maximum_retry_attempts` on the task's own Lambda
///   alias, which its schedule targets). Lambda allows at most 2 for asynchronous invocations,
///   which is how EventBridge Scheduler invokes; more is an error. A run that fails its last
///   retry goes to the dead-letter queue.
/// - **`max_age`**: give up on a run this long after its scheduled time
///   (`maximum_event_age_in_seconds`, 60-21600 s, on both the alias and the schedule's delivery
///   retry policy); a run that cannot start in time goes to the dead-letter queue instead.
/// - **`timeout`**: the limit for one run; the run is cancelled and counts as failed when it
///   passes. The Lambda's own timeout is set to cover the longest task.
/// - **`idempotent`**: at most one successful run per scheduled occurrence, whatever the number
///   of deliveries: completions are recorded (DynamoDB in AWS) and remembered for `ttl`. The ttl
///   must cover the time in which a delivery can still arrive.
/// - **`heartbeat`**: start, success and failure check-ins with a monitor, in its vendor's
///   protocol: Healthchecks.io's pings, Sentry Crons' `in_progress`/`ok`/`error` with one
///   `check_in_id`, Cronitor's `run`/`complete`/`fail`, or UptimeRobot's success-only heartbeat
///   ([`heartbeat`]). Alone, the task takes the application's vendor (`codegen terraform
///   --heartbeat-vendor`, Healthchecks unless given); `heartbeat = "sentry"` names its own. The
///   URL comes from the deployment: the monitor `codegen terraform --monitors` generates, or
///   the module's `heartbeat_urls` variable.
/// - **`alert_after`**: the task's alarm fires only when this many occurrences in a row have
///   failed (a retried occurrence counts once), and its recovery is sent when one succeeds
///   again; a generated monitor gets the same tolerance.
/// - **`pause_after`**: after this many failed occurrences in a row the dispatcher pauses the
///   task in the ledger, as `pause` would (by `schedule`, with the count and the last error as
///   the reason); `status` shows it, `resume` undoes it, and a resumed task that fails again
///   before succeeding is paused again.
/// - **`environments`**: the schedule is `ENABLED` only in these deployment environments and
///   `DISABLED` elsewhere; the local runner skips it elsewhere.
/// - **`secrets`**: the secrets the task reads with [`TaskContext::secret`], and the only ones
///   it may read. Outside Lambda each comes from `SCHEDULE_SECRET_<NAME>` or
///   `<state dir>/secrets/<name>` ([`secret`]); deployed, from Parameter Store or Secrets
///   Manager, where the generated module puts or finds it, and the function's role may read
///   exactly the declared ones.
/// - **`function`**: the function group the task runs in. Each group is a Lambda function of its
///   own (`<name_prefix>-<environment>-<group>`), built from the same zip, with its own role,
///   log group, memory, ephemeral storage, reserved concurrency, environment variables,
///   permissions and VPC, which the generated module's `functions` variable sets per group; its
///   timeout covers its longest task. A group function runs only its group's tasks (the
///   dispatcher refuses any other, `WrongFunction`), so one group's permissions are never
///   another's. Locally every task runs in the one process.
/// - **`input`**: JSON given to the task's input parameter; it goes into the schedule's target
///   input, and is used when a hand-made invocation carries none. The macro checks that it is
///   JSON; whether it fits the type is known only to the compiled program, so
///   [`Registry::load`] refuses a registry whose declared inputs do not decode (codegen and the
///   Lambda then stop before anything is deployed or run).
/// - **`start`**, **`end`**: the schedule's `start_date` and `end_date` (UTC), for recurring
///   schedules only.
/// - **`overlap`**: with `"skip"`, a delivery that finds an earlier occurrence of the task still
///   running is recorded in the ledger as skipped (overlap) and answered without error, so it is
///   neither retried nor dead-lettered. The running occurrence holds a marker in the ledger
///   (DynamoDB in AWS, the state directory locally) whose lease ends at its run's deadline, so a
///   process that died blocks the task no longer than that. A retry of the same occurrence is
///   not an overlap. `"allow"` (the default) runs every delivery, as Scheduler and Lambda do;
///   unlike Lambda's reserved concurrency of 1 it holds back only this task, and throttles
///   nothing.
///
/// ```
/// use schedule_runtime::{TaskContext, scheduled};
///
/// #[derive(serde::Deserialize)]
/// struct ReportRequest { report_type: String, format: String }
///
/// #[derive(serde::Serialize)]
/// struct ReportSummary { rows: u64 }
///
/// /// Daily sales report for the sales team.
/// #[scheduled(
///     "cron(0 8 * * ? *)",
///     timezone = "Europe/Moscow",
///     window = "15m",
///     retries = 2, max_age = "1h",
///     timeout = "5m",
///     idempotent(ttl = "7d"),
///     heartbeat,
///     environments = ["production"],
///     input = r#"{"report_type": "daily_sales", "format": "pdf"}"#,
/// )]
/// async fn daily_sales_report(ctx: TaskContext, input: ReportRequest) -> anyhow::Result<ReportSummary> {
///     let _ = (ctx.attempt(), input.report_type, input.format);
///     Ok(ReportSummary { rows: 0 })
/// }
/// ```
///
/// # The function
///
/// An `async fn`, not generic, without `self`, public or not. It takes up to two parameters,
/// in any order:
///
/// - a [`TaskContext`] (recognised by that type name): the task's name, the scheduled time, the
///   attempt, the execution id, the deadline and the environment;
/// - one input, of any type that implements `serde::Deserialize`, decoded from the event's
///   `input`. When the event carries none, the declared `input = ...` is used, or else
///   `Default::default()`; a typed input with neither is a compile error.
///
/// It returns `()`, or `Result<T, E>` where `T: serde::Serialize` (the result is recorded as
/// JSON) and `E` is `anyhow::Error` or any `std::error::Error + Send + Sync + 'static`. Its future
/// must be `Send`: the dispatcher runs tasks on a multi-threaded runtime. Each of these is
/// checked with a message at the offending type:
///
/// ```compile_fail
/// # use schedule_runtime::scheduled;
/// struct Opaque;
/// #[scheduled("rate(1 day)")]
/// async fn nightly() -> Result<Opaque, std::io::Error> { Ok(Opaque) }
/// // error: `Opaque` cannot be a task's result: it does not implement `serde::Serialize`
/// ```
///
/// # What it generates
///
/// The function, unchanged; a type of the same name and visibility (an empty struct, which
/// lives beside the function because types and functions have separate names) implementing
/// [`Task`] with the input type and the task's name, so that code names the task by its Rust
/// item; one constant [`Registration`] (a [`TaskSpec`] holding every option with its default
/// filled in and the expression in canonical form, plus the declaration's location); and a
/// small non-generic function that decodes the input, calls the task and converts its result.
/// All other logic is ordinary code in this crate.
pub use schedule_macros::scheduled;

/// Items the `#[scheduled]` expansion names. Not public API: no stability guarantees.
#[doc(hidden)]
pub mod __private {
    /// Used by the expansion to register tasks.
    pub use inventory;
    /// Used by the expansion to declare a task.
    pub use schedule_core::{Idempotency, Monitor, Overlap, TaskSpec};

    /// Used by the expansion: the shim's types and the signature checks.
    pub use crate::context::TaskContext;

    /// Registered by the expansion of a task that declares `secrets`: where its process reads
    /// them, here and in Lambda.
    pub const SECRETS_BACKEND: crate::secret::SecretsBackend = crate::secret::SecretsBackend {
        local: crate::secret::Secrets::local,
        #[cfg(feature = "app")]
        aws: crate::secret_store::from_env,
    };
    /// Used by the expansion: the shim's types and the signature checks.
    pub use crate::task::{
        DefaultInput, ErrorType, InputCheck, InputType, IntoTaskResult, Location, OutputType,
        Registration, TaskError, TaskFn, TaskFuture, TaskInput, failed_run, task_future,
    };
}

// The README's and the guide's Rust examples are compiled and run as doctests, so the docs
// stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../../docs/guide.md")]
struct GuideDoctests;

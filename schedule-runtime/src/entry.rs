//! The application's `main`: serve Lambda invocations in Lambda, run the command line elsewhere.

use std::process::ExitCode;
use std::sync::{Arc, OnceLock};

use lambda_runtime::LambdaEvent;
use schedule_core::jiff::Timestamp;

use crate::aws::Connection;
use crate::aws::dynamodb::LazyClient;
use crate::dispatch::{DispatchError, Dispatcher, Invocation, rejected};
use crate::environment;
use crate::event::Event;
use crate::heartbeat::Heartbeat;
use crate::idempotency::{DynamoDbStore, IdempotencyStore, MemoryStore, UnconfiguredStore};
use crate::ledger::{DynamoDbLedger, Ledger, NoLedger, Recorder, Status};
use crate::metrics::Metrics;
use crate::registry::Registry;
use crate::secret;

/// Runs the application: in Lambda (`AWS_LAMBDA_RUNTIME_API` set) it serves invocations through
/// `lambda_runtime`; elsewhere it runs the command line: `run` (the default), `invoke`, `list`,
/// `next` and `replay`, described in the repository's `docs/contracts.md` and by `--help`.
/// Startup in Lambda builds nothing the first invocation can build: that invocation builds the
/// dispatcher (clients on their first request), which later ones reuse; a configuration it
/// cannot serve with answers every invocation with `InvalidConfiguration`, naming the problem.
///
/// The environment it reads is documented in [`environment`](crate::environment).
///
/// Each invocation is logged as JSON lines inside a `task` span carrying the task, scheduled
/// time, attempt and request id: `started`, `succeeded` (with `duration_ms`), `failed` (with
/// the error and its type) or `skipped as duplicate`. A failure is returned to Lambda as an
/// error whose `errorType` is [`DispatchError::error_type`], so Lambda retries it and finally
/// sends it to the on-failure destination.
///
/// ```no_run
/// fn main() -> std::process::ExitCode {
///     schedule_runtime::main()
/// }
/// ```
pub fn main() -> ExitCode {
    // At least two workers, even on a one-vCPU Lambda: a task that blocks its thread (a
    // synchronous sleep, a blocking client) must not stop the timer that times it out.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            report(&format!("cannot start the async runtime: {error}"));
            return ExitCode::FAILURE;
        }
    };
    // Boxed: `block_on` keeps its future on this thread's stack, and the two together take
    // about 18 KB of it, each page of which a cold start would touch (and fault in) on entry.
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        runtime.block_on(Box::pin(serve_lambda()))
    } else {
        runtime.block_on(Box::pin(crate::cli::run(std::env::args_os())))
    }
}

#[allow(clippy::print_stderr)] // Before logging is set up, stderr is the only channel.
fn report(message: &str) {
    eprintln!("error: {message}");
}

async fn serve_lambda() -> ExitCode {
    crate::lambda_logs::init_json_logs();
    if let Err(problem) = check_lambda_environment() {
        tracing::error!(%problem, "cannot serve Lambda invocations");
        return ExitCode::FAILURE;
    }
    // The cold start lasts until the first poll for an invocation, so the dispatcher (the
    // registry, the configuration read from the environment, the stores over a client built on
    // first use) is built by the first invocation, after that poll. A configuration it cannot
    // serve with fails that invocation and every later one as `InvalidConfiguration`, naming
    // the problem, in the log line and in the error Lambda records and dead-letters.
    let dispatcher: Arc<OnceLock<Result<Dispatcher, String>>> = Arc::default();
    let handler = lambda_runtime::service_fn(move |event: LambdaEvent<String>| {
        let dispatcher = dispatcher.get_or_init(lambda_dispatcher).clone();
        async move {
            let invocation = Invocation {
                deadline: real_deadline(event.context.deadline, Timestamp::now()),
                request_id: event.context.request_id,
            };
            match dispatcher {
                Ok(dispatcher) => {
                    dispatcher
                        .dispatch_body(event.payload.as_bytes(), invocation)
                        .await
                }
                Err(problem) => Err(unconfigured(problem, event.payload.as_bytes(), &invocation)),
            }
        }
    });
    let runtime = lambda_runtime::Runtime::new(handler)
        .layer(lambda_runtime::layers::TracingLayer::new())
        .layer(BodyAsText);
    match runtime.run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the Lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}

/// An invocation answered `InvalidConfiguration`: logged with its type, and counted as a failure
/// of the task the event names (when it names one), so that the task's alarm fires on the first
/// delivery rather than when the retries reach the dead-letter queue.
fn unconfigured(problem: String, body: &[u8], invocation: &Invocation) -> DispatchError {
    let task = serde_json::from_slice(body)
        .ok()
        .and_then(|event| Event::from_json(event).ok())
        .map(|event| event.task);
    if let Some(task) = task {
        Metrics::new(metrics_function()).run(&task, Status::Failed, None, 0);
    }
    rejected(DispatchError::Configuration { problem }, invocation)
}

/// The dispatcher of the Lambda function, as its environment configures it.
fn lambda_dispatcher() -> Result<Dispatcher, String> {
    let registry = Registry::load().map_err(|error| format!("no tasks to serve: {error}"))?;
    let retention = environment::ledger_retention()?;
    let heartbeat = Heartbeat::from_env(registry.names())
        .with_default_monitor(environment::heartbeat_monitor()?);
    // One DynamoDB client for the store and the ledger, built on the first request.
    let client = Arc::new(LazyClient::new(Connection::from_env()));
    let store = lambda_store(&registry, &client);
    let ledger: Arc<dyn Ledger> = match std::env::var(environment::LEDGER_TABLE) {
        Ok(table) if !table.is_empty() => Arc::new(DynamoDbLedger::sharing(client, table)),
        _ => Arc::new(NoLedger),
    };
    Ok(
        Dispatcher::new(registry, store, heartbeat, environment::deployment())
            .serving_group(environment::function_group())
            .with_ledger(Recorder::new(ledger, retention))
            .with_metrics(Metrics::new(metrics_function()))
            .with_secrets(secret::backend().map(|backend| (backend.aws)())),
    )
}

/// The metrics' `Function` dimension: the default function's name, also in a function group's
/// function (`<default>-<group>`), so that a task's metrics and the application's totals have
/// one name whichever function runs it.
fn metrics_function() -> String {
    let name = std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_default();
    default_function(&name, environment::function_group().as_deref()).to_owned()
}

/// `name` without its group's `-<group>`.
fn default_function<'a>(name: &'a str, group: Option<&str>) -> &'a str {
    group
        .and_then(|group| name.strip_suffix(group))
        .and_then(|rest| rest.strip_suffix('-'))
        .unwrap_or(name)
}

/// What `lambda_runtime` needs from the environment, checked here because it panics without
/// it. Lambda always sets these; a hand-made Runtime API harness may not.
fn check_lambda_environment() -> Result<(), String> {
    let missing =
        |name: &str| format!("{name} is not set (Lambda sets it; so must a test harness)");
    for name in ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION"] {
        std::env::var_os(name).ok_or_else(|| missing(name))?;
    }
    let memory = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        .map_err(|_| missing("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))?;
    memory.parse::<i32>().map(|_| ()).map_err(|_| {
        format!("AWS_LAMBDA_FUNCTION_MEMORY_SIZE is `{memory}`, not a whole number of megabytes")
    })
}

/// The invocation's deadline, when it is one. Lambda sends the epoch milliseconds at which it
/// stops the invocation; an emulator may send something else (`cargo lambda watch` sends a
/// constant 600000, a moment in 1970). A deadline already past on arrival cannot be real: the
/// run then gets its own timeout, and the first such invocation says why.
fn real_deadline(deadline_ms: u64, now: Timestamp) -> Option<Timestamp> {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    let deadline = i64::try_from(deadline_ms)
        .ok()
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .filter(|deadline| *deadline > now);
    if deadline.is_none() && !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            deadline_ms,
            "the Runtime API's deadline is already past, so it is not a real one (an emulator's?); \
             runs get their task's own timeout"
        );
    }
    deadline
}

/// Gives the handler the invocation's body exactly as it came, as a JSON string, so that the
/// dispatcher decodes it and names what is wrong (`InvalidScheduleEvent`) whatever it is; left
/// to `lambda_runtime`, a body that is not JSON never reaches the handler and is answered with
/// a Rust type path as its `errorType`.
#[derive(Clone, Copy)]
struct BodyAsText;

impl<S> lambda_runtime::tower::Layer<S> for BodyAsText {
    type Service = BodyAsTextService<S>;

    fn layer(&self, inner: S) -> BodyAsTextService<S> {
        BodyAsTextService(inner)
    }
}

#[derive(Clone)]
struct BodyAsTextService<S>(S);

impl<S> lambda_runtime::Service<lambda_runtime::LambdaInvocation> for BodyAsTextService<S>
where
    S: lambda_runtime::Service<lambda_runtime::LambdaInvocation>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: lambda_runtime::LambdaInvocation) -> Self::Future {
        let text = String::from_utf8_lossy(&invocation.body);
        // Encoding a string as JSON cannot fail.
        invocation.body = serde_json::to_vec(&text).unwrap_or_default().into();
        self.0.call(invocation)
    }
}

/// The idempotency store in Lambda: DynamoDB when a table is configured; otherwise idempotent
/// tasks fail closed, because an in-memory store would not see other instances' runs.
fn lambda_store(registry: &Registry, client: &Arc<LazyClient>) -> Arc<dyn IdempotencyStore> {
    let needs_store = registry
        .tasks()
        .iter()
        .any(|t| t.spec().idempotency.is_some());
    match std::env::var(environment::IDEMPOTENCY_TABLE) {
        Ok(table) if !table.is_empty() => {
            Arc::new(DynamoDbStore::sharing(Arc::clone(client), table))
        }
        _ if needs_store => Arc::new(UnconfiguredStore),
        _ => Arc::new(MemoryStore::new()),
    }
}

impl From<DispatchError> for lambda_runtime::Diagnostic {
    fn from(error: DispatchError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::default_function;

    #[test]
    fn a_group_function_counts_under_the_default_function() {
        assert_eq!(
            default_function("shop-prod-backup", Some("backup")),
            "shop-prod"
        );
        assert_eq!(default_function("shop-prod", None), "shop-prod");
        // A name that does not end in its group is left whole rather than cut wrong.
        assert_eq!(
            default_function("shop-prodbackup", Some("backup")),
            "shop-prodbackup"
        );
        assert_eq!(default_function("other", Some("backup")), "other");
    }
}

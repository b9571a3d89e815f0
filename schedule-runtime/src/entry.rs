//! The application's `main`: serve Lambda invocations in Lambda, run the command line elsewhere.

use std::process::ExitCode;
use std::sync::Arc;

use schedule_core::jiff::Timestamp;
use serde_json::Value;

use crate::dispatch::{DispatchError, Dispatcher, Invocation};
use crate::environment;
use crate::heartbeat::Heartbeat;
use crate::idempotency::{DynamoDbStore, IdempotencyStore, MemoryStore, UnconfiguredStore};
use crate::registry::Registry;

/// Runs the application: in Lambda (`AWS_LAMBDA_RUNTIME_API` set) it serves invocations through
/// `lambda_runtime`; elsewhere it runs the command line: `run` (the default), `invoke`, `list`,
/// `next` and `replay`, described in the repository's `docs/contracts.md` and by `--help`.
/// Startup makes no network call: clients are built once, here, and reused.
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
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        runtime.block_on(serve_lambda())
    } else {
        runtime.block_on(crate::cli::run(std::env::args_os()))
    }
}

#[allow(clippy::print_stderr)] // Before logging is set up, stderr is the only channel.
fn report(message: &str) {
    eprintln!("error: {message}");
}

async fn serve_lambda() -> ExitCode {
    init_json_logs();
    let registry = match Registry::load() {
        Ok(registry) => registry,
        Err(error) => {
            tracing::error!(%error, "no tasks to serve");
            return ExitCode::FAILURE;
        }
    };
    let heartbeat = Heartbeat::from_env(registry.names());
    let store = lambda_store(&registry);
    let dispatcher = Dispatcher::new(registry, store, heartbeat, environment::deployment());
    let handler = lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<Value>| {
        let dispatcher = dispatcher.clone();
        async move {
            let deadline = i64::try_from(event.context.deadline)
                .ok()
                .and_then(|ms| Timestamp::from_millisecond(ms).ok());
            let invocation = Invocation {
                request_id: event.context.request_id,
                deadline,
            };
            dispatcher.dispatch(event.payload, invocation).await
        }
    });
    match lambda_runtime::run(handler).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "the Lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}

/// The idempotency store in Lambda: DynamoDB when a table is configured; otherwise idempotent
/// tasks fail closed, because an in-memory store would not see other instances' runs.
fn lambda_store(registry: &Registry) -> Arc<dyn IdempotencyStore> {
    let needs_store = registry
        .tasks()
        .iter()
        .any(|t| t.spec().idempotency.is_some());
    match std::env::var(environment::IDEMPOTENCY_TABLE) {
        Ok(table) if !table.is_empty() => dynamodb_store(table),
        _ if needs_store => Arc::new(UnconfiguredStore),
        _ => Arc::new(MemoryStore::new()),
    }
}

fn dynamodb_store(table: String) -> Arc<dyn IdempotencyStore> {
    Arc::new(DynamoDbStore::from_env(table))
}

fn init_json_logs() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").unwrap_or_else(|_| "info".to_owned());
    let filter = tracing_subscriber::EnvFilter::try_new(level.to_lowercase())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .init();
}

impl From<DispatchError> for lambda_runtime::Diagnostic {
    fn from(error: DispatchError) -> Self {
        lambda_runtime::Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}

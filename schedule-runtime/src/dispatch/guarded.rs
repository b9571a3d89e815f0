//! The task's own run: a tokio task of its own, so that a panic is contained, under a timeout.

use std::time::Duration;

use serde_json::Value;
use tracing::Instrument;

use super::error::Failure;
use crate::context::TaskContext;
use crate::task::Registration;

/// Runs the task as its own tokio task, so that a panic is contained, and cancels it at
/// `timeout`.
pub(super) async fn guarded(
    task: &'static Registration,
    context: TaskContext,
    input: Option<Value>,
    timeout: Duration,
) -> Result<Value, Failure> {
    // The task's own log lines carry the invocation's span (task, scheduled time, attempt).
    let mut handle = tokio::spawn(task.run(context, input).in_current_span());
    match tokio::time::timeout(timeout, &mut handle).await {
        Ok(Ok(result)) => result.map_err(Failure::Task),
        Ok(Err(join_error)) if join_error.is_panic() => {
            Err(Failure::Panicked(panic_message(join_error.into_panic())))
        }
        Ok(Err(_cancelled)) => Err(Failure::Panicked("the run was cancelled".to_owned())),
        Err(_elapsed) => {
            handle.abort();
            Err(Failure::TimedOut(timeout))
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(message) => *message,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(message) => (*message).to_owned(),
            Err(_) => "a panic with a non-string payload".to_owned(),
        },
    }
}

//! The scheduled tasks of {{name}}. The three binaries link this library, and with it every
//! task: `src/main.rs` runs the tasks (here, and in Lambda), `src/bin/codegen.rs` writes the
//! Terraform that deploys them, `src/bin/ops.rs` operates a deployment.

use schedule_runtime::{TaskContext, scheduled};

/// Says hello every minute.
#[scheduled("rate(1 minute)")]
pub async fn hello(ctx: TaskContext) -> anyhow::Result<String> {
    Ok(format!("hello from the run due at {}", ctx.scheduled_time()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use schedule_runtime::idempotency::MemoryStore;
    use schedule_runtime::{Dispatcher, Heartbeat, Invocation, Outcome, Registry};

    /// The task as it will run: an event through the dispatcher, as Scheduler sends it.
    #[tokio::test]
    async fn hello_runs_as_scheduler_would_run_it() -> anyhow::Result<()> {
        let dispatcher = Dispatcher::new(
            Registry::load()?,
            Arc::new(MemoryStore::new()),
            Heartbeat::disabled(),
            "test",
        );
        let event = serde_json::json!({"task": "hello", "scheduled_time": "2026-11-27T09:00:00Z"});
        let outcome = dispatcher.dispatch(event, Invocation::default()).await?;
        let Outcome::Succeeded { result, .. } = outcome else {
            anyhow::bail!("expected a run, got {outcome:?}");
        };
        assert_eq!(result, "hello from the run due at 2026-11-27T09:00:00Z");
        Ok(())
    }
}

//! The context and the input in either order, alone, or neither.

use schedule_runtime::{TaskContext, scheduled};

#[derive(serde::Deserialize, Default)]
struct Options {
    dry_run: bool,
}

#[scheduled("rate(1 hour)")]
async fn input_then_context(options: Options, ctx: TaskContext) {
    let _ = (options.dry_run, ctx.task());
}

#[scheduled("rate(1 hour)")]
async fn context_then_input(ctx: TaskContext, options: Options) {
    let _ = (options.dry_run, ctx.task());
}

#[scheduled("rate(1 hour)")]
async fn context_only(ctx: schedule_runtime::TaskContext) {
    let _ = ctx.environment();
}

// No `Default` needed when the input is declared.
#[derive(serde::Deserialize)]
struct Declared {
    format: String,
}

#[scheduled("rate(1 hour)", input = r#"{"format": "csv"}"#)]
async fn declared_input(input: Declared) {
    let _ = input.format;
}

#[scheduled("rate(1 hour)")]
async fn plain_types(limit: Option<u32>) {
    let _ = limit;
}

fn main() {}

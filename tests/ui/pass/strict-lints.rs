//! The expansion is clean under strict lints: a user's `deny` must never fire on our code.

#![deny(warnings, missing_docs, unused, unreachable_pub, rust_2018_idioms, unsafe_code)]
#![deny(non_snake_case, non_upper_case_globals, dead_code, unused_qualifications)]

use schedule_runtime::{TaskContext, scheduled};

/// A documented public task.
#[scheduled("cron(0 8 * * ? *)", timezone = "Europe/Berlin", idempotent, heartbeat)]
pub async fn public_task(ctx: TaskContext) -> Result<(), std::io::Error> {
    let _ = ctx;
    Ok(())
}

#[scheduled("rate(5 minutes)")]
async fn private_task() {}

/// A task in a module, declared `pub(crate)`.
pub mod nested {
    use schedule_runtime::scheduled;

    /// Runs in a module.
    #[scheduled("at(2030-01-01T00:00:00)", timezone = "Asia/Tokyo")]
    pub(crate) async fn once() {}
}

fn main() {
    // The functions stay ordinary functions, callable as written.
    let _ = private_task();
    let _ = nested::once();
}

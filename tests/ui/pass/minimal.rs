//! The smallest declaration: an expression and an async function.

use schedule_runtime::scheduled;

#[scheduled("rate(1 hour)")]
async fn hourly() {}

fn main() {}

use schedule_runtime::{TaskContext, scheduled};

#[scheduled("rate(1 day)")]
async fn nightly(ctx: &TaskContext) {
    let _ = ctx;
}

fn main() {}

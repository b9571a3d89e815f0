use schedule_runtime::{TaskContext, scheduled};

#[scheduled("rate(1 day)")]
async fn nightly(a: TaskContext, b: TaskContext) {
    let _ = (a, b);
}

fn main() {}

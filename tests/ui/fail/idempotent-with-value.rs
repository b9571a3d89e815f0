use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", idempotent = true)]
async fn nightly() {}

fn main() {}

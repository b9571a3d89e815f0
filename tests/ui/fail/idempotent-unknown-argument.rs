use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", idempotent(expire = "7d"))]
async fn nightly() {}

fn main() {}

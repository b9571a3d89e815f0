use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", idempotent(ttl = "1h"))]
async fn nightly() {}

fn main() {}

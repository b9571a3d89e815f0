use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", idempotent(ttl = "7d", ttl = "8d"))]
async fn nightly() {}

fn main() {}

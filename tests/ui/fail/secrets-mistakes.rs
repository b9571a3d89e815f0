use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", secrets = ["supplier key", "db-url", "db-url"])]
async fn nightly() {}

#[scheduled("rate(1 day)", secrets = [])]
async fn weekly() {}

#[scheduled("rate(1 day)", secrets = "db-url")]
async fn hourly() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", heartbeat = true)]
async fn nightly() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", heartbeat = "sentri")]
async fn nightly() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", alert_after = 0, pause_after = 101)]
async fn nightly() {}

fn main() {}

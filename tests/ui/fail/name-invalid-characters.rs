use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", name = "nightly report")]
async fn nightly() {}

fn main() {}

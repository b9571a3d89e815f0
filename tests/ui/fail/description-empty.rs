use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", description = "")]
async fn nightly() {}

fn main() {}

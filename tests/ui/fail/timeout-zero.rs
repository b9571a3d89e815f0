use schedule_runtime::scheduled;

#[scheduled("rate(1 hour)", timeout = "0s")]
async fn hourly() {}

fn main() {}

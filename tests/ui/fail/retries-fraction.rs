use schedule_runtime::scheduled;

#[scheduled("rate(1 hour)", retries = 1.5)]
async fn hourly() {}

fn main() {}

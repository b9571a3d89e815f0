use schedule_runtime::scheduled;

#[scheduled("rate(1 hour)", retries = 3)]
async fn hourly() {}

fn main() {}

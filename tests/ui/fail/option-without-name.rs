use schedule_runtime::scheduled;

#[scheduled("rate(1 hour)", "Europe/Berlin")]
async fn hourly() {}

fn main() {}

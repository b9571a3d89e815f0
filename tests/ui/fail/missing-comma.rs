use schedule_runtime::scheduled;

#[scheduled("rate(1 hour)" heartbeat)]
async fn hourly() {}

fn main() {}

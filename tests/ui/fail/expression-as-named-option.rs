use schedule_runtime::scheduled;

#[scheduled(schedule = "rate(1 hour)")]
async fn hourly() {}

fn main() {}

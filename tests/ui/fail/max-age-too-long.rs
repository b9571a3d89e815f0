use schedule_runtime::scheduled;

#[scheduled("rate(1 hour)", max_age = "7h")]
async fn hourly() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(1 hour)", timeout = "16m")]
async fn hourly() {}

fn main() {}

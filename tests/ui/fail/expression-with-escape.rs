use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)\n")]
async fn daily() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)", timeout = "5 minutes")]
async fn daily() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)", priority = 1)]
async fn daily() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)", window = 15)]
async fn daily() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)", window = "90s")]
async fn daily() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)", window = "25h")]
async fn daily() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("cron(0 0 30 2 ? *)")]
async fn february_thirtieth() {}

fn main() {}

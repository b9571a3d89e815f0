use schedule_runtime::scheduled;

#[scheduled("cron(0 9 ? * 0 *)")]
async fn weekly() {}

fn main() {}

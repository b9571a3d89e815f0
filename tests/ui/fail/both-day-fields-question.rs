use schedule_runtime::scheduled;

#[scheduled("cron(0 9 ? * ? *)")]
async fn daily() {}

fn main() {}

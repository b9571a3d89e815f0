use schedule_runtime::scheduled;

#[scheduled("CRON(0 8 * * ? *)")]
async fn daily() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("cron(0 9 * * MON *)")]
async fn weekly() {}

fn main() {}

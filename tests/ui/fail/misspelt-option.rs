use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)", timzone = "Europe/Berlin")]
async fn daily() {}

fn main() {}

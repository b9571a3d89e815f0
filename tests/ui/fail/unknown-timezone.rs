use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)", timezone = "Europe/Londn")]
async fn daily() {}

fn main() {}

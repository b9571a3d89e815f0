use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)", timezone = Berlin)]
async fn daily() {}

fn main() {}

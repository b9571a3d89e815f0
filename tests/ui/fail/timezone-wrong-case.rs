use schedule_runtime::scheduled;

#[scheduled("cron(0 8 * * ? *)", timezone = "europe/berlin")]
async fn daily() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(5 minute)")]
async fn often() {}

fn main() {}

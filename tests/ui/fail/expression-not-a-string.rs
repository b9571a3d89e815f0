use schedule_runtime::scheduled;

#[scheduled(daily)]
async fn daily() {}

fn main() {}

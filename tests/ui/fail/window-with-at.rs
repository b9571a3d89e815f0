use schedule_runtime::scheduled;

#[scheduled("at(2027-01-01T09:00:00)", window = "15m")]
async fn once() {}

fn main() {}

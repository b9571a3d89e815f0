use schedule_runtime::scheduled;

#[scheduled("at(2027-01-01T09:00:00)", end = "2027-02-01T00:00:00Z")]
async fn once() {}

fn main() {}

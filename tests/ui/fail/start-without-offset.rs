use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", start = "2027-01-01T00:00:00")]
async fn nightly() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", environments = "production")]
async fn nightly() {}

fn main() {}

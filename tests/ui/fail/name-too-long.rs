use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", name = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
async fn nightly() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", environments = [])]
async fn nightly() {}

fn main() {}

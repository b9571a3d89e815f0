use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", environments = ["prod env"])]
async fn nightly() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(1 day)")]
fn nightly() {}

fn main() {}

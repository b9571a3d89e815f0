use schedule_runtime::scheduled;

#[scheduled("rate(1 day)")]
struct Nightly;

fn main() {}

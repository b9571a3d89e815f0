use schedule_runtime::scheduled;

#[scheduled("rate(1 day)")]
async unsafe fn nightly() {}

fn main() {}

use schedule_runtime::scheduled;

// A deferred task runs at the time the code gives: nothing about a schedule applies.
#[scheduled(deferred, window = "5m", start = "2026-01-01T00:00:00Z", end = "2027-01-01T00:00:00Z", heartbeat)]
async fn reminder() {}

fn main() {}

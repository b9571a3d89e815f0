use schedule_runtime::scheduled;

#[scheduled("rate(1 day)")]
async fn nightly() -> u32 {
    1
}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(1 day)")]
async fn nightly(first: u32, second: u32) {
    let _ = (first, second);
}

fn main() {}

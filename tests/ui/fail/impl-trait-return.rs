use schedule_runtime::scheduled;

#[scheduled("rate(1 day)")]
async fn nightly() -> impl serde::Serialize {
    1
}

fn main() {}

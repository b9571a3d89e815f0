use schedule_runtime::scheduled;

struct Shop;

impl Shop {
    #[scheduled("rate(1 day)")]
    async fn nightly(&self) {}
}

fn main() {}

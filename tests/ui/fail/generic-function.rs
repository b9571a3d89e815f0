use schedule_runtime::scheduled;

#[scheduled("rate(1 day)")]
async fn nightly<T: Default>() {
    let _ = T::default();
}

fn main() {}

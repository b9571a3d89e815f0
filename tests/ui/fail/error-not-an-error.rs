use schedule_runtime::scheduled;

struct Oops;

#[scheduled("rate(1 day)")]
async fn nightly() -> Result<(), Oops> {
    Err(Oops)
}

fn main() {}

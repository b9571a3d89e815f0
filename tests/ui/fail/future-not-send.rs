use schedule_runtime::scheduled;

async fn tick() {}

#[scheduled("rate(1 day)")]
async fn nightly() {
    let counter = std::rc::Rc::new(1);
    tick().await;
    let _ = counter;
}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled(defered, retries = 1)]
async fn reminder() {}

fn main() {}

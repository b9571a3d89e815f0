use schedule_runtime::scheduled;

#[scheduled]
async fn nothing() {}

fn main() {}

use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", name = "2026")]
async fn yearly_report() {}

fn main() {}

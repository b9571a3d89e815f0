use schedule_runtime::scheduled;

#[scheduled("rate(1 minute)", overlap = "skipp")]
async fn sync() {}

#[scheduled("rate(1 minute)", overlap = "queue")]
async fn export() {}

#[scheduled("rate(1 minute)", overlap = true)]
async fn report() {}

fn main() {}

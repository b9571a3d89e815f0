use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", function = "Backup")]
async fn nightly() {}

#[scheduled("rate(1 day)", function = "nightly-backups")]
async fn weekly() {}

#[scheduled("rate(1 day)", function = "dispatch")]
async fn hourly() {}

#[scheduled("rate(1 day)", function = ["backup"])]
async fn daily() {}

fn main() {}

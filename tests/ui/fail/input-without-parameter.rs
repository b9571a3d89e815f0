use schedule_runtime::scheduled;

#[scheduled("rate(1 day)", input = r#"{"format": "pdf"}"#)]
async fn nightly() {}

fn main() {}

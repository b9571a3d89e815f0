use schedule_runtime::scheduled;

#[derive(serde::Deserialize)]
struct Request {
    format: String,
}

#[scheduled("rate(1 day)")]
async fn nightly(input: Request) {
    let _ = input.format;
}

fn main() {}

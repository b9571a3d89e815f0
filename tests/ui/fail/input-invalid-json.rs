use schedule_runtime::scheduled;

#[derive(serde::Deserialize)]
struct Request {
    format: String,
}

#[scheduled("rate(1 day)", input = r#"{"format": pdf}"#)]
async fn nightly(input: Request) {
    let _ = input.format;
}

fn main() {}

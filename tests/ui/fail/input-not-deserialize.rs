use schedule_runtime::scheduled;

struct Request;

#[scheduled("rate(1 day)", input = "null")]
async fn nightly(input: Request) {
    let _ = input;
}

fn main() {}

//! `()` and every kind of `Result` a task may return.

use schedule_runtime::scheduled;

#[derive(Debug)]
struct Nothing;


impl std::fmt::Display for Nothing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("nothing")
    }
}

#[scheduled("rate(1 hour)")]
async fn unit() {}

#[scheduled("rate(1 hour)")]
async fn explicit_unit() -> () {}

#[scheduled("rate(1 hour)")]
async fn io_error() -> Result<u64, std::io::Error> {
    Ok(1)
}

#[scheduled("rate(1 hour)")]
async fn with_anyhow() -> anyhow::Result<Vec<String>> {
    Ok(vec![])
}

#[scheduled("rate(1 hour)")]
async fn boxed() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    Ok(())
}

#[scheduled("rate(1 hour)")]
async fn own_error() -> Result<serde_json::Value, Nothing> {
    Err(Nothing)
}

fn main() {}

impl std::error::Error for Nothing {}

//! The baseline of the cold-start benchmark: a bare `lambda_runtime` binary that echoes its
//! event, with nothing of `schedule` in it. Built with the workspace's release profile (fat
//! LTO, one codegen unit, stripped), the same as an application, so the two differ only in what
//! `schedule` adds:
//!
//! `cargo build --release -p schedule-benchmarks --example bare_lambda`

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

async fn echo(event: LambdaEvent<Value>) -> Result<Value, Error> {
    Ok(event.payload)
}

fn main() -> Result<(), Error> {
    // What `#[tokio::main]` builds, written out so the benchmark needs no macros feature.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(lambda_runtime::run(service_fn(echo)))
}

//! Cold start of an application binary as a Lambda function: from process start to its first
//! Lambda Runtime API request (`GET /2018-06-01/runtime/invocation/next`).
//!
//! `cargo run --release -p schedule-benchmarks --example cold_start -- target/release/example-shop 50`
//! starts the binary that many times against a loopback listener and prints the distribution.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args
        .next()
        .unwrap_or_else(|| "target/release/example-shop".to_owned());
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(50);
    let mut samples: Vec<Duration> = (0..runs).map(|_| one(&binary)).collect();
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    let report = format!(
        "{runs} cold starts of {binary}: min {:.2} ms, median {:.2} ms, p90 {:.2} ms, max {:.2} ms\n",
        ms(samples[0]),
        ms(samples[runs / 2]),
        ms(samples[runs * 9 / 10]),
        ms(samples[runs - 1]),
    );
    #[allow(clippy::print_stdout)] // An example's whole job is to print.
    {
        print!("{report}");
    }
}

/// Starts the binary once and times its first request.
fn one(binary: &str) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("bound").to_string();
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", &address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "shop")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("SCHEDULE_IDEMPOTENCY_TABLE", "shop-idempotency")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let (stream, _) = listener.accept().expect("the runtime connects");
    let mut line = String::new();
    BufReader::new(stream)
        .read_line(&mut line)
        .expect("a request line");
    let elapsed = started.elapsed();
    assert!(
        line.contains("/runtime/invocation/next"),
        "unexpected first request: {line}"
    );
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

//! Cold start of an application binary as a Lambda function, against a bare `lambda_runtime`
//! binary measured in the same run: from process start to its first Lambda Runtime API request
//! (`GET /2018-06-01/runtime/invocation/next`).
//!
//! ```text
//! cargo build --release -p example-shop -p schedule-benchmarks --example bare_lambda
//! cargo run --release -p schedule-benchmarks --example cold_start -- \
//!     target/release/example-shop target/release/examples/bare_lambda 50
//! ```
//!
//! The two binaries are started alternately, so a noisy neighbour slows both alike; the figure
//! to read is the ratio of the medians. The ratio of the lower quartiles is printed beside it:
//! this machine's starts are sometimes bimodal, and a median that lands in the slow mode for one
//! binary and not the other moves the first ratio more than any change does. The application runs with its idempotency table
//! configured (`SCHEDULE_IDEMPOTENCY_TABLE`), as every deployed application with an
//! `idempotent` task does.

use schedule_benchmarks::lambda_function;
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let application = args
        .next()
        .unwrap_or_else(|| "target/release/example-shop".to_owned());
    let bare = args
        .next()
        .unwrap_or_else(|| "target/release/examples/bare_lambda".to_owned());
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(50);

    // One start of each to warm the page cache, not counted.
    one(&application);
    one(&bare);
    let mut app_samples = Vec::with_capacity(runs);
    let mut bare_samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        app_samples.push(one(&application));
        bare_samples.push(one(&bare));
    }
    let app = Distribution::of(app_samples);
    let baseline = Distribution::of(bare_samples);
    let report = format!(
        "{runs} cold starts each, alternating\n\
         application {application}: {app}\n\
         bare lambda_runtime {bare}: {baseline}\n\
         ratio of medians: {:.2}\n\
         ratio of lower quartiles: {:.2}\n",
        app.median.as_secs_f64() / baseline.median.as_secs_f64(),
        app.p25.as_secs_f64() / baseline.p25.as_secs_f64()
    );
    #[allow(clippy::print_stdout)] // An example's whole job is to print.
    {
        print!("{report}");
    }
}

struct Distribution {
    min: Duration,
    p25: Duration,
    median: Duration,
    p90: Duration,
    max: Duration,
}

impl Distribution {
    fn of(mut samples: Vec<Duration>) -> Distribution {
        samples.sort();
        let n = samples.len();
        Distribution {
            min: samples[0],
            p25: samples[n / 4],
            median: samples[n / 2],
            p90: samples[n * 9 / 10],
            max: samples[n - 1],
        }
    }
}

impl std::fmt::Display for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
        write!(
            f,
            "min {:.2} ms, p25 {:.2} ms, median {:.2} ms, p90 {:.2} ms, max {:.2} ms",
            ms(self.min),
            ms(self.p25),
            ms(self.median),
            ms(self.p90),
            ms(self.max)
        )
    }
}

/// Starts the binary once and times its first request.
fn one(binary: &str) -> Duration {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("bound").to_string();
    let started = Instant::now();
    let mut child = lambda_function(binary, &address)
        .env("SCHEDULE_IDEMPOTENCY_TABLE", "shop-idempotency")
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

//! What a lazy start costs the first invocation, and what the ledger costs a run: an
//! application binary started as a Lambda function, handed a task's event the moment it asks
//! for one, against a DynamoDB-compatible server (moto). Times, per start: process start to the
//! first `/invocation/next`, then the first invocation (event handed over to response received:
//! it builds the HTTPS stack and the DynamoDB client, and does the store's and the ledger's
//! round trips), then a second invocation of another occurrence on the same warm process.
//!
//! Four configurations, measured alternately in one run: the shop's `daily-sales-report`
//! (`idempotent`: claim and complete) and `sitemap-refresh` (plain: no store), each without and
//! with the ledger table (two more writes per run: started, finished).
//!
//! ```text
//! cargo build --release -p example-shop
//! cargo run --release -p schedule-benchmarks --example first_invocation -- \
//!     target/release/example-shop http://127.0.0.1:5000 20
//! ```
//!
//! (`scripts/test.sh` prints moto's address; or start `moto_server -p 5000` from `.cache/venv`.)

use schedule_benchmarks::lambda_function;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args
        .next()
        .unwrap_or_else(|| "target/release/example-shop".to_owned());
    let endpoint = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:5000".to_owned());
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let table = format!("first-invocation-{}", std::process::id());
    create_table(&endpoint, &table, IDEMPOTENCY_KEYS);
    let ledger = format!("first-invocation-ledger-{}", std::process::id());
    create_table(&endpoint, &ledger, LEDGER_KEYS);

    let configurations = [
        (
            "daily-sales-report (idempotent), no ledger",
            "daily-sales-report",
            None,
        ),
        (
            "daily-sales-report (idempotent), ledger",
            "daily-sales-report",
            Some(ledger.as_str()),
        ),
        (
            "sitemap-refresh (plain), no ledger",
            "sitemap-refresh",
            None,
        ),
        (
            "sitemap-refresh (plain), ledger",
            "sitemap-refresh",
            Some(ledger.as_str()),
        ),
    ];
    let mut samples = vec![(Vec::new(), Vec::new(), Vec::new()); configurations.len()];
    for run in 0..=runs {
        for (i, (_, task, ledger)) in configurations.iter().enumerate() {
            let run_id = run * configurations.len() + i;
            let (start, first, second) = one(&binary, &endpoint, &table, *ledger, task, run_id);
            // The first round warms the page cache and moto; it is not counted.
            if run > 0 {
                samples[i].0.push(start);
                samples[i].1.push(first);
                samples[i].2.push(second);
            }
        }
    }
    let mut report = format!("{runs} starts per configuration of {binary} against {endpoint}\n");
    for ((name, ..), (starts, firsts, seconds)) in configurations.iter().zip(samples) {
        report.push_str(&format!(
            "{name}\n  process start to first /next: {}\n  first invocation: {}\n  second invocation, same process: {}\n",
            summary(starts),
            summary(firsts),
            summary(seconds)
        ));
    }
    #[allow(clippy::print_stdout)] // An example's whole job is to print.
    {
        print!("{report}");
    }
}

const IDEMPOTENCY_KEYS: &str = r#""AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]"#;
const LEDGER_KEYS: &str = r#""AttributeDefinitions": [{"AttributeName": "task", "AttributeType": "S"}, {"AttributeName": "at", "AttributeType": "N"}],
    "KeySchema": [{"AttributeName": "task", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}]"#;

fn summary(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    let n = samples.len();
    format!(
        "median {:.2} ms, p90 {:.2} ms, max {:.2} ms",
        ms(samples[n / 2]),
        ms(samples[n * 9 / 10]),
        ms(samples[n - 1])
    )
}

/// One process: two invocations of `task`, each a new occurrence (so that an idempotent task
/// claims and completes both times), with the ledger in table `ledger` or none.
fn one(
    binary: &str,
    endpoint: &str,
    table: &str,
    ledger: Option<&str>,
    task: &str,
    run: usize,
) -> (Duration, Duration, Duration) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("bound").to_string();
    // Every request of the runtime, on whichever connection its client pool picks.
    let (requests, received) = mpsc::channel::<(String, TcpStream)>();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let requests = requests.clone();
            let _ = stream.set_nodelay(true);
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().expect("a socket"));
                while let Some(line) = read_request(&mut reader) {
                    let writer = stream.try_clone().expect("a socket");
                    if requests.send((line, writer)).is_err() {
                        return;
                    }
                }
            });
        }
    });
    let mut command = lambda_function(binary, &address);
    command
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        .env("SCHEDULE_IDEMPOTENCY_TABLE", table)
        .env("SCHEDULE_ENVIRONMENT", "production")
        .env(
            "SHOP_DATA_DIR",
            std::env::temp_dir().join("first-invocation-shop"),
        );
    if let Some(ledger) = ledger {
        command.env("SCHEDULE_LEDGER_TABLE", ledger);
    }
    let started = Instant::now();
    let mut child = command.spawn().expect("the binary starts");
    let next = |expected: &str| {
        let (line, writer) = received
            .recv_timeout(Duration::from_secs(30))
            .expect("the runtime calls");
        assert!(line.contains(expected), "expected {expected}, got {line}");
        writer
    };
    let mut poll = next("/invocation/next");
    let start = started.elapsed();
    let mut invocation = |n: usize| {
        // Whole hours apart, in the past, never the same twice.
        let at = 1_700_000_000 + (run * 2 + n) as u64 * 3_600;
        let event = format!(
            r#"{{"task": "{task}", "scheduled_time": "{}", "attempt": "1"}}"#,
            rfc3339(at)
        );
        let handed = Instant::now();
        send_event(&mut poll, &format!("request-{n}"), &event);
        let mut response = next("/response");
        let elapsed = handed.elapsed();
        response
            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}")
            .expect("the answer is sent");
        poll = next("/invocation/next");
        elapsed
    };
    let first = invocation(1);
    let second = invocation(2);
    let _ = child.kill();
    let _ = child.wait();
    (start, first, second)
}

/// Reads one request (head and body); its request line, or `None` when the connection ends.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end().to_ascii_lowercase();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(request_line)
}

fn send_event(writer: &mut TcpStream, id: &str, event: &str) {
    let deadline = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis()
        + 30_000;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         lambda-runtime-aws-request-id: {id}\r\nlambda-runtime-deadline-ms: {deadline}\r\n\
         lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:shop\r\n\r\n",
        event.len()
    );
    // One write: two would meet Nagle's algorithm and the client's delayed ACK (40 ms).
    writer
        .write_all(format!("{head}{event}").as_bytes())
        .expect("the event is sent");
}

fn rfc3339(epoch_seconds: u64) -> String {
    let days = epoch_seconds / 86_400;
    let seconds = epoch_seconds % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:00Z",
        seconds / 3_600,
        seconds % 3_600 / 60
    )
}

/// Creates the table through DynamoDB's JSON protocol (moto does not check signatures).
fn create_table(endpoint: &str, table: &str, keys: &str) {
    let address = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let body = format!(r#"{{"TableName": "{table}", "BillingMode": "PAY_PER_REQUEST", {keys}}}"#);
    let mut stream = TcpStream::connect(address).expect("the DynamoDB server answers");
    let request = format!(
        "POST / HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/x-amz-json-1.0\r\n\
         x-amz-target: DynamoDB_20120810.CreateTable\r\n\
         authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "CreateTable: {answer}");
}

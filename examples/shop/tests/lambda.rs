//! The shop's compiled binary as a Lambda function: a Lambda Runtime API server in this test
//! hands it events, collects its responses and error responses, and the idempotency table
//! lives on moto's DynamoDB server (started by `scripts/test.sh`).

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use schedule_runtime::idempotency::{Connection, DynamoDbStore};
use serde_json::{Value, json};

/// What the function sent back for one invocation.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Response(Value),
    Error { error_type: String, body: Value },
}

#[derive(Default)]
struct State {
    queue: VecDeque<(String, String)>,
    replies: HashMap<String, Reply>,
    next_id: u64,
}

/// A Lambda Runtime API on loopback: `GET .../invocation/next` long-polls for queued events,
/// `POST .../invocation/{id}/response` and `.../error` record replies.
struct RuntimeApi {
    address: String,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl RuntimeApi {
    fn start() -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let state: Arc<(Mutex<State>, Condvar)> = Arc::default();
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &shared));
            }
        });
        RuntimeApi { address, state }
    }

    /// Queues `body` as an invocation and waits for the function's reply.
    fn invoke(&self, body: &str) -> Reply {
        let (lock, ready) = &*self.state;
        let mut state = lock.lock().unwrap();
        state.next_id += 1;
        let id = format!("request-{}", state.next_id);
        state.queue.push_back((id.clone(), body.to_owned()));
        ready.notify_all();
        let (mut state, timeout) = ready
            .wait_timeout_while(state, Duration::from_secs(30), |s| {
                !s.replies.contains_key(&id)
            })
            .unwrap();
        assert!(!timeout.timed_out(), "no reply to {body}");
        state.replies.remove(&id).unwrap()
    }
}

fn serve(stream: TcpStream, shared: &(Mutex<State>, Condvar)) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    // One connection carries many requests (the client keeps it alive).
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = HashMap::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let body = read_body(&mut reader, &headers);
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (lock, ready) = shared;
        if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let state = lock.lock().unwrap();
            let mut state = ready.wait_while(state, |s| s.queue.is_empty()).unwrap();
            let (id, event) = state.queue.pop_front().unwrap();
            drop(state);
            let deadline = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis()
                + 30_000;
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 lambda-runtime-aws-request-id: {id}\r\nlambda-runtime-deadline-ms: {deadline}\r\n\
                 lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:123456789012:function:shop\r\n\
                 lambda-runtime-trace-id: Root=1-5759e988-bd862e3fe1be46a994272793\r\n\r\n",
                event.len()
            );
            writer.write_all(head.as_bytes()).unwrap();
            writer.write_all(event.as_bytes()).unwrap();
            continue;
        }
        let reply = if let Some(id) = path
            .strip_suffix("/response")
            .and_then(|p| p.rsplit('/').next())
        {
            Some((id.to_owned(), Reply::Response(parse(&body))))
        } else if let Some(id) = path
            .strip_suffix("/error")
            .and_then(|p| p.rsplit('/').next())
        {
            let error_type = headers
                .get("lambda-runtime-function-error-type")
                .cloned()
                .unwrap_or_default();
            Some((
                id.to_owned(),
                Reply::Error {
                    error_type,
                    body: parse(&body),
                },
            ))
        } else {
            None
        };
        if let Some((id, reply)) = reply {
            lock.lock().unwrap().replies.insert(id, reply);
            ready.notify_all();
        }
        writer
            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\n\r\n{}")
            .unwrap();
    }
}

fn read_body(reader: &mut BufReader<TcpStream>, headers: &HashMap<String, String>) -> Vec<u8> {
    if let Some(length) = headers.get("content-length") {
        let mut body = vec![0; length.parse().unwrap()];
        reader.read_exact(&mut body).unwrap();
        return body;
    }
    let mut body = Vec::new();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v.contains("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).unwrap();
            let size = usize::from_str_radix(size.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }
    body
}

fn parse(body: &[u8]) -> Value {
    serde_json::from_slice(body)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(body).into_owned()))
}

/// The shop binary, running as a Lambda function against `api`.
struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_function(
    api: &RuntimeApi,
    endpoint: &str,
    table: &str,
    log: &std::path::Path,
) -> Function {
    let log = std::fs::File::create(log).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_example-shop"))
        .env("AWS_LAMBDA_RUNTIME_API", &api.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "shop")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL_DYNAMODB", endpoint)
        .env("SCHEDULE_IDEMPOTENCY_TABLE", table)
        .env("SCHEDULE_ENVIRONMENT", "production")
        .stdout(Stdio::from(log))
        .stderr(Stdio::null())
        .spawn()
        .expect("the shop binary starts");
    Function(child)
}

fn endpoint() -> String {
    std::env::var("SCHEDULE_TEST_DYNAMODB_ENDPOINT").expect(
        "SCHEDULE_TEST_DYNAMODB_ENDPOINT is not set: run the suite with `bash scripts/test.sh`",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn the_binary_serves_good_duplicate_and_hostile_events() {
    let endpoint = endpoint();
    let table = format!("shop-idempotency-{}", std::process::id());
    let store = DynamoDbStore::connect(
        &table,
        Connection {
            region: "us-east-1".to_owned(),
            endpoint: Some(endpoint.clone()),
            credentials: Some(("testing".to_owned(), "testing".to_owned(), None)),
        },
    );
    store.create_table().await.unwrap();
    let api = RuntimeApi::start();
    let log_path = std::env::temp_dir().join(format!("{table}.log"));
    let function = start_function(&api, &endpoint, &table, &log_path);

    // The blocking Runtime API calls run off the async runtime.
    let replies = tokio::task::spawn_blocking(move || {
        let report = r#"{"task": "daily-sales-report", "scheduled_time": "2026-11-27T05:00:00Z",
            "execution_id": "ad06616e51cdf74a", "attempt": "1",
            "schedule_arn": "arn:aws:scheduler:us-east-1:123456789012:schedule/shop/daily-sales-report",
            "input": {"report_type": "daily_sales", "format": "pdf"}}"#;
        [
            api.invoke(r#"{"task": "weekly-digest", "scheduled_time": "2026-11-30T08:00:00Z", "attempt": "1"}"#),
            api.invoke(report),
            api.invoke(report),
            api.invoke(r#"{"job": "daily-sales-report"}"#),
            api.invoke(r#"{"task": "daily-salse-report"}"#),
            api.invoke("this is not JSON"),
            api.invoke(r#"{"task": "daily-sales-report", "input": {"format": "pdf"}}"#),
            api.invoke(r#"{"task": "expired-session-cleanup"}"#),
        ]
    })
    .await
    .unwrap();

    assert_eq!(
        replies[0],
        Reply::Response(json!({"status": "succeeded", "task": "weekly-digest",
            "scheduled_time": "2026-11-30T08:00:00Z", "result": 0}))
    );
    let report = json!({"file": "daily_sales-2026-11-27.pdf"});
    assert_eq!(
        replies[1],
        Reply::Response(json!({"status": "succeeded", "task": "daily-sales-report",
            "scheduled_time": "2026-11-27T05:00:00Z", "result": report}))
    );
    assert_eq!(
        replies[2],
        Reply::Response(json!({"status": "duplicate", "task": "daily-sales-report",
            "scheduled_time": "2026-11-27T05:00:00Z", "result": report}))
    );
    // lambda_runtime marks every error response `unhandled` in the header; the kind of failure
    // is the body's `errorType`.
    let error = |reply: &Reply| match reply {
        Reply::Error { error_type, body } => {
            assert_eq!(error_type, "unhandled");
            (
                body["errorType"].as_str().unwrap_or_default().to_owned(),
                body.clone(),
            )
        }
        other => panic!("expected an error response, got {other:?}"),
    };
    let (kind, body) = error(&replies[3]);
    assert_eq!(kind, "InvalidScheduleEvent");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("unknown field `job`"),
        "{body}"
    );
    let (kind, body) = error(&replies[4]);
    assert_eq!(kind, "UnknownTask");
    assert_eq!(
        body["errorMessage"],
        "no task named `daily-salse-report`; the tasks are: daily-sales-report, expired-session-cleanup, weekly-digest"
    );
    // Not JSON at all: lambda_runtime rejects it before the dispatcher sees it.
    let (_, body) = error(&replies[5]);
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("failed to deserialize"),
        "{body}"
    );
    let (kind, body) = error(&replies[6]);
    assert_eq!(kind, "InvalidTaskInput");
    assert!(
        body["errorMessage"]
            .as_str()
            .unwrap()
            .contains("missing field `report_type`"),
        "{body}"
    );
    // After all that, the process still serves.
    assert!(
        matches!(&replies[7], Reply::Response(r) if r["status"] == "succeeded"),
        "{:?}",
        replies[7]
    );

    // The store holds the completed occurrence, keyed by task and scheduled time.
    let item = store
        .client()
        .get_item()
        .table_name(&table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(
                "daily-sales-report#2026-11-27T05:00:00Z".to_owned(),
            ),
        )
        .send()
        .await
        .unwrap();
    let item = item.item().expect("the occurrence is recorded");
    assert_eq!(item["status"].as_s().unwrap(), "completed");
    assert_eq!(
        item["result"].as_s().unwrap(),
        r#"{"file":"daily_sales-2026-11-27.pdf"}"#
    );

    // Logs are JSON lines, each inside the invocation's span.
    drop(function);
    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let find = |message: &str, task: &str| {
        lines
            .iter()
            .find(|l| l["fields"]["message"] == message && l["span"]["task"] == task)
    };
    let succeeded = find("succeeded", "weekly-digest").expect("a `succeeded` line");
    assert_eq!(succeeded["span"]["scheduled_time"], "2026-11-30T08:00:00Z");
    assert_eq!(succeeded["span"]["request_id"], "request-1");
    assert!(succeeded["fields"]["duration_ms"].is_u64(), "{succeeded}");
    assert!(
        find("skipped as duplicate", "daily-sales-report").is_some(),
        "{log}"
    );
    let failed = find("failed", "daily-sales-report").expect("a `failed` line");
    assert_eq!(failed["fields"]["error_type"], "InvalidTaskInput");
}

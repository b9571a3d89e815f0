//! Test support: a Lambda Runtime API on loopback and the shop binary as a function served by
//! it; in `tools`, the Terraform tools.
#![allow(dead_code)] // Each test file uses part of it.

pub(crate) mod operator;
pub(crate) mod tools;
#[path = "../../../../tests/support/vendor_rules.rs"]
pub(crate) mod vendor_rules;

/// The shop's tasks, in name order, as declared in `src/lib.rs`.
pub(crate) const SHOP_TASKS: [&str; 12] = [
    "daily-sales-report",
    "database-backup",
    "deferred-emails",
    "expired-session-cleanup",
    "inventory-sync",
    "review-request",
    "shipment-feed",
    "sitemap-refresh",
    "ssl-certificate-check",
    "weekly-digest",
    "winter-sale-launch",
    "year-end-stocktake",
];

/// Who moto says any credentials are (`sts:GetCallerIdentity`: its default account and user),
/// which `ops` records as the operator of a deployment's pause.
pub(crate) const MOTO_CALLER: &str = "arn:aws:sts::123456789012:user/moto";

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// What the function sent back for one invocation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    Response(Value),
    Error { error_type: String, body: Value },
}

#[derive(Default)]
struct State {
    /// Request id, body, and the deadline header to send (`None`: 30 s from now, as Lambda).
    queue: VecDeque<(String, String, Option<String>)>,
    replies: HashMap<String, Reply>,
    next_id: u64,
}

/// A Lambda Runtime API on loopback: `GET .../invocation/next` long-polls for queued events,
/// `POST .../invocation/{id}/response` and `.../error` record replies.
#[derive(Clone)]
pub(crate) struct RuntimeApi {
    pub(crate) address: String,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl RuntimeApi {
    pub(crate) fn start() -> RuntimeApi {
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
    pub(crate) fn invoke(&self, body: &str) -> Reply {
        self.invoke_with_deadline(body, None)
    }

    /// [`RuntimeApi::invoke`] with the given `Lambda-Runtime-Deadline-Ms` header, e.g. the
    /// constant `600000` that `cargo lambda watch` sends.
    pub(crate) fn invoke_with_deadline(&self, body: &str, deadline_ms: Option<&str>) -> Reply {
        let (lock, ready) = &*self.state;
        let mut state = lock.lock().unwrap();
        state.next_id += 1;
        let id = format!("request-{}", state.next_id);
        state
            .queue
            .push_back((id.clone(), body.to_owned(), deadline_ms.map(str::to_owned)));
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

impl RuntimeApi {
    /// Queues `body` as invocation `id` and returns at once, as Lambda's asynchronous
    /// invocation does; [`RuntimeApi::reply`] waits for the function's answer.
    pub(crate) fn send(&self, id: &str, body: &str) {
        let (lock, ready) = &*self.state;
        lock.lock()
            .unwrap()
            .queue
            .push_back((id.to_owned(), body.to_owned(), None));
        ready.notify_all();
    }

    /// The function's reply to invocation `id`, waiting at most `patience` for it.
    pub(crate) fn reply(&self, id: &str, patience: Duration) -> Option<Reply> {
        let (lock, ready) = &*self.state;
        let state = lock.lock().unwrap();
        let (mut state, _) = ready
            .wait_timeout_while(state, patience, |s| !s.replies.contains_key(id))
            .unwrap();
        state.replies.remove(id)
    }
}

/// One call of Lambda's `Invoke` API, as the stand-in received it.
#[derive(Debug, Clone)]
pub(crate) struct InvokeCall {
    pub(crate) function: String,
    pub(crate) qualifier: String,
    pub(crate) invocation_type: String,
    pub(crate) request_id: String,
    pub(crate) event: Value,
}

/// A stand-in for Lambda's `Invoke` API on loopback (`AWS_ENDPOINT_URL_LAMBDA`): it records
/// each call, answers an asynchronous one with 202 and a request id, and hands the event to the
/// function served by a [`RuntimeApi`] under that request id, so the real binary runs it.
/// moto's own `Invoke` would accept the call but run nothing.
pub(crate) struct LambdaInvokeApi {
    pub(crate) address: String,
    calls: Arc<Mutex<Vec<InvokeCall>>>,
}

impl LambdaInvokeApi {
    /// Hands every function's events to `runtime`.
    pub(crate) fn start(runtime: RuntimeApi) -> LambdaInvokeApi {
        LambdaInvokeApi::routing(vec![(String::new(), runtime)])
    }

    /// Hands each function's events to the runtime of its name in `routes` (`""` takes those
    /// of any other name); a function with none is answered as Lambda answers an unknown one.
    pub(crate) fn routing(routes: Vec<(String, RuntimeApi)>) -> LambdaInvokeApi {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let calls: Arc<Mutex<Vec<InvokeCall>>> = Arc::default();
        let recorded = Arc::clone(&calls);
        let routes = Arc::new(routes);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let recorded = Arc::clone(&recorded);
                let routes = Arc::clone(&routes);
                std::thread::spawn(move || serve_invoke(stream, &routes, &recorded));
            }
        });
        LambdaInvokeApi { address, calls }
    }

    /// Every call so far, in order.
    pub(crate) fn calls(&self) -> Vec<InvokeCall> {
        self.calls.lock().unwrap().clone()
    }
}

fn serve_invoke(
    stream: TcpStream,
    routes: &[(String, RuntimeApi)],
    calls: &Mutex<Vec<InvokeCall>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let Some((request_line, headers, body)) = read_request(&mut reader) else {
            return;
        };
        // POST /2015-03-31/functions/{name}/invocations?Qualifier={alias}
        let path = request_line.split_whitespace().nth(1).unwrap_or("");
        let (route, query) = path.split_once('?').unwrap_or((path, ""));
        let function = route
            .strip_prefix("/2015-03-31/functions/")
            .and_then(|rest| rest.strip_suffix("/invocations"))
            .unwrap_or_default()
            .to_owned();
        let qualifier = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("Qualifier="))
            .unwrap_or_default()
            .to_owned();
        let invocation_type = headers
            .get("x-amz-invocation-type")
            .cloned()
            .unwrap_or_else(|| "RequestResponse".to_owned());
        let runtime = routes
            .iter()
            .find(|(name, _)| *name == function)
            .or_else(|| routes.iter().find(|(name, _)| name.is_empty()))
            .map(|(_, runtime)| runtime);
        let Some(runtime) = runtime else {
            let refusal = format!("{{\"message\":\"Function not found: {function}\"}}");
            let head = format!(
                "HTTP/1.1 404 Not Found\r\nx-amzn-errortype: ResourceNotFoundException\r\ncontent-length: {}\r\n\r\n{refusal}",
                refusal.len()
            );
            writer.write_all(head.as_bytes()).unwrap();
            continue;
        };
        let mut recorded = calls.lock().unwrap();
        let request_id = format!("async-{}", recorded.len() + 1);
        recorded.push(InvokeCall {
            function,
            qualifier,
            invocation_type: invocation_type.clone(),
            request_id: request_id.clone(),
            event: parse(&body),
        });
        drop(recorded);
        if invocation_type == "Event" {
            runtime.send(&request_id, &String::from_utf8_lossy(&body));
            let head = format!(
                "HTTP/1.1 202 Accepted\r\nx-amzn-requestid: {request_id}\r\ncontent-length: 0\r\n\r\n"
            );
            writer.write_all(head.as_bytes()).unwrap();
        } else {
            let refusal = "{\"message\":\"the stand-in serves asynchronous invocations only\"}";
            let head = format!(
                "HTTP/1.1 400 Bad Request\r\nx-amzn-errortype: InvalidParameterValueException\r\ncontent-length: {}\r\n\r\n{refusal}",
                refusal.len()
            );
            writer.write_all(head.as_bytes()).unwrap();
        }
    }
}

fn serve(stream: TcpStream, shared: &(Mutex<State>, Condvar)) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    // One connection carries many requests (the client keeps it alive).
    loop {
        let Some((request_line, headers, body)) = read_request(&mut reader) else {
            return;
        };
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let (lock, ready) = shared;
        if method == "GET" && path.ends_with("/runtime/invocation/next") {
            let state = lock.lock().unwrap();
            let mut state = ready.wait_while(state, |s| s.queue.is_empty()).unwrap();
            let (id, event, deadline) = state.queue.pop_front().unwrap();
            drop(state);
            let deadline = deadline.unwrap_or_else(|| {
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
                (now.as_millis() + 30_000).to_string()
            });
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

/// One HTTP/1.1 request: its request line, headers (names lower-cased) and body; `None` once
/// the client closed the connection.
fn read_request(
    reader: &mut BufReader<TcpStream>,
) -> Option<(String, HashMap<String, String>, Vec<u8>)> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return None;
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
    let body = read_body(reader, &headers);
    Some((request_line, headers, body))
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

/// libfaketime, from `scripts/test.sh`.
pub(crate) fn libfaketime() -> String {
    std::env::var("SCHEDULE_TEST_LIBFAKETIME").expect(
        "SCHEDULE_TEST_LIBFAKETIME is not set: run the suite with `bash scripts/test.sh`, which \
         finds Debian's libfaketime",
    )
}

/// The offset, in seconds, of the clock this test itself runs on when it runs under
/// libfaketime (`FAKETIME=+Ns` or `+Nd`, as the calendar-independence proof in the closing
/// notes runs it), so that the function's clock can follow it: the function reads its offset
/// from a file, which libfaketime ignores while `FAKETIME` is set.
pub(crate) fn outer_offset() -> i64 {
    let Ok(spec) = std::env::var("FAKETIME") else {
        return 0;
    };
    let (number, unit) = spec.trim().split_at(spec.trim().len() - 1);
    let number: i64 = number
        .trim_start_matches('+')
        .parse()
        .unwrap_or_else(|_| panic!("FAKETIME={spec}: this test composes only `+Ns` or `+Nd`"));
    match unit {
        "s" => number,
        "d" => number * 86_400,
        _ => panic!("FAKETIME={spec}: this test composes only `+Ns` or `+Nd`"),
    }
}

/// The variables that give a function started by [`start_function`] the wall clock `clock`
/// says (an offset such as `+3600s`, read again on every call): libfaketime, preloaded. Timers
/// and timeouts keep real time; only the wall clock moves. An offset written there is from
/// real time, so a test under `FAKETIME` adds [`outer_offset`].
pub(crate) fn faked_clock(clock: &std::path::Path) -> Vec<(String, String)> {
    [
        ("LD_PRELOAD", libfaketime()),
        ("FAKETIME_TIMESTAMP_FILE", clock.display().to_string()),
        ("FAKETIME_NO_CACHE", "1".to_owned()),
        ("FAKETIME_DONT_FAKE_MONOTONIC", "1".to_owned()),
    ]
    .map(|(k, v)| (k.to_owned(), v))
    .into()
}

/// The shop binary, running as a Lambda function against `api`.
pub(crate) struct Function(Child);

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the shop binary as a Lambda function served by `api`, with the variables Lambda
/// itself sets plus `environment` (the function's configured environment), logging to `log`.
pub(crate) fn start_function(
    api: &RuntimeApi,
    environment: &[(String, String)],
    log: &std::path::Path,
) -> Function {
    let log_file = std::fs::File::create(log).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_example-shop"));
    if environment
        .iter()
        .any(|(name, _)| name == "FAKETIME_TIMESTAMP_FILE")
    {
        // libfaketime reads the file only while `FAKETIME` is unset; a test that moves the
        // function's clock composes any offset it runs under itself.
        command.env_remove("FAKETIME");
    }
    if !environment.iter().any(|(name, _)| name == "SHOP_DATA_DIR") {
        // Sample data made for this function, never a folder an earlier run left behind: its
        // dates (a certificate's expiry) were relative to that run's day.
        let data = log.with_extension("shop-data");
        let _ = std::fs::remove_dir_all(&data);
        command.env("SHOP_DATA_DIR", data);
    }
    let child = command
        .env("AWS_LAMBDA_RUNTIME_API", &api.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "shop")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .envs(environment.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::from(log_file))
        .stderr(Stdio::null())
        .spawn()
        .expect("the shop binary starts");
    Function(child)
}

/// A Scheduler client on moto, to set up schedule groups and read back what was created.
pub(crate) fn scheduler_client(endpoint: &str) -> aws_sdk_scheduler::Client {
    use aws_sdk_scheduler::config::{BehaviorVersion, Credentials, Region};
    let config = aws_sdk_scheduler::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .http_client(schedule_runtime::aws_http_client())
        .build();
    aws_sdk_scheduler::Client::from_conf(config)
}

/// moto's address, from `scripts/test.sh`.
pub(crate) fn endpoint() -> String {
    std::env::var("SCHEDULE_TEST_DYNAMODB_ENDPOINT").expect(
        "SCHEDULE_TEST_DYNAMODB_ENDPOINT is not set: run the suite with `bash scripts/test.sh`",
    )
}

/// A loopback port nothing listens on.
pub(crate) fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A server that accepts connections and never answers; its `http://` address.
pub(crate) fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for socket in listener.incoming().flatten() {
            held.push(socket);
        }
    });
    format!("http://{address}")
}

/// A monitor's ping endpoint on loopback: keeps each request's method and path, and answers
/// `200 OK`, or as a vendor's ingest endpoint would (`vendor_rules.rs`).
pub(crate) struct Monitor {
    address: String,
    requests: Arc<Mutex<Vec<String>>>,
    refused: Arc<Mutex<Vec<String>>>,
}

impl Monitor {
    /// Answers `200 OK` to everything, as Healthchecks.io's ping API answers a plain ping.
    pub(crate) fn start() -> Monitor {
        Monitor::answering(None)
    }

    /// Judges each request by `vendor`'s rules.
    pub(crate) fn of(vendor: vendor_rules::Vendor) -> Monitor {
        Monitor::answering(Some(vendor))
    }

    fn answering(vendor: Option<vendor_rules::Vendor>) -> Monitor {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(Vec::new()));
        let (kept, dropped) = (Arc::clone(&requests), Arc::clone(&refused));
        let memory = Arc::new(Mutex::new(vendor_rules::Memory::default()));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (kept, dropped, memory) =
                    (Arc::clone(&kept), Arc::clone(&dropped), Arc::clone(&memory));
                std::thread::spawn(move || answer_ping(stream, vendor, &memory, &kept, &dropped));
            }
        });
        Monitor {
            address,
            requests,
            refused,
        }
    }

    /// The monitor's base address, `http://127.0.0.1:<port>`.
    pub(crate) fn address(&self) -> &str {
        &self.address
    }

    /// `METHOD path` of each request so far, waiting up to `patience` for `count` of them.
    pub(crate) fn requests(&self, count: usize, patience: Duration) -> Vec<String> {
        let until = std::time::Instant::now() + patience;
        loop {
            let requests = self.requests.lock().unwrap().clone();
            if requests.len() >= count || std::time::Instant::now() > until {
                return requests;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Each request the vendor refused or dropped, with why.
    pub(crate) fn refused(&self) -> Vec<String> {
        self.refused.lock().unwrap().clone()
    }
}

fn answer_ping(
    stream: TcpStream,
    vendor: Option<vendor_rules::Vendor>,
    memory: &Mutex<vendor_rules::Memory>,
    requests: &Mutex<Vec<String>>,
    refused: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let request: Vec<&str> = line.split_whitespace().take(2).collect();
    let (status, answer) = match (vendor, request.as_slice()) {
        (Some(vendor), [method, target]) => {
            let verdict = vendor_rules::judge(vendor, &mut memory.lock().unwrap(), method, target);
            if !verdict.counted {
                refused
                    .lock()
                    .unwrap()
                    .push(format!("{}: {}", request.join(" "), verdict.reason));
            }
            (verdict.status, verdict.reason)
        }
        _ => (200, "OK".to_owned()),
    };
    requests.lock().unwrap().push(request.join(" "));
    let _ = reader.get_mut().write_all(
        format!(
            "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        )
        .as_bytes(),
    );
}

/// Records in the state directory's ledger (`<state>/ledger.jsonl`), as the local runner does
/// when a schedule delivers, a successful run of `task` at each of `times` (`HH:MM`, UTC) on
/// `day` (`YYYY-MM-DD`), each taking one second.
pub(crate) async fn record_runs_by_schedule(
    state: &std::path::Path,
    task: &str,
    day: &str,
    times: &[&str],
) {
    use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
    use schedule_runtime::ledger::{
        self, Change, End, LocalLedger, Occurrence, Recorder, Start, Status,
    };
    let recorder = Recorder::new(
        Arc::new(LocalLedger::open(state.join("ledger.jsonl"))),
        ledger::DEFAULT_RETENTION,
    );
    for at in times {
        let scheduled: Timestamp = format!("{day}T{at}:00Z").parse().unwrap();
        let start = Start {
            at: scheduled,
            attempt: Some(1),
            execution_id: Some("0123456789abcdef".to_owned()),
            request_id: format!("0123456789abcdef-{at}"),
            environment: "local".to_owned(),
            by_schedule: true,
        };
        let end = End {
            at: scheduled + SignedDuration::from_secs(1),
            status: Status::Succeeded,
            duration_ms: 1_000,
            error_type: None,
            excerpt: None,
        };
        let occurrence = || Occurrence::of(task, scheduled);
        assert!(recorder.record(occurrence(), Change::Started(start)).await);
        assert!(recorder.record(occurrence(), Change::Finished(end)).await);
    }
}

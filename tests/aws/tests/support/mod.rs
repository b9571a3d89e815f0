//! Real parts for the runtime's tests: a DynamoDB-compatible server (moto, started by
//! `scripts/test.sh`) and small loopback HTTP servers for heartbeat monitors.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use schedule_runtime::idempotency::{Connection, DynamoDbStore, StaticCredentials};

#[path = "../../../support/vendor_rules.rs"]
pub mod vendor_rules;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use vendor_rules::{Memory, Vendor, Verdict};

/// moto's address; the suite fails loudly without it rather than skipping.
pub fn dynamodb_endpoint() -> String {
    std::env::var("SCHEDULE_TEST_DYNAMODB_ENDPOINT").expect(
        "SCHEDULE_TEST_DYNAMODB_ENDPOINT is not set: run the suite with `bash scripts/test.sh`, \
         which starts moto's DynamoDB server",
    )
}

/// How the tests reach `endpoint`: moto's region and its test credentials.
pub fn connection(endpoint: &str) -> Connection {
    Connection {
        region: "us-east-1".to_owned(),
        endpoint: Some(endpoint.to_owned()),
        credentials: Some(StaticCredentials {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
            session_token: None,
        }),
    }
}

/// A store on a new, empty table with the schema the runtime documents.
pub async fn fresh_store(endpoint: &str) -> DynamoDbStore {
    static TABLES: AtomicUsize = AtomicUsize::new(0);
    let table = format!(
        "idempotency-{}-{}",
        std::process::id(),
        TABLES.fetch_add(1, Ordering::Relaxed)
    );
    let store = DynamoDbStore::connect(&table, connection(endpoint));
    store.create_table().await.expect("moto creates the table");
    store
}

/// A store pointed at `endpoint` without creating anything (for unreachable or silent servers).
pub fn store_at(endpoint: &str) -> DynamoDbStore {
    DynamoDbStore::connect("no-such-table", connection(endpoint))
}

/// A loopback port on which nothing listens.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A server that accepts connections and never answers.
pub async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{address}")
}

/// One request a monitor received: method, path with query, body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    pub method: String,
    pub target: String,
    pub body: String,
    /// How the stand-in answered, by its vendor's rules (`200 OK` for a plain monitor).
    pub verdict: Verdict,
}

/// How a stand-in answers.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    /// `200 OK` to everything.
    Ok,
    /// As `Vendor`'s ingest endpoint would (`vendor_rules.rs`).
    As(Vendor),
    /// With this status to everything: a vendor that is down or refuses the key.
    Status(u16),
}

/// A Healthchecks-like monitor on loopback that records pings and answers `200 OK` after
/// `delay`.
pub async fn monitor(delay: Duration) -> (String, Arc<Mutex<Vec<Ping>>>) {
    stand_in(Answer::Ok, delay).await
}

/// A stand-in of `vendor`'s ingest endpoint on loopback, judging each request by the vendor's
/// rules and recording it with its verdict.
pub async fn vendor(vendor: Vendor) -> (String, Arc<Mutex<Vec<Ping>>>) {
    stand_in(Answer::As(vendor), Duration::ZERO).await
}

/// A monitor on loopback that records pings and answers as `answer` says, after `delay`.
pub async fn stand_in(answer: Answer, delay: Duration) -> (String, Arc<Mutex<Vec<Ping>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let pings = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&pings);
    let memory = Arc::new(Mutex::new(Memory::default()));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let recorded = Arc::clone(&recorded);
            let memory = Arc::clone(&memory);
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read the head, then as much body as Content-Length says.
                let (head, body_start) = loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&buffer[..at]).into_owned(), at + 4);
                    }
                };
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                while buffer.len() < body_start + length {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                }
                let mut words = head.split_whitespace();
                let method = words.next().unwrap_or_default().to_owned();
                let target = words.next().unwrap_or_default().to_owned();
                let verdict = match answer {
                    Answer::Ok => Verdict {
                        status: 200,
                        reason: "OK".to_owned(),
                        counted: true,
                    },
                    Answer::As(vendor) => {
                        vendor_rules::judge(vendor, &mut memory.lock().unwrap(), &method, &target)
                    }
                    Answer::Status(status) => Verdict {
                        status,
                        reason: "refused".to_owned(),
                        counted: false,
                    },
                };
                let reply = format!(
                    "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
                    verdict.status,
                    verdict.reason.len(),
                    verdict.reason
                );
                recorded.lock().unwrap().push(Ping {
                    method,
                    target,
                    body: String::from_utf8_lossy(&buffer[body_start..]).into_owned(),
                    verdict,
                });
                tokio::time::sleep(delay).await;
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    (format!("http://{address}"), pings)
}

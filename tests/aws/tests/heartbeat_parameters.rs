//! Ping URLs kept as SecureString parameters (what the generated Terraform does), read from a
//! real SSM Parameter Store (moto's server, started by `scripts/test.sh`) through a counting
//! proxy: nothing is read before the first run, each task's parameter once per process, a
//! task without one pings nothing, and an unreachable store never fails or holds up a run.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_ssm::types::ParameterType;
use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::{Dispatcher, Heartbeat, Invocation, Registry, scheduled};
use serde_json::json;
use support::vendor_rules::canonical_uuid;
use support::{closed_port, connection, dynamodb_endpoint, monitor, silent_server};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[scheduled("rate(1 hour)", heartbeat)]
async fn watched() {}

#[scheduled("rate(1 hour)", heartbeat)]
async fn unwatched() {}

/// A proxy to `upstream` that counts the `GetParameter` requests passing through it.
async fn counting_proxy(upstream: String) -> (String, Arc<AtomicUsize>) {
    const NEEDLE: &[u8] = b"AmazonSSM.GetParameter";
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&count);
    let upstream = upstream.trim_start_matches("http://").to_owned();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counted = Arc::clone(&counted);
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let requests = async {
                    // The target header names the operation once per request; a tail of the
                    // previous chunk catches one split between two reads.
                    let mut chunk = [0u8; 8192];
                    let mut tail: Vec<u8> = Vec::new();
                    loop {
                        let n = client_read.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        let mut seen = std::mem::take(&mut tail);
                        seen.extend_from_slice(&chunk[..n]);
                        counted.fetch_add(
                            seen.windows(NEEDLE.len()).filter(|w| *w == NEEDLE).count(),
                            Ordering::SeqCst,
                        );
                        let keep = seen.len().min(NEEDLE.len() - 1);
                        tail = seen[seen.len() - keep..].to_vec();
                        if server_write.write_all(&chunk[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                let responses = tokio::io::copy(&mut server_read, &mut client_write);
                let _ = tokio::join!(requests, responses);
            });
        }
    });
    (address, count)
}

fn dispatcher(heartbeat: Heartbeat) -> Dispatcher {
    Dispatcher::new(
        Registry::load().unwrap(),
        Arc::new(MemoryStore::new()),
        heartbeat,
        "production",
    )
}

fn invocation(n: usize) -> Invocation {
    Invocation {
        request_id: format!("request-{n}"),
        deadline: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto's server: run bash scripts/test.sh"]
async fn each_url_is_read_once_by_its_tasks_first_run() {
    let moto = dynamodb_endpoint();
    let (monitor_url, pings) = monitor(Duration::ZERO).await;
    let prefix = format!("/shop-t{}/heartbeat/", std::process::id());
    let config = aws_sdk_ssm::Config::builder()
        .behavior_version(aws_sdk_ssm::config::BehaviorVersion::latest())
        .region(aws_sdk_ssm::config::Region::new("us-east-1"))
        .endpoint_url(&moto)
        .http_client(schedule_runtime::aws_http_client())
        .credentials_provider(aws_sdk_ssm::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .build();
    aws_sdk_ssm::Client::from_conf(config)
        .put_parameter()
        .name(format!("{prefix}watched"))
        .value(format!("{monitor_url}/ping/SECRET-KEY/"))
        .r#type(ParameterType::SecureString)
        .send()
        .await
        .expect("moto stores the parameter");

    let (proxy, reads) = counting_proxy(moto).await;
    let dispatcher = dispatcher(Heartbeat::with_parameters(&prefix, connection(&proxy)));
    assert_eq!(
        reads.load(Ordering::SeqCst),
        0,
        "nothing is read before a run"
    );

    for n in 0..2 {
        for task in ["watched", "unwatched"] {
            let outcome = dispatcher
                .dispatch(json!({"task": task}), invocation(n))
                .await
                .unwrap();
            assert_eq!(
                serde_json::to_value(outcome).unwrap()["status"],
                "succeeded"
            );
        }
    }
    // Each dispatch returned after its end check-in, which waits for its start's.
    let pings = pings.lock().unwrap().clone();
    let mut targets: Vec<String> = pings
        .iter()
        .map(|p| {
            let (head, rid) = p.target.split_once("?rid=").unwrap();
            assert!(canonical_uuid(rid), "{p:?}");
            format!("{} {head}", p.method)
        })
        .collect();
    targets.sort();
    // The parameter's trailing `/` is dropped, as a variable's is.
    assert_eq!(
        targets,
        [
            "GET /ping/SECRET-KEY",
            "GET /ping/SECRET-KEY",
            "GET /ping/SECRET-KEY/start",
            "GET /ping/SECRET-KEY/start",
        ]
    );
    // Two runs, each its start and end under one id of its own.
    let mut rids: Vec<&str> = pings
        .iter()
        .map(|p| p.target.split_once("?rid=").unwrap().1)
        .collect();
    rids.sort_unstable();
    rids.dedup();
    assert_eq!(rids.len(), 2, "{pings:?}");
    // One read per task: `watched` found, `unwatched` found missing; neither asked again.
    assert_eq!(reads.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_or_silent_parameter_store_never_fails_or_holds_up_a_run() {
    // A closed port refuses at once; a server that accepts and never answers is what a read
    // without a time limit would wait on forever.
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let silent = silent_server().await;
    for store in [closed, silent] {
        let dispatcher = dispatcher(Heartbeat::with_parameters(
            "/shop/heartbeat/",
            connection(&store),
        ));
        for n in 0..2 {
            let started = Instant::now();
            // A run that waited on the store would never end: the outer limit turns that into
            // a failure instead of a hung suite.
            let outcome = tokio::time::timeout(
                Duration::from_secs(30),
                dispatcher.dispatch(json!({"task": "watched"}), invocation(n)),
            )
            .await
            .unwrap_or_else(|_| panic!("{store}: the run waited on the parameter store"))
            .unwrap();
            assert_eq!(
                serde_json::to_value(outcome).unwrap()["status"],
                "succeeded"
            );
            // The guide's promise: a check-in delays a run's end by at most 3 s (the read
            // and the ping together); a second of slack for a loaded machine.
            assert!(
                started.elapsed() < Duration::from_secs(4),
                "{store}: {:?}",
                started.elapsed()
            );
        }
    }
}

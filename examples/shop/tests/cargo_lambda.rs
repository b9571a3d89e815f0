//! The shop under the tools Rust Lambda developers run every day: `cargo lambda watch` (a Lambda
//! emulator that builds and serves the binary) and `cargo lambda invoke`. The emulator sends a
//! constant `Lambda-Runtime-Deadline-Ms: 600000`, a moment in 1970, so this is where a
//! dispatcher that trusted it would cut every task that awaits anything.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::net::TcpStream;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{closed_port, endpoint, tools::tool_env};

/// Stops the emulator (and the function it started) when the test ends, however it ends.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cargo_lambda() -> Command {
    // Run as cargo runs a subcommand: the binary, then the subcommand's name.
    let mut command = Command::new(tool_env("SCHEDULE_TEST_CARGO_LAMBDA"));
    command.arg("lambda");
    command
}

/// `cargo lambda invoke`, given at most five minutes (the first one may wait for a build).
fn invoke(port: u16, event: &Value) -> Output {
    let mut child = cargo_lambda()
        .args(["invoke", "example-shop", "--invoke-address", "127.0.0.1"])
        .args(["--invoke-port", &port.to_string()])
        .args(["--data-ascii", &event.to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo lambda invoke runs");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("cargo lambda invoke gave no answer in five minutes");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

#[test]
#[ignore = "needs cargo-lambda and moto: run bash scripts/test.sh"]
fn a_task_that_awaits_succeeds_under_cargo_lambda_watch() {
    let port = closed_port();
    let table = format!("shop-watch-{}", std::process::id());
    let environment = [
        format!("AWS_ENDPOINT_URL_DYNAMODB={}", endpoint()),
        format!("SCHEDULE_IDEMPOTENCY_TABLE={table}"),
        "AWS_ACCESS_KEY_ID=testing".to_owned(),
        "AWS_SECRET_ACCESS_KEY=testing".to_owned(),
        "AWS_REGION=us-east-1".to_owned(),
    ]
    .join(",");
    create_table(&table);
    let log = std::fs::File::create(
        std::env::temp_dir().join(format!("cargo-lambda-watch-{}.log", std::process::id())),
    )
    .unwrap();
    let _watch = Watch(
        cargo_lambda()
            .args(["watch", "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &port.to_string()])
            .args(["--ignore-changes", "--bin", "example-shop"])
            .args(["--env-var", &environment])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("cargo lambda watch starts"),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "cargo lambda watch did not listen"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // The supplier's stand-in API answers after 300 ms: the run awaits it. (The first invoke
    // waits for the emulator to build the binary.)
    let sync = json!({"task": "inventory-sync", "scheduled_time": "2026-11-27T10:05:00Z"});
    let out = invoke(port, &sync);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let response: Value = serde_json::from_str(stdout.trim()).expect("a JSON response");
    assert_eq!(response["status"], "succeeded", "{response}");
    assert_eq!(response["task"], "inventory-sync");

    // The same occurrence again is a duplicate, through DynamoDB.
    let again: Value =
        serde_json::from_slice(&invoke(port, &sync).stdout).expect("a JSON response");
    assert_eq!(again["status"], "duplicate", "{again}");

    // A mistake comes back typed.
    let out = invoke(port, &json!({"task": "inventroy-sync"}));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("UnknownTask"), "{text}");
}

/// The idempotency table, created as the module would.
fn create_table(table: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = schedule_runtime::idempotency::DynamoDbStore::connect(
            table,
            schedule_runtime::idempotency::Connection {
                region: "us-east-1".to_owned(),
                endpoint: Some(endpoint()),
                credentials: Some(schedule_runtime::idempotency::StaticCredentials {
                    access_key_id: "testing".to_owned(),
                    secret_access_key: "testing".to_owned(),
                    session_token: None,
                }),
            },
        );
        store.create_table().await.unwrap();
    });
}

//! `run`, the binary's default command outside Lambda: it starts the runner, and Ctrl-C (SIGINT)
//! stops it cleanly. What the runner does over days of schedules is tested on a paused clock in
//! `tests/aws/tests/runner.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn run_is_the_default_and_stops_cleanly_on_ctrl_c() {
    let dir = std::env::temp_dir().join(format!("shop-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_example-shop"))
        .args(["--env", "production"])
        .current_dir(&dir)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once it has started, interrupt it as Ctrl-C would.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    while !log.contains("runner started") {
        assert!(stderr.read_line(&mut log).unwrap() > 0, "it exited: {log}");
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let started = Instant::now();
    stderr.read_to_string(&mut log).unwrap();
    let status = child.wait().unwrap();
    let stderr = log;
    assert!(status.success(), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "{stderr}");
    for expected in [
        "runner started environment=production tasks=5",
        "runner stopping",
        "runner stopped succeeded=0 duplicates=0 dead_lettered=0",
    ] {
        assert!(stderr.contains(expected), "`{expected}` not in:\n{stderr}");
    }
}

//! The minimal example does what the README says: it lists its task and runs it.

use std::process::Command;

fn hello(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_example-minimal"))
        .args(args)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn lists_and_invokes_its_one_task() {
    let (ok, list) = hello(&["list"]);
    assert!(ok, "{list}");
    assert!(
        list.lines().nth(1).is_some_and(|l| l.starts_with("hello")),
        "{list}"
    );
    let (ok, out) = hello(&["invoke", "hello", "--at", "2026-11-27T09:00:00Z"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("hello from the run due at 2026-11-27T09:00:00Z"),
        "{out}"
    );
    assert!(out.contains(r#""status": "succeeded""#), "{out}");
}

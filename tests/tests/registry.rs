//! The registry of one binary: tasks sorted by name, every option in the manifest, and each
//! task callable through its registration (input decoding, result conversion).

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use schedule_runtime::{Registry, TaskContext, TaskError, scheduled};
use serde_json::json;

#[derive(serde::Deserialize)]
struct Request {
    format: String,
    pages: u32,
}

#[derive(serde::Serialize)]
struct Summary {
    file: String,
}

/// Daily sales report.
///
/// More text that is not the summary.
#[scheduled(
    "cron(0 8 * * ? *)",
    timezone = "Europe/Moscow",
    window = "15m",
    retries = 1,
    max_age = "1h",
    timeout = "5m",
    idempotent(ttl = "2d"),
    heartbeat = "sentry",
    alert_after = 3,
    pause_after = 5,
    environments = ["production", "staging"],
    secrets = ["warehouse-db-url"],
    function = "reports",
    input = r#"{"format": "pdf", "pages": 3}"#,
    start = "2026-01-01T03:00:00+03:00",
    end = "2027-01-01T00:00:00Z",
    overlap = "skip",
)]
async fn sales_report(ctx: TaskContext, input: Request) -> anyhow::Result<Summary> {
    anyhow::ensure!(input.pages > 0, "nothing to report");
    Ok(Summary {
        file: format!("{}-{}.{}", ctx.task(), input.pages, input.format),
    })
}

#[scheduled("rate(1 hour)")]
async fn aardvark_cleanup() {}

#[scheduled("cron(0/15 9-17 ? * mon-fri *)", name = "zebra.sync_v2")]
async fn sync() -> Result<u32, std::io::Error> {
    Err(std::io::Error::other("upstream is down"))
}

/// Polls a future that never waits on anything outside itself.
fn run<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
    }
}

fn context(task: &str) -> TaskContext {
    TaskContext::new(task, "2026-11-26T05:00:00Z".parse().expect("valid instant"))
}

#[test]
fn tasks_are_sorted_by_name_whatever_the_declaration_order() {
    let registry = Registry::load().unwrap();
    let names: Vec<&str> = registry.tasks().iter().map(|t| t.name()).collect();
    assert_eq!(names, ["aardvark-cleanup", "sales-report", "zebra.sync_v2"]);
    assert!(registry.get("sales-report").is_some());
    assert!(registry.get("sales_report").is_none());
}

#[test]
fn manifest_carries_every_declared_option_with_defaults_filled_in() {
    let registry = Registry::load().unwrap();
    let manifest = serde_json::to_value(registry.manifest()).unwrap();
    assert_eq!(manifest["version"], 2);
    let report = &manifest["tasks"][1];
    let location = report["location"].clone();
    assert_eq!(location["file"], "tests/tests/registry.rs");
    assert_eq!(location["line"], 25); // the `#[scheduled(` line
    let mut report = report.clone();
    report.as_object_mut().unwrap().remove("location");
    assert_eq!(
        report,
        json!({
            "name": "sales-report",
            "expression": "cron(0 8 * * ? *)",
            "timezone": "Europe/Moscow",
            "description": "Daily sales report.",
            "window_minutes": 15,
            "retries": 1,
            "max_age_seconds": 3600,
            "timeout_seconds": 300,
            "idempotency": {"ttl_seconds": 172800},
            "heartbeat": true,
            "monitor": "sentry",
            "alert_after": 3,
            "pause_after": 5,
            "environments": ["production", "staging"],
            "secrets": ["warehouse-db-url"],
            "function": "reports",
            "input": r#"{"format": "pdf", "pages": 3}"#,
            "start": "2026-01-01T00:00:00Z",
            "end": "2027-01-01T00:00:00Z",
            "overlap": "skip",
        })
    );
    // Defaults, the canonical expression and the English description when there is no doc.
    let cleanup = &manifest["tasks"][0];
    assert_eq!(cleanup["timezone"], "UTC");
    assert_eq!(cleanup["retries"], 2);
    assert_eq!(cleanup["timeout_seconds"], 60);
    assert_eq!(cleanup["window_minutes"], serde_json::Value::Null);
    assert_eq!(cleanup["idempotency"], serde_json::Value::Null);
    assert_eq!(cleanup["heartbeat"], false);
    assert_eq!(cleanup["monitor"], serde_json::Value::Null);
    assert_eq!(cleanup["alert_after"], serde_json::Value::Null);
    assert_eq!(cleanup["environments"], json!([]));
    assert_eq!(cleanup["secrets"], json!([]));
    assert_eq!(cleanup["function"], serde_json::Value::Null);
    assert_eq!(cleanup["description"], "every hour");
    assert_eq!(cleanup["overlap"], "allow");
    let sync = &manifest["tasks"][2];
    assert_eq!(sync["expression"], "cron(0/15 9-17 ? * MON-FRI *)");
    assert_eq!(
        sync["description"],
        "every 15 minutes between 09:00 and 17:59 on Monday through Friday, UTC"
    );
}

#[test]
fn a_run_uses_the_events_input_or_else_the_declared_one() {
    let registry = Registry::load().unwrap();
    let report = registry.get("sales-report").unwrap();
    let declared = run(report.run(context("sales-report"), None)).unwrap();
    assert_eq!(declared, json!({"file": "sales-report-3.pdf"}));
    let given = run(report.run(
        context("sales-report"),
        Some(json!({"format": "csv", "pages": 9})),
    ))
    .unwrap();
    assert_eq!(given, json!({"file": "sales-report-9.csv"}));
}

#[test]
fn a_bad_input_fails_the_run_before_the_task_is_called() {
    let registry = Registry::load().unwrap();
    let report = registry.get("sales-report").unwrap();
    let error =
        run(report.run(context("sales-report"), Some(json!({"format": "csv"})))).unwrap_err();
    assert!(matches!(error, TaskError::Input { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "the input does not decode as `registry::Request`: missing field `pages`"
    );
}

#[test]
fn task_errors_and_unit_results_are_converted() {
    let registry = Registry::load().unwrap();
    let failed = run(registry
        .get("zebra.sync_v2")
        .unwrap()
        .run(context("zebra.sync_v2"), None));
    assert_eq!(failed.unwrap_err().to_string(), "upstream is down");
    let unit = run(registry
        .get("aardvark-cleanup")
        .unwrap()
        .run(context("aardvark-cleanup"), None));
    assert_eq!(unit.unwrap(), serde_json::Value::Null);
    let refused = run(registry.get("sales-report").unwrap().run(
        context("sales-report"),
        Some(json!({"format": "pdf", "pages": 0})),
    ));
    assert!(matches!(refused, Err(TaskError::Failed(_))));
    assert_eq!(refused.unwrap_err().to_string(), "nothing to report");
}

//! The shop's compiled binary as a Lambda function: a Lambda Runtime API server in this test
//! hands it events, collects its responses and error responses, and the idempotency table
//! lives on moto's DynamoDB server (started by `scripts/test.sh`).

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use schedule_runtime::idempotency::{Connection, DynamoDbStore, StaticCredentials};
use serde_json::{Value, json};
use support::{
    Reply, RuntimeApi, SHOP_TASKS, closed_port, endpoint, silent_server, start_function,
};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run bash scripts/test.sh"]
async fn the_binary_serves_good_duplicate_and_hostile_events() {
    let endpoint = endpoint();
    let table = format!("shop-idempotency-{}", std::process::id());
    let store = DynamoDbStore::connect(
        &table,
        Connection {
            region: "us-east-1".to_owned(),
            endpoint: Some(endpoint.clone()),
            credentials: Some(StaticCredentials {
                access_key_id: "testing".to_owned(),
                secret_access_key: "testing".to_owned(),
                session_token: None,
            }),
        },
    );
    store.create_table().await.unwrap();
    let api = RuntimeApi::start();
    let log_path = std::env::temp_dir().join(format!("{table}.log"));
    // Ping URLs are credentials: one monitor refuses connections, one never answers, and
    // neither URL's key may appear in any log line.
    let failing_monitor = format!("http://127.0.0.1:{}/ping/SECRET-KEY-FAILING", closed_port());
    let slow_monitor = format!("{}/ping/SECRET-KEY-SLOW", silent_server());
    let environment = [
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint.as_str()),
        ("SCHEDULE_IDEMPOTENCY_TABLE", table.as_str()),
        ("SCHEDULE_ENVIRONMENT", "production"),
        (
            "SCHEDULE_HEARTBEAT_URL_SSL_CERTIFICATE_CHECK",
            failing_monitor.as_str(),
        ),
        (
            "SCHEDULE_HEARTBEAT_URL_DAILY_SALES_REPORT",
            slow_monitor.as_str(),
        ),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    let function = start_function(&api, &environment, &log_path);

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
            api.invoke(r#"["daily-sales-report"]"#),
            // `cargo lambda watch` sends this constant as the deadline: a moment in 1970. The
            // task awaits its supplier's answer, so a zero budget would cut it off.
            api.invoke_with_deadline(
                r#"{"task": "inventory-sync", "scheduled_time": "2026-11-27T09:05:00Z"}"#,
                Some("600000"),
            ),
            api.invoke(r#"{"task": "ssl-certificate-check"}"#),
        ]
    })
    .await
    .unwrap();

    assert_eq!(
        replies[0],
        Reply::Response(json!({"status": "succeeded", "task": "weekly-digest",
            "scheduled_time": "2026-11-30T08:00:00Z", "result": 3}))
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
        format!(
            "no task named `daily-salse-report`; the tasks are: {}",
            SHOP_TASKS.join(", ")
        )
    );
    // Not JSON at all, or JSON but not an object: the dispatcher names the problem.
    for (reply, problem) in [
        (&replies[5], "the body is not JSON"),
        (&replies[8], "found an array"),
    ] {
        let (kind, body) = error(reply);
        assert_eq!(kind, "InvalidScheduleEvent", "{body}");
        assert!(
            body["errorMessage"].as_str().unwrap().contains(problem),
            "{body}"
        );
    }
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
    // A deadline already past is no deadline: the run gets the task's own timeout.
    assert!(
        matches!(&replies[9], Reply::Response(r) if r["status"] == "succeeded"),
        "{:?}",
        replies[9]
    );
    // A monitor that fails never fails the run.
    assert!(
        matches!(&replies[10], Reply::Response(r) if r["status"] == "succeeded"),
        "{:?}",
        replies[10]
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

    // One log line per failure, carrying its error type: the dispatcher's, and no echo of it
    // from lambda_runtime.
    for (request, error_type) in [
        ("request-4", "InvalidScheduleEvent"),
        ("request-5", "UnknownTask"),
        ("request-6", "InvalidScheduleEvent"),
        ("request-7", "InvalidTaskInput"),
        ("request-9", "InvalidScheduleEvent"),
    ] {
        let errors: Vec<&Value> = lines
            .iter()
            .filter(|l| l["level"] == "ERROR" && request_of(l) == Some(request))
            .collect();
        assert_eq!(errors.len(), 1, "{request}: {errors:#?}");
        assert_eq!(errors[0]["fields"]["error_type"], error_type, "{request}");
    }
    // The emulator's deadline is explained once.
    let explained = lines
        .iter()
        .filter(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("deadline is already past"))
        })
        .count();
    assert_eq!(explained, 1, "{log}");
    // Both monitors' failures are logged, by host only; no line holds a ping URL's key.
    let ping_failures: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "heartbeat ping failed")
        .collect();
    assert!(ping_failures.len() >= 2, "{log}");
    for failure in &ping_failures {
        let monitor = failure["fields"]["monitor"].as_str().unwrap();
        assert!(monitor.starts_with("http://127.0.0.1:"), "{failure}");
    }
    assert!(
        !log.contains("SECRET-KEY"),
        "a ping URL reached the logs:\n{log}"
    );
}

/// The dispatcher is built by the first invocation (the cold start ends at the first poll), so a
/// configuration it cannot serve with is reported there: each invocation is answered with a
/// typed error naming the variable, one log line apiece, a failure of the event's task in the
/// metrics, and the function keeps polling.
#[test]
fn a_configuration_it_cannot_serve_with_fails_each_invocation_by_name() {
    let api = RuntimeApi::start();
    let log_path =
        std::env::temp_dir().join(format!("shop-bad-configuration-{}.log", std::process::id()));
    let environment =
        [("SCHEDULE_LEDGER_RETENTION_DAYS", "forever")].map(|(k, v)| (k.to_owned(), v.to_owned()));
    let _function = start_function(&api, &environment, &log_path);

    let event = r#"{"task": "weekly-digest", "scheduled_time": "2026-11-30T08:00:00Z"}"#;
    for _ in 0..2 {
        match api.invoke(event) {
            Reply::Error { body, .. } => {
                assert_eq!(body["errorType"], "InvalidConfiguration", "{body}");
                assert_eq!(
                    body["errorMessage"],
                    "the function cannot serve invocations: SCHEDULE_LEDGER_RETENTION_DAYS is \
                     `forever`; it must be a whole number of days from 1 to 3650"
                );
            }
            other => panic!("expected an error response, got {other:?}"),
        }
    }

    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .collect();
    let failures: Vec<&Value> = lines
        .iter()
        .filter(|line| line["level"] == "ERROR")
        .collect();
    assert_eq!(failures.len(), 2, "{log}");
    for failure in &failures {
        assert_eq!(
            failure["fields"]["error_type"], "InvalidConfiguration",
            "{failure}"
        );
        assert!(request_of(failure).is_some(), "{failure}");
    }
    // Nothing ran, and each delivery counts as a failure of its task, for the task's alarm.
    assert!(!log.contains(r#""message":"started""#), "{log}");
    let metrics: Vec<&Value> = lines
        .iter()
        .filter(|line| line.get("_aws").is_some())
        .collect();
    assert_eq!(metrics.len(), 2, "{log}");
    for metric in &metrics {
        assert_eq!(metric["Task"], "weekly-digest", "{metric}");
        assert_eq!(metric["Function"], "shop", "{metric}");
        assert_eq!(metric["Failures"], 1, "{metric}");
        // Nothing ran: no `Runs` value (zeros are not published).
        assert!(metric.get("Runs").is_none(), "{metric}");
    }
}

/// The request an invocation's log line belongs to: the dispatcher's task span or field, or
/// lambda_runtime's span.
fn request_of(line: &Value) -> Option<&str> {
    [
        &line["span"]["request_id"],
        &line["fields"]["request_id"],
        &line["span"]["requestId"],
    ]
    .into_iter()
    .find_map(Value::as_str)
}

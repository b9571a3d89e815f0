//! The dispatcher end to end within one process: every outcome of the contract, fault
//! injection (panics, timeouts, a slow or absent heartbeat monitor), and the heartbeat pings a
//! real HTTP server receives.

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::{
    DispatchError, Dispatcher, Heartbeat, Invocation, Outcome, Registry, TaskContext, scheduled,
};
use serde_json::{Value, json};
use support::vendor_rules::canonical_uuid;
use support::{closed_port, monitor};

#[derive(serde::Deserialize, Default)]
struct Order {
    id: u64,
}

#[scheduled("rate(1 hour)")]
async fn echo(ctx: TaskContext, order: Order) -> Result<Value, std::io::Error> {
    Ok(json!({
        "order": order.id,
        "task": ctx.task(),
        "attempt": ctx.attempt(),
        "execution_id": ctx.execution_id(),
        "environment": ctx.environment(),
        "scheduled_time": ctx.scheduled_time(),
    }))
}

/// No `Default`: a deferred task's runs carry their input.
#[derive(serde::Deserialize)]
struct Reminder {
    order: u64,
}

/// Weekdays at 09:00 in Berlin: what the run knows of the occurrences around its own.
#[scheduled("cron(0 9 ? * MON-FRI *)", timezone = "Europe/Berlin")]
async fn weekday_report(ctx: TaskContext) -> Result<Value, std::io::Error> {
    Ok(json!({
        "previous": ctx.previous_scheduled_time().map(|t| t.to_string()),
        "next": ctx.next_scheduled_time().map(|t| t.to_string()),
    }))
}

#[scheduled(deferred)]
async fn reminder(reminder: Reminder) -> Result<u64, std::io::Error> {
    Ok(reminder.order)
}

#[scheduled("rate(1 hour)")]
async fn failing() -> anyhow::Result<()> {
    anyhow::bail!("the warehouse API answered 503")
}

#[scheduled("rate(1 hour)")]
async fn failing_with_cause() -> anyhow::Result<()> {
    use anyhow::Context as _;
    std::fs::read("/nonexistent/feed.json").context("the supplier feed is unavailable")?;
    Ok(())
}

#[scheduled("rate(1 hour)")]
async fn panicking() {
    panic!("index out of bounds: the len is 0 but the index is 3");
}

#[scheduled("rate(1 hour)", timeout = "1s")]
async fn slow() {
    tokio::time::sleep(Duration::from_secs(30)).await;
}

#[scheduled("rate(1 hour)", timeout = "10s")]
async fn patient() {
    tokio::time::sleep(Duration::from_secs(30)).await;
}

#[scheduled("rate(1 hour)", timeout = "1s")]
async fn blocking() {
    // Blocks its thread instead of awaiting: the timeout must still fire.
    std::thread::sleep(Duration::from_secs(6));
}

#[scheduled("rate(1 hour)", timeout = "10s", heartbeat)]
async fn monitored(order: Order) -> Result<u64, std::io::Error> {
    if order.id == 0 {
        return Err(std::io::Error::other("order 0 does not exist"));
    }
    Ok(order.id)
}

/// Runs in function group `backup`: deployed, only that group's function may run it.
#[scheduled("rate(1 day)", function = "backup")]
async fn archive(ctx: TaskContext) -> Result<String, std::io::Error> {
    Ok(format!("archived by {}", ctx.task()))
}

fn dispatcher(heartbeat: Heartbeat) -> Dispatcher {
    Dispatcher::new(
        Registry::load().unwrap(),
        Arc::new(MemoryStore::new()),
        heartbeat,
        "staging",
    )
}

fn invocation() -> Invocation {
    Invocation {
        request_id: "8476a536-e9f4-11e8-9739-2dfe598c3fcd".to_owned(),
        deadline: None,
    }
}

#[tokio::test]
async fn success_returns_status_task_occurrence_and_result() {
    let outcome = dispatcher(Heartbeat::disabled())
        .dispatch(
            json!({
                "task": "echo",
                "scheduled_time": "2026-11-26T05:00:00Z",
                "execution_id": "ad06616e51cdf74a",
                "attempt": "2",
                "schedule_arn": "arn:aws:scheduler:eu-west-1:123456789012:schedule/shop/echo",
                "input": {"id": 42}
            }),
            invocation(),
        )
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(outcome).unwrap(),
        json!({
            "status": "succeeded",
            "task": "echo",
            "scheduled_time": "2026-11-26T05:00:00Z",
            "result": {
                "order": 42, "task": "echo", "attempt": 2, "execution_id": "ad06616e51cdf74a",
                "environment": "staging", "scheduled_time": "2026-11-26T05:00:00Z"
            }
        })
    );
}

#[tokio::test]
async fn hostile_events_get_errors_that_name_the_problem() {
    let dispatcher = dispatcher(Heartbeat::disabled());
    let cases = [
        (
            json!("hello"),
            "InvalidScheduleEvent",
            "the event is not a schedule event: found a string",
        ),
        (
            json!({"job": "echo"}),
            "InvalidScheduleEvent",
            "the event is not a schedule event: unknown field `job`",
        ),
        (
            json!({"task": "ehco"}),
            "UnknownTask",
            "no task named `ehco`; the tasks are: archive, blocking, echo, failing, failing-with-cause, monitored, panicking, patient, reminder, slow",
        ),
        (
            json!({"task": "reminder"}),
            "InvalidTaskInput",
            "task `reminder`: the event has no `input`, and a deferred task's `dispatch::Reminder` has no default",
        ),
        (
            json!({"task": "echo", "attempt": "first"}),
            "InvalidScheduleEvent",
            "the event's `attempt` is invalid",
        ),
        (
            json!({"task": "echo", "input": {"id": "forty-two"}}),
            "InvalidTaskInput",
            "task `echo`: the input does not decode as `dispatch::Order`: invalid type: string \"forty-two\", expected u64",
        ),
    ];
    for (event, error_type, message) in cases {
        let error = dispatcher
            .dispatch(event.clone(), invocation())
            .await
            .unwrap_err();
        assert_eq!(error.error_type(), error_type, "{event}");
        assert!(error.to_string().starts_with(message), "{event}: {error}");
    }
    // And the next invocation is served normally.
    let ok = dispatcher
        .dispatch(json!({"task": "echo"}), invocation())
        .await;
    assert!(matches!(ok, Ok(Outcome::Succeeded { .. })), "{ok:?}");
    let reminded = dispatcher
        .dispatch(
            json!({"task": "reminder", "input": {"order": 42}}),
            invocation(),
        )
        .await;
    assert!(
        matches!(&reminded, Ok(Outcome::Succeeded { result, .. }) if *result == json!(42)),
        "{reminded:?}"
    );
}

// On tokio's paused clock: the timeout is measured on the clock that fires it, so a loaded
// machine cannot make it look late.
#[tokio::test(start_paused = true)]
async fn failures_panics_and_timeouts_are_errors_lambda_will_retry() {
    let dispatcher = dispatcher(Heartbeat::disabled());
    let failed = dispatcher
        .dispatch(json!({"task": "failing"}), invocation())
        .await
        .unwrap_err();
    assert_eq!(failed.error_type(), "TaskFailed");
    assert_eq!(
        failed.to_string(),
        "task `failing` failed: the warehouse API answered 503"
    );
    // The cause says what to fix; it is part of the message.
    let caused = dispatcher
        .dispatch(json!({"task": "failing-with-cause"}), invocation())
        .await
        .unwrap_err();
    assert_eq!(
        caused.to_string(),
        "task `failing-with-cause` failed: the supplier feed is unavailable: No such file or directory (os error 2)"
    );

    let panicked = dispatcher
        .dispatch(json!({"task": "panicking"}), invocation())
        .await
        .unwrap_err();
    assert_eq!(panicked.error_type(), "TaskPanicked");
    assert_eq!(
        panicked.to_string(),
        "task `panicking` panicked: index out of bounds: the len is 0 but the index is 3"
    );

    let started = tokio::time::Instant::now();
    let timed_out = dispatcher
        .dispatch(json!({"task": "slow"}), invocation())
        .await
        .unwrap_err();
    assert_eq!(timed_out.error_type(), "TaskTimedOut");
    assert!(
        matches!(timed_out, DispatchError::TimedOut { after, .. } if after <= Duration::from_secs(1)),
        "{timed_out:?}"
    );
    // Cancelled at its 1 s timeout, not left to sleep its 30 s.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );

    // The process is unharmed: the next invocation succeeds.
    let ok = dispatcher
        .dispatch(json!({"task": "echo"}), invocation())
        .await;
    assert!(matches!(ok, Ok(Outcome::Succeeded { .. })), "{ok:?}");
}

// Two workers, as `schedule_runtime::main` guarantees even on one vCPU.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_that_blocks_its_thread_still_times_out() {
    let started = Instant::now();
    let error = dispatcher(Heartbeat::disabled())
        .dispatch(json!({"task": "blocking"}), invocation())
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "TaskTimedOut");
    // A real thread blocks for real, so this is wall time: the 1 s timeout fired while the task
    // still held its thread (6 s), with seconds of slack for a loaded machine.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_run_always_ends_before_the_lambda_deadline() {
    let dispatcher = dispatcher(Heartbeat::disabled());
    // The task allows 10 s, but the invocation has only 3 s left: the run gets what is left less
    // the 500 ms margin that leaves time to report, and so ends before the deadline.
    let deadline = Timestamp::now() + SignedDuration::from_secs(3);
    let started = Instant::now();
    let error = dispatcher
        .dispatch(
            json!({"task": "patient"}),
            Invocation {
                request_id: String::new(),
                deadline: Some(deadline),
            },
        )
        .await
        .unwrap_err();
    let DispatchError::TimedOut { after, .. } = error else {
        panic!("expected a timeout, got {error}");
    };
    assert!(after <= Duration::from_millis(2_500), "given {after:?}");
    // The deadline is wall time, so this is too; the margin is the product's own 500 ms.
    assert!(
        Timestamp::now() < deadline,
        "ended {:?} after the start",
        started.elapsed()
    );
}

fn heartbeat_to(url: &str) -> Heartbeat {
    Heartbeat::with_urls(HashMap::from([("monitored".to_owned(), url.to_owned())]))
}

#[tokio::test]
async fn heartbeat_pings_start_success_and_failure_with_the_run_id() {
    let (url, pings) = monitor(Duration::ZERO).await;
    let dispatcher = dispatcher(heartbeat_to(&format!("{url}/ping/0b6f")));
    dispatcher
        .dispatch(
            json!({"task": "monitored", "input": {"id": 7}}),
            invocation(),
        )
        .await
        .unwrap();
    dispatcher
        .dispatch(
            json!({"task": "monitored", "input": {"id": 0}}),
            invocation(),
        )
        .await
        .unwrap_err();
    // Each dispatch returned after its end check-in, which waits for its start's.
    let mut pings = pings.lock().unwrap().clone();
    pings.sort_by(|a, b| a.target.cmp(&b.target));
    let targets: Vec<String> = pings
        .iter()
        .map(|p| {
            let (head, rid) = p.target.split_once("?rid=").unwrap();
            assert!(canonical_uuid(rid), "{p:?}");
            format!("{} {head}", p.method)
        })
        .collect();
    assert_eq!(
        targets,
        [
            "POST /ping/0b6f/fail",
            "GET /ping/0b6f/start",
            "GET /ping/0b6f/start",
            "GET /ping/0b6f",
        ]
    );
    assert_eq!(
        pings[0].body,
        "task `monitored` failed: order 0 does not exist"
    );
}

#[tokio::test]
async fn a_slow_or_absent_monitor_never_fails_or_hangs_a_run() {
    let (slow_url, _) = monitor(Duration::from_secs(20)).await;
    let absent_url = format!("http://127.0.0.1:{}", closed_port());
    for url in [slow_url, absent_url] {
        let started = Instant::now();
        let outcome = dispatcher(heartbeat_to(&url))
            .dispatch(
                json!({"task": "monitored", "input": {"id": 7}}),
                invocation(),
            )
            .await;
        assert!(
            matches!(outcome, Ok(Outcome::Succeeded { .. })),
            "{url}: {outcome:?}"
        );
        // The final ping waits at most the 3 s budget, far less than the monitor's 20 s; the
        // rest is slack for a loaded machine.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{url}: {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_run_knows_the_occurrences_before_and_after_its_own() {
    let dispatch = |scheduled_time: &str| {
        let dispatcher = dispatcher(Heartbeat::disabled());
        let event = json!({"task": "weekday-report", "scheduled_time": scheduled_time});
        async move {
            let outcome = dispatcher.dispatch(event, invocation()).await.unwrap();
            serde_json::to_value(outcome).unwrap()["result"].clone()
        }
    };
    // Monday 30 November 2026, 09:00 in Berlin (CET): Friday before, Tuesday after.
    assert_eq!(
        dispatch("2026-11-30T08:00:00Z").await,
        json!({"previous": "2026-11-27T08:00:00Z", "next": "2026-12-01T08:00:00Z"})
    );
    // Monday 30 March 2026, the first weekday of summer time: 09:00 is 07:00 UTC, Friday's
    // was still 08:00 UTC.
    assert_eq!(
        dispatch("2026-03-30T07:00:00Z").await,
        json!({"previous": "2026-03-27T08:00:00Z", "next": "2026-03-31T07:00:00Z"})
    );
    // A deferred-only task has no schedule: nothing before or after.
    let context = TaskContext::new("reminder", "2026-11-30T08:00:00Z".parse().unwrap());
    assert_eq!(context.previous_scheduled_time(), None);
}

#[tokio::test]
async fn a_deployed_function_runs_only_its_groups_tasks() {
    // The default function: tasks that name no group, and not `archive`.
    let default = dispatcher(Heartbeat::disabled()).serving_group(None);
    let refused = default
        .dispatch(json!({"task": "archive"}), invocation())
        .await
        .unwrap_err();
    assert_eq!(refused.error_type(), "WrongFunction");
    assert_eq!(
        refused.to_string(),
        "task `archive` runs in function group `backup`, not in this function (the default function); invoke that function's alias"
    );
    let ran = default
        .dispatch(json!({"task": "echo"}), invocation())
        .await;
    assert!(matches!(ran, Ok(Outcome::Succeeded { .. })), "{ran:?}");

    // The backup group's function: `archive`, and nothing else.
    let backup = dispatcher(Heartbeat::disabled()).serving_group(Some("backup".to_owned()));
    let refused = backup
        .dispatch(json!({"task": "echo"}), invocation())
        .await
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "task `echo` runs in the default function, not in this function (function group `backup`); invoke that function's alias"
    );
    let ran = backup
        .dispatch(json!({"task": "archive"}), invocation())
        .await
        .unwrap();
    assert!(
        matches!(&ran, Outcome::Succeeded { result, .. } if result == "archived by archive"),
        "{ran:?}"
    );

    // Locally one process runs every task, whatever its group.
    let local = dispatcher(Heartbeat::disabled())
        .dispatch(json!({"task": "archive"}), invocation())
        .await;
    assert!(matches!(local, Ok(Outcome::Succeeded { .. })), "{local:?}");
}

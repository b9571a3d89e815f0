//! Where the missed-run rule starts, on a deployment: the shop's module applied to moto, the
//! shop's binary serving its function (Runtime API on loopback), operators' commands as an
//! operator runs them, and the missed-run check invoked as the module's schedule invokes it.
//!
//! An operator backfills a task a month before the deployment and runs an occurrence of
//! another from weeks before: the check finds nothing missed, publishes no `MissedRuns` above
//! 0 and `status` shows none. Then a gap after the deployment: the function's clock moves on a
//! few hours (libfaketime, through a timestamp file it re-reads), the schedule delivers two of
//! three hourly occurrences, and the check finds exactly the third missed and publishes it.
//!
//! Every date is relative to when the test runs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::Duration;

use schedule_runtime::CHECK_EVENT;
use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use support::operator::Operator;
use support::tools::{Deployment, deployable_copy, function_environment};
use support::{
    LambdaInvokeApi, Reply, RuntimeApi, SHOP_TASKS, endpoint, faked_clock, outer_offset,
    start_function,
};

/// An instant as the command lines take it: RFC 3339 UTC, whole seconds.
fn rfc3339(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Runs the missed-run check in the function; its report.
fn check(runtime: &RuntimeApi) -> Value {
    match runtime.invoke(CHECK_EVENT) {
        Reply::Response(body) => {
            assert_eq!(body["status"], "checked", "{body}");
            assert_eq!(body["report"]["errors"], json!([]), "{body}");
            body["report"]["tasks"].clone()
        }
        error => panic!("the check failed: {error:?}"),
    }
}

/// The check's findings for `task`, as RFC 3339 instants.
fn missed_of(report: &Value, task: &str) -> Vec<Timestamp> {
    report
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == task)
        .unwrap_or_else(|| panic!("{task} not checked: {report}"))["scheduled_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().parse().unwrap())
        .collect()
}

/// The `MissedRuns` values the function published in `log` after byte `from`, per task; the
/// application's total (a line without a task) as task `*`.
fn missed_runs_metrics(log: &Path, from: usize) -> Vec<(String, u64)> {
    let text = std::fs::read_to_string(log).unwrap();
    text[from..]
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some() && line.get("MissedRuns").is_some())
        .map(|line| {
            (
                line["Task"].as_str().unwrap_or("*").to_owned(),
                line["MissedRuns"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// `status --json` of the deployment: each task's count of missed occurrences.
fn status_missed(operator: &Operator) -> Vec<(String, u64)> {
    let status: Value = serde_json::from_str(&operator.ops(&["status", "--json"])).unwrap();
    status
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["task"].as_str().unwrap().to_owned(),
                t["missed"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs terraform, moto, boto3 and libfaketime: run bash scripts/test.sh"]
async fn a_backfill_from_before_the_deployment_pages_nobody_and_a_gap_after_it_does() {
    let moto = endpoint();
    let dir = deployable_copy("horizon");
    let environment = format!("h{}", std::process::id());
    let deployment = Deployment::apply(&dir, &environment, &Deployment::EVERY_SERVICE);
    let deployed = deployment.read_back();

    // The function's clock: this file's offset, read again on every call.
    let clock = dir.join("faketime.rc");
    let outer = outer_offset();
    std::fs::write(&clock, format!("{outer:+}s\n")).unwrap();
    let mut variables = function_environment(&deployed, &moto, &dir);
    variables.extend(faked_clock(&clock));
    let runtime = RuntimeApi::start();
    let log = dir.join("function.log");
    let _function = start_function(&runtime, &variables, &log);
    let lambda = LambdaInvokeApi::start(runtime.clone());
    let operator = Operator {
        environment: environment.clone(),
        moto,
        lambda: lambda.address.clone(),
    };
    let deployed_at = Timestamp::now();

    // A month before the deployment: a backfill of two weeks of the weekly digest, and one
    // hourly sync run now by hand.
    // Two weeks from a midnight UTC: the digest (Mondays, 09:00 Berlin) is never at an end of
    // it, so it holds exactly two, whatever the date and daylight saving.
    let midnight = deployed_at.as_second().div_euclid(86_400) * 86_400;
    let from = Timestamp::from_second(midnight - 35 * 86_400).unwrap();
    let to = from + SignedDuration::from_hours(14 * 24);
    let sent = operator.ops(&[
        "backfill",
        "weekly-digest",
        "--from",
        &rfc3339(from),
        "--to",
        &rfc3339(to),
        "--yes",
    ]);
    assert!(
        sent.contains("2 occurrence(s) of `weekly-digest`: 2 sent"),
        "{sent}"
    );
    let mondays: Vec<String> = lambda
        .calls()
        .iter()
        .map(|c| c.event["scheduled_time"].as_str().unwrap().to_owned())
        .collect();
    let mondays: Vec<&str> = mondays.iter().map(String::as_str).collect();
    operator.wait_succeeded("weekly-digest", &mondays).await;
    let weeks_ago = rfc3339(deployed_at - SignedDuration::from_hours(20 * 24));
    let hour = format!("{}:05:00Z", &weeks_ago[..13]);
    let ran = operator.ops(&["invoke", "inventory-sync", "--at", &hour, "--wait"]);
    assert!(ran.contains("succeeded in "), "{ran}");

    // The check's first look: nothing was missed, nothing is alarmed.
    let start = std::fs::metadata(&log).unwrap().len() as usize;
    let first_look = Timestamp::now();
    let report = check(&runtime);
    let looked_at = report.as_array().unwrap();
    // A loop over nothing would pass: the check looked at the hourly sync, at least.
    assert!(
        looked_at.iter().any(|t| t["task"] == "inventory-sync"),
        "{report}"
    );
    for task in looked_at {
        assert_eq!(task["scheduled_times"], json!([]), "{report}");
    }
    // No task publishes a zero (each would be billed for the hour); the total says 0.
    let published = missed_runs_metrics(&log, start);
    assert_eq!(published, [("*".to_owned(), 0)]);
    let statuses = status_missed(&operator);
    assert_eq!(statuses.len(), SHOP_TASKS.len(), "{statuses:?}");
    assert!(statuses.iter().all(|(_, n)| *n == 0), "{statuses:?}");

    // A gap after the deployment: of the next three hourly syncs, the schedule delivers the
    // first and the third; the second never comes.
    // inventory-sync is `cron(5 * * * ? *)`: at five past every hour, UTC. The first of the
    // three is the first due after the first look began (if it fell within that look, it is
    // before the mark and delivered anyway).
    let hour = first_look.as_second().div_euclid(3_600) * 3_600;
    let at_five_past = |n: i64| Timestamp::from_second(hour + n * 3_600 + 5 * 60).unwrap();
    let first = if at_five_past(0) > first_look { 0 } else { 1 };
    let next: Vec<Timestamp> = (first..first + 3).map(at_five_past).collect();
    let arn = format!(
        "arn:aws:scheduler:us-east-1:123456789012:schedule/example-shop-{environment}/inventory-sync"
    );
    for at in [next[0], next[2]] {
        let event = json!({"task": "inventory-sync", "scheduled_time": rfc3339(at),
                           "execution_id": "0123456789abcdef", "attempt": "1",
                           "schedule_arn": arn});
        let reply = runtime.invoke(&event.to_string());
        assert!(matches!(reply, Reply::Response(_)), "{reply:?}");
    }
    // The function's clock moves past the third's maximum age (30 minutes) and grace (5).
    let ahead = next[2] + SignedDuration::from_mins(40);
    let offset = outer + ahead.duration_since(Timestamp::now()).as_secs();
    std::fs::write(&clock, format!("{offset:+}s\n")).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let start = std::fs::metadata(&log).unwrap().len() as usize;
    let report = check(&runtime);
    assert_eq!(missed_of(&report, "inventory-sync"), [next[1]]);
    // The other tasks' schedules delivered nothing in those hours: what they miss is after
    // the deployment too, never before it.
    assert_eq!(
        report.as_array().unwrap().len(),
        looked_at.len(),
        "the same tasks looked at: {report}"
    );
    for task in report.as_array().unwrap() {
        for time in task["scheduled_times"].as_array().unwrap() {
            let time: Timestamp = time.as_str().unwrap().parse().unwrap();
            assert!(time > first_look, "{} {time}", task["task"]);
        }
    }
    let published = missed_runs_metrics(&log, start);
    assert!(
        published.contains(&("inventory-sync".to_owned(), 1)),
        "{published:?}"
    );
    let statuses = status_missed(&operator);
    assert!(
        statuses.contains(&("inventory-sync".to_owned(), 1)),
        "{statuses:?}"
    );
    drop(deployment);
}

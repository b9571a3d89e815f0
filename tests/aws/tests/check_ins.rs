//! Check-ins in each vendor's protocol, received by a loopback stand-in that judges them by the
//! vendor's own rules (`tests/support/vendor_rules.rs`): one attempt's start and end carry the
//! same id, a canonical UUID, new for every attempt (Lambda's retry keeps its request id); a
//! failure and a timeout are reported as failures with their reason; UptimeRobot hears only of
//! successes; a vendor that refuses or is down changes nothing about the run. The vendor comes
//! from the declaration (`heartbeat = "sentry"`) or from the application's default.
//!
//! No test waits for a check-in that should not come: a dispatch returns only after its end
//! check-in was answered, and the end waits for the start's, so what the stand-in holds when
//! `dispatch` returns is all the run sent.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::{Dispatcher, Heartbeat, Invocation, Outcome, Registry, scheduled};
use serde_json::{Value, json};
use support::vendor_rules::{Memory, Vendor, canonical_uuid, judge, query};
use support::{Answer, Ping, stand_in, vendor};

use schedule_runtime::core::Monitor;

/// Succeeds, fails or outlives its timeout, as its input says.
#[scheduled("rate(1 hour)", timeout = "1s", heartbeat)]
async fn watched(input: Value) -> Result<(), std::io::Error> {
    match input["do"].as_str() {
        Some("fail") => Err(std::io::Error::other("disk full: /var")),
        Some("hang") => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Names its vendor: the application's default does not apply to it.
#[scheduled("rate(1 hour)", heartbeat = "cronitor")]
async fn declared() {}

/// A Lambda request id: a UUID, which Lambda keeps for its retries of the same event.
const REQUEST: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

fn dispatcher(urls: HashMap<String, String>, default: Monitor, environment: &str) -> Dispatcher {
    Dispatcher::new(
        Registry::load().unwrap(),
        Arc::new(MemoryStore::new()),
        Heartbeat::with_urls(urls).with_default_monitor(default),
        environment,
    )
}

fn vendor_of(monitor: Monitor) -> Vendor {
    match monitor {
        Monitor::Healthchecks => Vendor::Healthchecks,
        Monitor::Sentry => Vendor::Sentry,
        Monitor::Cronitor => Vendor::Cronitor,
        Monitor::UptimeRobot => Vendor::UptimeRobot,
    }
}

/// Runs `watched` once per input, each as a delivery with `request_id`, against one stand-in
/// of `monitor` at `path`, and returns what it received, in the order it arrived.
async fn check_ins(
    monitor: Monitor,
    path: &str,
    request_id: &str,
    inputs: &[Value],
    environment: &str,
) -> Vec<Ping> {
    let (url, pings) = vendor(vendor_of(monitor)).await;
    let urls = HashMap::from([("watched".to_owned(), format!("{url}{path}"))]);
    let dispatcher = dispatcher(urls, monitor, environment);
    for input in inputs {
        let invocation = Invocation {
            request_id: request_id.to_owned(),
            deadline: None,
        };
        let _ = dispatcher
            .dispatch(json!({"task": "watched", "input": input}), invocation)
            .await;
    }
    pings.lock().unwrap().clone()
}

/// Every request was one the vendor counts.
fn all_counted(pings: &[Ping]) {
    for ping in pings {
        assert!(
            ping.verdict.counted,
            "the vendor would not count {} {}: {:?}",
            ping.method, ping.target, ping.verdict
        );
    }
}

#[tokio::test]
async fn sentry_hears_in_progress_then_ok_error_or_a_timeout_under_one_check_in_id() {
    let path = "/api/2/cron/shop-production-watched/PUBLICKEY/";
    for (input, status) in [
        (json!({}), "ok"),
        (json!({"do": "fail"}), "error"),
        (json!({"do": "hang"}), "error"),
    ] {
        let pings = check_ins(
            Monitor::Sentry,
            path,
            REQUEST,
            std::slice::from_ref(&input),
            "production",
        )
        .await;
        assert_eq!(pings.len(), 2, "{input}: {pings:?}");
        all_counted(&pings);
        let (start, end) = (&pings[0].target, &pings[1].target);
        assert!(
            start.starts_with(path) && end.starts_with(path),
            "{pings:?}"
        );
        assert_eq!(query(start, "status"), Some("in_progress"));
        assert_eq!(query(end, "status"), Some(status), "{input}: {end}");
        let id = query(start, "check_in_id").unwrap();
        assert_eq!(query(end, "check_in_id"), Some(id));
        assert_eq!(id.len(), 32, "{id}");
        assert_eq!(query(end, "environment"), Some("production"));
        let duration: f64 = query(end, "duration").unwrap().parse().unwrap();
        if input["do"] == "hang" {
            // Cut off at the task's 1 s timeout, not the 5 s it would have taken.
            assert!((1.0..3.0).contains(&duration), "{duration}");
        }
        assert!(pings.iter().all(|p| p.method == "GET" && p.body.is_empty()));
    }
}

#[tokio::test]
async fn a_retry_with_lambdas_same_request_id_checks_in_anew_and_sentry_counts_its_success() {
    let path = "/api/2/cron/shop-production-watched/PUBLICKEY/";
    // Lambda's asynchronous retry: the same event and request id, after a failure.
    let pings = check_ins(
        Monitor::Sentry,
        path,
        REQUEST,
        &[json!({"do": "fail"}), json!({})],
        "production",
    )
    .await;
    assert_eq!(pings.len(), 4, "{pings:?}");
    // Had the retry reused the failed attempt's id, Sentry would drop its check-ins.
    all_counted(&pings);
    let ids: Vec<&str> = pings
        .iter()
        .map(|p| query(&p.target, "check_in_id").unwrap())
        .collect();
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[2], ids[3]);
    assert_ne!(ids[0], ids[2], "a retry checks in under a new id");
    assert_eq!(query(&pings[3].target, "status"), Some("ok"));
}

#[tokio::test]
async fn cronitor_hears_run_then_complete_or_fail_in_one_series_with_the_reason() {
    let path = "/p/TELEMETRYKEY/shop-production-watched";
    for (input, state, reason) in [
        (json!({}), "complete", None),
        (
            json!({"do": "fail"}),
            "fail",
            Some("disk%20full%3A%20%2Fvar"),
        ),
        (json!({"do": "hang"}), "fail", Some("timed%20out")),
    ] {
        let pings = check_ins(
            Monitor::Cronitor,
            path,
            REQUEST,
            std::slice::from_ref(&input),
            "production",
        )
        .await;
        assert_eq!(pings.len(), 2, "{input}: {pings:?}");
        all_counted(&pings);
        let (start, end) = (&pings[0].target, &pings[1].target);
        assert_eq!(query(start, "state"), Some("run"));
        assert_eq!(query(end, "state"), Some(state), "{input}: {end}");
        let series = query(start, "series").unwrap();
        assert!(canonical_uuid(series), "{series}");
        assert_eq!(query(end, "series"), Some(series));
        assert_eq!(query(end, "env"), Some("production"));
        assert!(
            query(end, "metric").unwrap().starts_with("duration%3A"),
            "{end}"
        );
        if let Some(reason) = reason {
            let message = query(end, "message").unwrap();
            assert!(message.contains(reason), "{input}: {message}");
        }
    }
}

#[tokio::test]
async fn healthchecks_hears_start_then_success_or_fail_with_one_uuid_rid() {
    let path = "/ping/0b6f";
    for (input, end_path, method, body) in [
        (json!({}), "/ping/0b6f?", "GET", ""),
        (
            json!({"do": "fail"}),
            "/ping/0b6f/fail?",
            "POST",
            "task `watched` failed: disk full: /var",
        ),
        (
            json!({"do": "hang"}),
            "/ping/0b6f/fail?",
            "POST",
            // The time it had left, to the nanosecond: only the words around it are fixed.
            "task `watched` timed out after … and was cancelled",
        ),
    ] {
        let pings = check_ins(
            Monitor::Healthchecks,
            path,
            REQUEST,
            std::slice::from_ref(&input),
            "production",
        )
        .await;
        assert_eq!(pings.len(), 2, "{input}: {pings:?}");
        all_counted(&pings);
        let rid = query(&pings[0].target, "rid").unwrap();
        assert!(canonical_uuid(rid), "{rid}");
        assert_eq!(
            (pings[0].method.as_str(), pings[0].target.as_str()),
            ("GET", format!("/ping/0b6f/start?rid={rid}").as_str())
        );
        assert_eq!(pings[0].body, "");
        assert_eq!(pings[1].target, format!("{end_path}rid={rid}"), "{input}");
        assert_eq!(pings[1].method, method, "{input}");
        match body.split_once('…') {
            Some((head, tail)) => assert!(
                pings[1].body.starts_with(head) && pings[1].body.ends_with(tail),
                "{input}: {}",
                pings[1].body
            ),
            None => assert_eq!(pings[1].body, body, "{input}"),
        }
    }
}

#[tokio::test]
async fn local_run_ids_that_are_no_uuids_still_reach_healthchecks() {
    // The ids local runs give the ledger: `invoke`'s execution id, `backfill-…`, `replay-…`,
    // the runner's `<execution>-<attempt>`. Healthchecks answers 400 to any of them as a rid.
    for request_id in [
        "985d9a1d91b76284",
        "backfill-2026-12-01T08:00:00Z",
        "replay-7",
        "a1b2c3-2",
    ] {
        let pings = check_ins(
            Monitor::Healthchecks,
            "/ping/0b6f",
            request_id,
            &[json!({})],
            "",
        )
        .await;
        assert_eq!(pings.len(), 2, "{request_id}: {pings:?}");
        all_counted(&pings);
    }
}

#[tokio::test]
async fn a_run_outside_any_deployment_reports_the_local_environment() {
    let pings = check_ins(
        Monitor::Sentry,
        "/api/2/cron/watched/PUBLICKEY/",
        REQUEST,
        &[json!({})],
        "",
    )
    .await;
    assert_eq!(pings.len(), 2, "{pings:?}");
    for ping in &pings {
        assert_eq!(
            query(&ping.target, "environment"),
            Some("local"),
            "{ping:?}"
        );
    }
}

#[tokio::test]
async fn uptimerobot_hears_only_of_a_success() {
    let path = "/m800123456-abcdef";
    let pings = check_ins(
        Monitor::UptimeRobot,
        path,
        REQUEST,
        &[json!({})],
        "production",
    )
    .await;
    assert_eq!(pings.len(), 1, "{pings:?}");
    all_counted(&pings);
    assert_eq!(
        (pings[0].method.as_str(), pings[0].target.as_str()),
        ("GET", path)
    );
    for input in [json!({"do": "fail"}), json!({"do": "hang"})] {
        let pings = check_ins(
            Monitor::UptimeRobot,
            path,
            REQUEST,
            std::slice::from_ref(&input),
            "production",
        )
        .await;
        assert!(
            pings.is_empty(),
            "{input}: silence is the alert, got {pings:?}"
        );
    }
}

#[tokio::test]
async fn a_vendor_that_refuses_or_fails_changes_nothing_about_the_run() {
    // (status, sends of each check-in): a refusal is final, a server error is tried twice.
    for (status, sends) in [(400, 1), (401, 1), (404, 1), (429, 2), (500, 2), (503, 2)] {
        let (url, pings) = stand_in(Answer::Status(status), Duration::ZERO).await;
        let urls = HashMap::from([("watched".to_owned(), format!("{url}/ping/0b6f"))]);
        let outcome = dispatcher(urls, Monitor::Healthchecks, "production")
            .dispatch(
                json!({"task": "watched", "input": {}}),
                Invocation::default(),
            )
            .await;
        assert!(
            matches!(outcome, Ok(Outcome::Succeeded { .. })),
            "{status}: {outcome:?}"
        );
        let pings = pings.lock().unwrap().clone();
        let starts = pings.iter().filter(|p| p.target.contains("/start")).count();
        assert_eq!(
            (starts, pings.len() - starts),
            (sends, sends),
            "{status}: {pings:?}"
        );
    }
}

#[tokio::test]
async fn a_task_that_names_its_vendor_keeps_it_whatever_the_default() {
    let (url, pings) = vendor(Vendor::Cronitor).await;
    let urls = HashMap::from([("declared".to_owned(), format!("{url}/p/KEY/declared"))]);
    dispatcher(urls, Monitor::Sentry, "production")
        .dispatch(json!({"task": "declared"}), Invocation::default())
        .await
        .unwrap();
    let pings = pings.lock().unwrap().clone();
    let states: Vec<Option<&str>> = pings.iter().map(|p| query(&p.target, "state")).collect();
    assert_eq!(
        states,
        [Some("run"), Some("complete")],
        "Cronitor's protocol, not Sentry's: {pings:?}"
    );
}

/// The stand-ins' own rules, against what the vendors' code does (`vendor_rules.rs`): a test
/// that passes against a stand-in that accepts everything proves nothing.
#[test]
fn the_stand_ins_refuse_what_the_vendors_refuse() {
    let mut memory = Memory::default();
    for rid in [
        "985d9a1d91b76284",
        "backfill-1",
        "8f4e2a5c1b3d4e6f9a7b0c1d2e3f4a5b",
    ] {
        let verdict = judge(
            Vendor::Healthchecks,
            &mut memory,
            "GET",
            &format!("/ping/k/start?rid={rid}"),
        );
        assert_eq!(
            (verdict.status, verdict.reason.as_str()),
            (400, "invalid uuid format"),
            "{rid}"
        );
    }
    let verdict = judge(
        Vendor::Healthchecks,
        &mut memory,
        "GET",
        "/ping/k?rid=8F4E2A5C-1b3d-4e6f-9a7b-0c1d2e3f4a5b",
    );
    assert_eq!(verdict.status, 200);

    let id = "8f4e2a5c1b3d4e6f9a7b0c1d2e3f4a5b";
    let mut send = |status: &str| {
        judge(
            Vendor::Sentry,
            &mut memory,
            "GET",
            &format!("/api/1/cron/m/k/?status={status}&check_in_id={id}"),
        )
    };
    assert!(send("in_progress").counted);
    assert!(send("error").counted);
    // A retry under the finished check-in's id: accepted on the wire, dropped in processing.
    let retried = send("in_progress");
    assert_eq!((retried.status, retried.counted), (202, false));
    assert!(!send("ok").counted);
    assert_eq!(send("bogus").status, 400);
}

//! Check-ins in each vendor's protocol, received by a loopback stand-in of the vendor's ingest
//! endpoint: one run's start and end carry the same id, a failure and a timeout are reported
//! as failures with their reason, and UptimeRobot hears only of successes. The vendor comes
//! from the declaration (`heartbeat = "sentry"`) or from the application's default.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::{Dispatcher, Heartbeat, Invocation, Registry, scheduled};
use serde_json::{Value, json};
use support::{Ping, monitor};

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

const RUN: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";

fn dispatcher(urls: HashMap<String, String>, default: Monitor) -> Dispatcher {
    Dispatcher::new(
        Registry::load().unwrap(),
        Arc::new(MemoryStore::new()),
        Heartbeat::with_urls(urls).with_default_monitor(default),
        "production",
    )
}

/// Runs `watched` with `input`, as run `RUN`, and returns what the monitor received for it, in
/// the order it arrived.
async fn check_ins(vendor: Monitor, path: &str, input: Value, expected: usize) -> Vec<Ping> {
    let (url, pings) = monitor(Duration::ZERO).await;
    let urls = HashMap::from([("watched".to_owned(), format!("{url}{path}"))]);
    let invocation = Invocation {
        request_id: RUN.to_owned(),
        deadline: None,
    };
    let _ = dispatcher(urls, vendor)
        .dispatch(json!({"task": "watched", "input": input}), invocation)
        .await;
    // The start's check-in runs in the background: wait (at most 10 s) for all of them.
    let waited = Instant::now();
    while pings.lock().unwrap().len() < expected && waited.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // And a moment for one that should not come.
    tokio::time::sleep(Duration::from_millis(200)).await;
    // In the order they arrived: the end's check-in waits for the start's.
    pings.lock().unwrap().clone()
}

/// The value of `name` in `target`'s query.
fn query<'a>(target: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = target.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

#[tokio::test]
async fn sentry_hears_in_progress_then_ok_error_or_a_timeout_with_one_check_in_id() {
    let path = "/api/2/cron/shop-production-watched/PUBLICKEY/";
    for (input, status) in [
        (json!({}), "ok"),
        (json!({"do": "fail"}), "error"),
        (json!({"do": "hang"}), "error"),
    ] {
        let pings = check_ins(Monitor::Sentry, path, input.clone(), 2).await;
        assert_eq!(pings.len(), 2, "{input}: {pings:?}");
        let (start, end) = (&pings[0].target, &pings[1].target);
        assert!(
            start.starts_with(path) && end.starts_with(path),
            "{pings:?}"
        );
        assert_eq!(query(start, "status"), Some("in_progress"));
        assert_eq!(query(end, "status"), Some(status), "{input}: {end}");
        let id = query(start, "check_in_id").unwrap();
        assert_eq!(query(end, "check_in_id"), Some(id));
        assert_eq!(
            id,
            RUN.replace('-', ""),
            "Lambda's request id is the check-in's"
        );
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
async fn cronitor_hears_run_then_complete_or_fail_in_one_series_with_the_reason() {
    let path = "/p/APIKEY/shop-production-watched";
    for (input, state, reason) in [
        (json!({}), "complete", None),
        (
            json!({"do": "fail"}),
            "fail",
            Some("disk%20full%3A%20%2Fvar"),
        ),
        (json!({"do": "hang"}), "fail", Some("timed%20out")),
    ] {
        let pings = check_ins(Monitor::Cronitor, path, input.clone(), 2).await;
        assert_eq!(pings.len(), 2, "{input}: {pings:?}");
        let (start, end) = (&pings[0].target, &pings[1].target);
        assert_eq!(query(start, "state"), Some("run"));
        assert_eq!(query(end, "state"), Some(state), "{input}: {end}");
        assert_eq!(query(start, "series"), Some(RUN));
        assert_eq!(query(end, "series"), Some(RUN));
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
async fn healthchecks_hears_start_then_success_or_fail_with_the_run_id() {
    let path = "/ping/0b6f";
    for (input, end_path, body) in [
        (json!({}), "/ping/0b6f?", ""),
        (json!({"do": "fail"}), "/ping/0b6f/fail?", "disk full: /var"),
        (json!({"do": "hang"}), "/ping/0b6f/fail?", "timed out"),
    ] {
        let pings = check_ins(Monitor::Healthchecks, path, input.clone(), 2).await;
        assert_eq!(pings.len(), 2, "{input}: {pings:?}");
        assert_eq!(pings[0].target, format!("/ping/0b6f/start?rid={RUN}"));
        assert_eq!(pings[1].target, format!("{end_path}rid={RUN}"), "{input}");
        assert!(pings[1].body.contains(body), "{input}: {:?}", pings[1].body);
    }
}

#[tokio::test]
async fn uptimerobot_hears_only_of_a_success() {
    let path = "/m800123456-abcdef";
    let pings = check_ins(Monitor::UptimeRobot, path, json!({}), 1).await;
    assert_eq!(pings.len(), 1, "{pings:?}");
    assert_eq!(
        (pings[0].method.as_str(), pings[0].target.as_str()),
        ("GET", path)
    );
    for input in [json!({"do": "fail"}), json!({"do": "hang"})] {
        let pings = check_ins(Monitor::UptimeRobot, path, input.clone(), 0).await;
        assert!(
            pings.is_empty(),
            "{input}: silence is the alert, got {pings:?}"
        );
    }
}

#[tokio::test]
async fn a_task_that_names_its_vendor_keeps_it_whatever_the_default() {
    let (url, pings) = monitor(Duration::ZERO).await;
    let urls = HashMap::from([("declared".to_owned(), format!("{url}/p/KEY/declared"))]);
    dispatcher(urls, Monitor::Sentry)
        .dispatch(json!({"task": "declared"}), Invocation::default())
        .await
        .unwrap();
    let waited = Instant::now();
    while pings.lock().unwrap().len() < 2 && waited.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pings = pings.lock().unwrap().clone();
    let states: Vec<Option<&str>> = pings.iter().map(|p| query(&p.target, "state")).collect();
    assert!(
        states.contains(&Some("run")) && states.contains(&Some("complete")),
        "Cronitor's protocol, not Sentry's: {pings:?}"
    );
}

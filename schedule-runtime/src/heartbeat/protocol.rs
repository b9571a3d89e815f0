//! Each vendor's check-in protocol: what one step of a run (its start, its success, its
//! failure) sends to a monitor's URL. Pure: the URL in, the request out, so each protocol is
//! checked against the vendor's documented form without a network.
//!
//! | vendor | start | success | failure |
//! |---|---|---|---|
//! | Healthchecks.io | `GET <url>/start?rid=<id>` | `GET <url>?rid=<id>` | `POST <url>/fail?rid=<id>`, the error as the body |
//! | Sentry Crons | `GET <url>?status=in_progress&check_in_id=<id>&environment=<env>` | `…status=ok…&duration=<s>` | `…status=error…&duration=<s>` |
//! | Cronitor | `GET <url>?state=run&series=<id>&env=<env>` | `…state=complete…&metric=duration:<s>` | `…state=fail…&metric=duration:<s>&message=<error>` |
//! | UptimeRobot | nothing | `GET <url>` | nothing: the missing ping is the alert |
//!
//! One attempt's start and end carry the same identifier `<id>` (`rid`, `check_in_id`,
//! `series`), so a monitor pairs them, measures the run and notices one that started and never
//! ended (Sentry's and Cronitor's timeouts, Healthchecks' "started" state). The vendors' own
//! rules for it, each read in the vendor's code or documentation:
//!
//! - **It is a canonical UUID.** Healthchecks answers `400 invalid uuid format` to a `rid` that
//!   does not match `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$` (case
//!   ignored): healthchecks/healthchecks `hc/api/views.py` (`ping`) with `hc/lib/string.py`
//!   (`is_valid_uuid_string`). Sentry's `check_in_id` is a UUID too (getsentry/relay,
//!   `relay-monitors`: `CheckIn::check_in_id`).
//! - **It is new for every attempt.** Sentry ignores an update to a check-in that has finished
//!   (getsentry/sentry `src/sentry/monitors/consumers/monitor_consumer.py`: "check-in was
//!   finished: attempted update"), so a retry that reused the failed attempt's id would never
//!   report its success. Lambda's asynchronous retry keeps the request id and carries no
//!   attempt number, so no id derived from what Lambda hands us could tell two attempts
//!   apart: each attempt draws its own ([`CheckInId::new`]), and the run's `started` log line
//!   names it (`check_in_id`) so that a monitor's entry leads to the run's logs.
//! - **An environment is always named.** Sentry's `environment` and Cronitor's `env` are
//!   optional, and a check-in without one lands in the vendor's default environment, which
//!   Sentry shows as `production`; a run outside any deployment (a local run without
//!   `--env`) names [`LOCAL_ENVIRONMENT`] instead, so that a developer's run never counts as
//!   a deployment's.

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use schedule_core::Monitor;

/// The most of an error's text sent with a failure: Cronitor keeps 2,000 characters of a
/// message, and a Healthchecks body is read as a log line.
pub(crate) const MAX_FAILURE_TEXT: usize = 1_000;

/// The environment a run outside any deployment (a local run without `--env`) reports.
pub(crate) const LOCAL_ENVIRONMENT: &str = "local";

/// What a query value may hold unescaped: RFC 3986's unreserved characters.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One step of a run, as a monitor hears of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step<'a> {
    /// The run started.
    Start,
    /// It succeeded after `Duration`.
    Success(Duration),
    /// It failed after `Duration`, for the reason given.
    Failure(Duration, &'a str),
}

/// Who is checking in: one attempt of a run, and the deployment it runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run<'a> {
    /// The attempt's check-in id, which pairs its start with its end.
    pub(crate) check_in: CheckInId,
    /// The deployment environment; empty for a local run without `--env`.
    pub(crate) environment: &'a str,
}

impl Run<'_> {
    /// The environment a vendor is told: the deployment's, else [`LOCAL_ENVIRONMENT`].
    fn environment(&self) -> &str {
        if self.environment.is_empty() {
            LOCAL_ENVIRONMENT
        } else {
            self.environment
        }
    }
}

/// The id one attempt of a run checks in under: a random (version 4) UUID, drawn once per
/// attempt, in the canonical lower-case hyphenated form every vendor accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CheckInId(uuid::Uuid);

impl CheckInId {
    /// A new id, for a new attempt.
    pub(crate) fn new() -> CheckInId {
        CheckInId(uuid::Uuid::new_v4())
    }
}

impl std::fmt::Display for CheckInId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// One HTTP request to a monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    /// The URL, with its key: never logged whole.
    pub(crate) url: String,
    /// A body sends a `POST`; none, a `GET`.
    pub(crate) body: Option<String>,
}

/// What `monitor` is sent at `url` for `step` of `run`; `None` when the vendor is told nothing
/// of that step.
pub(crate) fn request(
    monitor: Monitor,
    url: &str,
    run: Run<'_>,
    step: Step<'_>,
) -> Option<Request> {
    match monitor {
        Monitor::Healthchecks => Some(healthchecks(url, run, step)),
        Monitor::Sentry => Some(sentry(url, run, step)),
        Monitor::Cronitor => Some(cronitor(url, run, step)),
        Monitor::UptimeRobot => match step {
            Step::Success(_) => Some(Request {
                url: url.to_owned(),
                body: None,
            }),
            Step::Start | Step::Failure(..) => None,
        },
    }
}

fn healthchecks(url: &str, run: Run<'_>, step: Step<'_>) -> Request {
    let url = url.trim_end_matches('/');
    let rid = run.check_in;
    match step {
        Step::Start => get(format!("{url}/start?rid={rid}")),
        Step::Success(_) => get(format!("{url}?rid={rid}")),
        Step::Failure(_, message) => Request {
            url: format!("{url}/fail?rid={rid}"),
            body: Some(cut(message)),
        },
    }
}

fn sentry(url: &str, run: Run<'_>, step: Step<'_>) -> Request {
    let (status, duration) = match step {
        Step::Start => ("in_progress", None),
        Step::Success(took) => ("ok", Some(took)),
        Step::Failure(took, _) => ("error", Some(took)),
    };
    let mut query = vec![
        ("status", status.to_owned()),
        // Sentry's SDKs send the 32 hex digits (getsentry's "Check-Ins" SDK page); Relay
        // parses either form.
        ("check_in_id", run.check_in.0.simple().to_string()),
        ("environment", run.environment().to_owned()),
    ];
    if let Some(took) = duration {
        query.push(("duration", seconds(took)));
    }
    get(with_query(url, &query))
}

fn cronitor(url: &str, run: Run<'_>, step: Step<'_>) -> Request {
    let (state, duration, message) = match step {
        Step::Start => ("run", None, None),
        Step::Success(took) => ("complete", Some(took), None),
        Step::Failure(took, message) => ("fail", Some(took), Some(message)),
    };
    let mut query = vec![
        ("state", state.to_owned()),
        ("series", run.check_in.to_string()),
        ("env", run.environment().to_owned()),
    ];
    if let Some(took) = duration {
        query.push(("metric", format!("duration:{}", seconds(took))));
    }
    if let Some(message) = message {
        query.push(("message", cut(message)));
    }
    get(with_query(url, &query))
}

fn seconds(took: Duration) -> String {
    format!("{:.3}", took.as_secs_f64())
}

fn cut(message: &str) -> String {
    message.chars().take(MAX_FAILURE_TEXT).collect()
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY_VALUE).to_string()
}

/// `url` with `query` added to whatever query it already has (a Sentry URL may name its
/// environment, say).
fn with_query(url: &str, query: &[(&str, String)]) -> String {
    let pairs: Vec<String> = query
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{}", pairs.join("&"))
}

fn get(url: String) -> Request {
    Request { url, body: None }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: Run<'static> = Run {
        check_in: CheckInId(uuid::uuid!("8f4e2a5c-1b3d-4e6f-9a7b-0c1d2e3f4a5b")),
        environment: "production",
    };
    const TOOK: Duration = Duration::from_millis(1_250);

    fn url_of(monitor: Monitor, url: &str, step: Step<'_>) -> Option<String> {
        request(monitor, url, RUN, step).map(|r| r.url)
    }

    #[test]
    fn healthchecks_pings_start_success_and_fail_with_the_check_in_id() {
        let url = "https://hc-ping.com/0b6f/";
        assert_eq!(
            url_of(Monitor::Healthchecks, url, Step::Start).unwrap(),
            "https://hc-ping.com/0b6f/start?rid=8f4e2a5c-1b3d-4e6f-9a7b-0c1d2e3f4a5b"
        );
        assert_eq!(
            url_of(Monitor::Healthchecks, url, Step::Success(TOOK)).unwrap(),
            "https://hc-ping.com/0b6f?rid=8f4e2a5c-1b3d-4e6f-9a7b-0c1d2e3f4a5b"
        );
        let failure =
            request(Monitor::Healthchecks, url, RUN, Step::Failure(TOOK, "boom")).unwrap();
        assert_eq!(
            failure.url,
            "https://hc-ping.com/0b6f/fail?rid=8f4e2a5c-1b3d-4e6f-9a7b-0c1d2e3f4a5b"
        );
        assert_eq!(failure.body.as_deref(), Some("boom"));
    }

    #[test]
    fn sentry_checks_in_progress_then_ok_or_error_with_one_id_and_the_duration() {
        // The form of Sentry's HTTP check-in: `<crons URL>?status=…&check_in_id=…`.
        let url = "https://o1.ingest.sentry.io/api/2/cron/shop-prod-report/abc123/";
        assert_eq!(
            url_of(Monitor::Sentry, url, Step::Start).unwrap(),
            "https://o1.ingest.sentry.io/api/2/cron/shop-prod-report/abc123/?status=in_progress\
             &check_in_id=8f4e2a5c1b3d4e6f9a7b0c1d2e3f4a5b&environment=production"
        );
        assert_eq!(
            url_of(Monitor::Sentry, url, Step::Success(TOOK)).unwrap(),
            "https://o1.ingest.sentry.io/api/2/cron/shop-prod-report/abc123/?status=ok\
             &check_in_id=8f4e2a5c1b3d4e6f9a7b0c1d2e3f4a5b&environment=production&duration=1.250"
        );
        let failure = request(Monitor::Sentry, url, RUN, Step::Failure(TOOK, "boom")).unwrap();
        assert!(failure.url.contains("?status=error&"), "{}", failure.url);
        assert_eq!(failure.body, None);
    }

    #[test]
    fn each_attempt_checks_in_under_a_new_canonical_uuid() {
        let (first, second) = (CheckInId::new(), CheckInId::new());
        assert_ne!(first, second);
        // Healthchecks' own pattern (hc/lib/string.py), written out rather than parsed back
        // with the crate that printed it.
        let canonical = |id: &str| {
            let groups: Vec<&str> = id.split('-').collect();
            groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
                && groups
                    .iter()
                    .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
        };
        assert!(canonical(&first.to_string()), "{first}");
    }

    #[test]
    fn cronitor_sends_run_then_complete_or_fail_in_one_series() {
        let url = "https://cronitor.link/p/KEY/shop-prod-report";
        assert_eq!(
            url_of(Monitor::Cronitor, url, Step::Start).unwrap(),
            "https://cronitor.link/p/KEY/shop-prod-report?state=run\
             &series=8f4e2a5c-1b3d-4e6f-9a7b-0c1d2e3f4a5b&env=production"
        );
        assert_eq!(
            url_of(
                Monitor::Cronitor,
                url,
                Step::Failure(TOOK, "disk full: /var")
            )
            .unwrap(),
            "https://cronitor.link/p/KEY/shop-prod-report?state=fail\
             &series=8f4e2a5c-1b3d-4e6f-9a7b-0c1d2e3f4a5b&env=production\
             &metric=duration%3A1.250&message=disk%20full%3A%20%2Fvar"
        );
    }

    #[test]
    fn uptimerobot_hears_only_of_successes() {
        let url = "https://heartbeat.uptimerobot.com/m800-abc";
        assert_eq!(url_of(Monitor::UptimeRobot, url, Step::Start), None);
        assert_eq!(
            url_of(Monitor::UptimeRobot, url, Step::Success(TOOK)).as_deref(),
            Some(url)
        );
        assert_eq!(
            url_of(Monitor::UptimeRobot, url, Step::Failure(TOOK, "x")),
            None
        );
    }

    #[test]
    fn a_local_run_without_an_environment_names_local() {
        let run = Run {
            environment: "",
            ..RUN
        };
        let url = |monitor, base| request(monitor, base, run, Step::Start).unwrap().url;
        assert_eq!(
            url(Monitor::Cronitor, "https://cronitor.link/p/K/m"),
            "https://cronitor.link/p/K/m?state=run\
             &series=8f4e2a5c-1b3d-4e6f-9a7b-0c1d2e3f4a5b&env=local"
        );
        assert_eq!(
            url(
                Monitor::Sentry,
                "https://o1.ingest.sentry.io/api/2/cron/m/k/"
            ),
            "https://o1.ingest.sentry.io/api/2/cron/m/k/?status=in_progress\
             &check_in_id=8f4e2a5c1b3d4e6f9a7b0c1d2e3f4a5b&environment=local"
        );
    }

    #[test]
    fn a_url_with_a_query_keeps_it_and_failure_text_is_cut_at_a_thousand_characters() {
        let long = "é".repeat(MAX_FAILURE_TEXT + 5);
        let failure = request(
            Monitor::Cronitor,
            "https://cronitor.link/p/K/m?env=staging",
            RUN,
            Step::Failure(TOOK, &long),
        )
        .unwrap()
        .url;
        assert!(
            failure.starts_with("https://cronitor.link/p/K/m?env=staging&state=fail&"),
            "{failure}"
        );
        let message = failure.split("&message=").nth(1).unwrap();
        // Each `é` is two bytes, each escaped as `%XX`: 1,000 characters, not 1,005.
        assert_eq!(message.len(), 1_000 * 6);
        let body = request(
            Monitor::Healthchecks,
            "https://hc-ping.com/k",
            RUN,
            Step::Failure(TOOK, &long),
        )
        .unwrap()
        .body
        .unwrap();
        assert_eq!(body.chars().count(), 1_000);
    }
}

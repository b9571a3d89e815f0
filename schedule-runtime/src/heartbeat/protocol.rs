//! Each vendor's check-in protocol: what one step of a run (its start, its success, its
//! failure) sends to a monitor's URL. Pure: the URL in, the request out, so each protocol is
//! checked against the vendor's documented form without a network.
//!
//! | vendor | start | success | failure |
//! |---|---|---|---|
//! | Healthchecks.io | `GET <url>/start?rid=<run>` | `GET <url>?rid=<run>` | `POST <url>/fail?rid=<run>`, the error as the body |
//! | Sentry Crons | `GET <url>?status=in_progress&check_in_id=<uuid>&environment=<env>` | `…status=ok…&duration=<s>` | `…status=error…&duration=<s>` |
//! | Cronitor | `GET <url>?state=run&series=<run>&env=<env>` | `…state=complete…&metric=duration:<s>` | `…state=fail…&metric=duration:<s>&message=<error>` |
//! | UptimeRobot | nothing | `GET <url>` | nothing: the missing ping is the alert |
//!
//! One run's start and end carry the same identifier (`rid`, `check_in_id`, `series`), so a
//! monitor pairs them, measures the run and notices one that started and never ended (Sentry's
//! and Cronitor's timeouts, Healthchecks' "started" state).

use std::time::Duration;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use schedule_core::Monitor;

/// The most of an error's text sent with a failure: Cronitor keeps 2,000 characters of a
/// message, and a Healthchecks body is read as a log line.
pub(crate) const MAX_FAILURE_TEXT: usize = 1_000;

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

/// Who is checking in: the run and the deployment it runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run<'a> {
    /// The run's id: Lambda's request id, or a new UUID for a local run.
    pub(crate) id: &'a str,
    /// The deployment environment; empty for a local run without `--env`.
    pub(crate) environment: &'a str,
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
    let rid = encode(run.id);
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
        ("check_in_id", check_in_id(run.id)),
    ];
    if !run.environment.is_empty() {
        query.push(("environment", run.environment.to_owned()));
    }
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
    let mut query = vec![("state", state.to_owned()), ("series", run.id.to_owned())];
    if !run.environment.is_empty() {
        query.push(("env", run.environment.to_owned()));
    }
    if let Some(took) = duration {
        query.push(("metric", format!("duration:{}", seconds(took))));
    }
    if let Some(message) = message {
        query.push(("message", cut(message)));
    }
    get(with_query(url, &query))
}

/// Sentry pairs a run's check-ins by a UUID: the run id when it is one (Lambda's request ids
/// are), else a UUID made from it, the same for both check-ins.
fn check_in_id(run_id: &str) -> String {
    let uuid = uuid::Uuid::try_parse(run_id).unwrap_or_else(|_| {
        let high = crate::stable_hash::fnv1a(run_id.as_bytes());
        let low = crate::stable_hash::fnv1a_from(high, run_id.as_bytes());
        uuid::Builder::from_u128((u128::from(high) << 64) | u128::from(low))
            .with_variant(uuid::Variant::RFC4122)
            .with_version(uuid::Version::Custom)
            .into_uuid()
    });
    uuid.simple().to_string()
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
        id: "8f4e2a5c-1b3d-4e6f-9a7b-0c1d2e3f4a5b",
        environment: "production",
    };
    const TOOK: Duration = Duration::from_millis(1_250);

    fn url_of(monitor: Monitor, url: &str, step: Step<'_>) -> Option<String> {
        request(monitor, url, RUN, step).map(|r| r.url)
    }

    #[test]
    fn healthchecks_pings_start_success_and_fail_with_the_run_id() {
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
    fn a_run_id_that_is_no_uuid_still_gives_one_stable_check_in_id() {
        let first = check_in_id("local-run-1");
        assert_eq!(first, check_in_id("local-run-1"));
        assert_ne!(first, check_in_id("local-run-2"));
        assert!(uuid::Uuid::try_parse(&first).is_ok(), "{first}");
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
    fn a_local_run_without_an_environment_names_none() {
        let run = Run {
            id: "r",
            environment: "",
        };
        let url = request(
            Monitor::Cronitor,
            "https://cronitor.link/p/K/m",
            run,
            Step::Start,
        )
        .unwrap()
        .url;
        assert_eq!(url, "https://cronitor.link/p/K/m?state=run&series=r");
    }
}

//! Check-ins with a monitor for tasks declared `heartbeat`: start, success and failure, each
//! in its vendor's own protocol (`protocol.rs`: Healthchecks.io, Sentry Crons, Cronitor,
//! UptimeRobot). A task's vendor is the one its declaration names (`heartbeat = "sentry"`),
//! else the application's default ([`HEARTBEAT_MONITOR`](crate::environment::HEARTBEAT_MONITOR),
//! Healthchecks unless set). The URL of a task comes from, in this order:
//!
//! - the environment variable `SCHEDULE_HEARTBEAT_URL_<TASK>`, where `<TASK>` is the task's
//!   name in upper case with every character other than a letter or digit turned into `_`
//!   (`daily-sales-report` → `SCHEDULE_HEARTBEAT_URL_DAILY_SALES_REPORT`): for local runs and
//!   hand-written deployments;
//! - the SecureString parameter `<prefix><task>` when
//!   [`HEARTBEAT_PARAMETERS`](crate::environment::HEARTBEAT_PARAMETERS) gives a prefix: what
//!   the generated Terraform does, so that no URL sits in the function's configuration
//!   (read once per process, by the task's first run; `heartbeat/parameters.rs`).
//!
//! A check-in can never fail or hang a run: the start (and the URL's first read) runs in the
//! background within [`START_BUDGET`], the final check-in is awaited for at most
//! [`PING_BUDGET`] (less when the Lambda deadline is closer) while the ledger is written, each
//! attempt is retried once, and every failure is only logged, by the monitor's host: a URL
//! holds the monitor's key.

#[cfg(feature = "app")]
mod client;
#[cfg(feature = "app")]
mod parameters;
mod protocol;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use schedule_core::jiff::Timestamp;
use schedule_core::{Monitor, TaskSpec};
use tracing::{Instrument, warn};

pub(crate) use self::protocol::{CheckInId, Run};

use self::protocol::{Request, Step};

/// The longest a final check-in may delay the end of an invocation.
pub const PING_BUDGET: Duration = Duration::from_secs(3);
/// The longest the start's check-in (with the URL's first read) goes on in the background.
pub const START_BUDGET: Duration = Duration::from_secs(6);

/// The environment variable that holds `task`'s ping URL.
pub fn url_variable(task: &str) -> String {
    let suffix: String = task
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("SCHEDULE_HEARTBEAT_URL_{suffix}")
}

/// The ping URL of each of `tasks` whose variable `lookup` finds. Empty means "no monitor":
/// the generated Terraform sets the variable of every heartbeat task, URL or not.
fn urls_from<'a>(
    tasks: impl IntoIterator<Item = &'a str>,
    lookup: impl Fn(&str) -> Option<String>,
) -> HashMap<String, String> {
    tasks
        .into_iter()
        .filter_map(|task| {
            let url = lookup(&url_variable(task)).filter(|u| !u.is_empty())?;
            Some((task.to_owned(), url))
        })
        .collect()
}

/// Pings monitors for tasks that declare `heartbeat`. Cheap to clone.
///
/// A ping URL is a credential (whoever holds it can ping the check), so no log line carries one:
/// a monitor appears in logs as its scheme and host only.
#[derive(Clone, Default)]
pub struct Heartbeat {
    urls: Arc<HashMap<String, String>>,
    /// The vendor of a task whose declaration names none; Healthchecks when `None`.
    default_monitor: Option<Monitor>,
    #[cfg(feature = "app")]
    parameters: Option<Arc<parameters::Parameters>>,
    #[cfg(feature = "app")]
    client: Arc<client::Client>,
}

impl Heartbeat {
    /// No pings.
    pub fn disabled() -> Heartbeat {
        Heartbeat::default()
    }

    /// Ping URLs for `tasks` from their environment variables, and from Parameter Store when
    /// the environment names a prefix.
    pub fn from_env<'a>(tasks: impl IntoIterator<Item = &'a str>) -> Heartbeat {
        Heartbeat {
            #[cfg(feature = "app")]
            parameters: parameters::Parameters::from_env().map(Arc::new),
            ..Heartbeat::with_urls(urls_from(tasks, |name| std::env::var(name).ok()))
        }
    }

    /// Pings to the URLs held by the SecureString parameters under `prefix` (task `report`'s
    /// is `<prefix>report`), in SSM Parameter Store reached as `connection` says; each read by
    /// its task's first run.
    #[cfg(feature = "app")]
    pub fn with_parameters(
        prefix: impl Into<String>,
        connection: crate::aws::Connection,
    ) -> Heartbeat {
        Heartbeat {
            parameters: Some(Arc::new(parameters::Parameters::new(
                prefix.into(),
                connection,
            ))),
            ..Heartbeat::default()
        }
    }

    /// Tasks declared `heartbeat` without a vendor check in with `monitor` (the application's
    /// default; Healthchecks unless set).
    pub fn with_default_monitor(self, monitor: Monitor) -> Heartbeat {
        Heartbeat {
            default_monitor: Some(monitor),
            ..self
        }
    }

    /// The vendor `task` checks in with.
    fn monitor(&self, task: &TaskSpec) -> Monitor {
        task.monitor_or(self.default_monitor.unwrap_or(Monitor::Healthchecks))
    }

    /// Pings to the given URLs, by task name.
    pub fn with_urls(urls: HashMap<String, String>) -> Heartbeat {
        Heartbeat {
            urls: Arc::new(urls),
            ..Heartbeat::default()
        }
    }

    /// Announces a run's start, in the background, within [`START_BUDGET`]. A task without
    /// a URL is warned about here, once per run. The run's end check-in waits for what this
    /// returns, so that a monitor never hears of the end before the start.
    pub(crate) fn start(&self, task: &'static TaskSpec, run: Run<'_>) -> Started {
        if let Known::None = self.known_url(task.name) {
            warn!(
                variable = %url_variable(task.name),
                "heartbeat declared but no ping URL is configured"
            );
            return Started {
                handle: None,
                check_in: run.check_in,
            };
        }
        let this = self.clone();
        let (check_in, environment) = (run.check_in, run.environment.to_owned());
        // In the run's span, so its log lines say which run they belong to.
        let handle = tokio::spawn(
            async move {
                let _ = tokio::time::timeout(START_BUDGET, async {
                    // Read even when the vendor hears nothing of a start (UptimeRobot): the
                    // first run finds a missing URL, and the end finds the URL at hand.
                    let Some(url) = this.url(task.name, Warn::Missing).await else {
                        return;
                    };
                    let run = Run {
                        check_in,
                        environment: &environment,
                    };
                    if let Some(request) =
                        protocol::request(this.monitor(task), &url, run, Step::Start)
                    {
                        this.send(request, PING_BUDGET).await;
                    }
                })
                .await;
            }
            .in_current_span(),
        );
        Started {
            handle: Some(handle),
            check_in,
        }
    }

    /// Announces a run's success after `took`, waiting at most the ping budget or until
    /// `deadline`.
    pub(crate) async fn success(
        &self,
        started: Started,
        task: &TaskSpec,
        run: Run<'_>,
        took: Duration,
        deadline: Option<Timestamp>,
    ) {
        self.finish(started, task, run, Step::Success(took), deadline)
            .await;
    }

    /// Announces a run's failure after `took`, with the error's text, waiting at most the
    /// ping budget or until `deadline`.
    pub(crate) async fn fail(
        &self,
        started: Started,
        task: &TaskSpec,
        run: Run<'_>,
        took: Duration,
        message: &str,
        deadline: Option<Timestamp>,
    ) {
        self.finish(started, task, run, Step::Failure(took, message), deadline)
            .await;
    }

    /// The final check-in, after the start's (a fast run's end must not overtake its start:
    /// Healthchecks would read the task as started and never finished), the wait and the URL's
    /// lookup included in the budget. Boxed: the lookup's future inside every caller's would
    /// nest past the compiler's layout depth.
    fn finish<'a>(
        &'a self,
        started: Started,
        task: &'a TaskSpec,
        run: Run<'a>,
        step: Step<'a>,
        deadline: Option<Timestamp>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        let budget = budget(deadline);
        Box::pin(async move {
            let _ = tokio::time::timeout(budget, async {
                if let Some(start) = started.handle {
                    let _ = start.await;
                }
                if let Some(url) = self.url(task.name, Warn::Failure).await
                    && let Some(request) = protocol::request(self.monitor(task), &url, run, step)
                {
                    self.send(request, budget).await;
                }
            })
            .await;
        })
    }

    /// What this process knows of `task`'s URL without asking anyone.
    fn known_url(&self, task: &str) -> Known {
        if let Some(url) = self.urls.get(task) {
            return Known::Url(url.clone());
        }
        #[cfg(feature = "app")]
        if self.parameters.is_some() {
            return Known::InParameterStore;
        }
        Known::None
    }

    /// `task`'s URL, read from Parameter Store if that is where it is. A parameter that
    /// cannot be read is logged by name (never by value) and means no ping this time; a
    /// missing one is warned about when `warn` says so (once per run: by the start).
    async fn url(&self, task: &str, warn: Warn) -> Option<String> {
        #[cfg(not(feature = "app"))]
        let _ = warn;
        match self.known_url(task) {
            Known::Url(url) => Some(url),
            Known::None => None,
            #[cfg(feature = "app")]
            Known::InParameterStore => {
                let parameters = self.parameters.as_ref()?;
                match parameters.url(task).await {
                    Ok(Some(url)) => Some(url),
                    Ok(None) => {
                        if warn == Warn::Failure {
                            return None;
                        }
                        warn!(
                            parameter = %parameters.name(task),
                            "heartbeat declared but no ping URL is configured"
                        );
                        None
                    }
                    Err(error) => {
                        warn!(%error, "heartbeat URL not read; no ping this time");
                        None
                    }
                }
            }
        }
    }

    async fn send(&self, request: Request, budget: Duration) {
        let Request { url, body } = request;
        #[cfg(feature = "app")]
        {
            if let Err(error) = self.client.ping(&url, body, budget).await {
                // An error's text may quote the URL it failed on; the log gets the host only.
                let monitor = redacted(&url);
                let error = error.replace(url.as_str(), &monitor);
                warn!(%monitor, %error, "heartbeat ping failed");
            }
        }
        #[cfg(not(feature = "app"))]
        {
            let _ = (body, budget);
            let monitor = redacted(&url);
            warn!(%monitor, "heartbeat ping skipped: built without the `app` feature's HTTP client");
        }
    }
}

/// A run's start check-in, under way in the background, and the id it was sent under; its end
/// check-in waits for it and goes under the same id.
#[must_use = "the end check-in waits for the start's"]
pub(crate) struct Started {
    handle: Option<tokio::task::JoinHandle<()>>,
    check_in: CheckInId,
}

impl Started {
    /// The id this attempt checks in under.
    pub(crate) fn check_in(&self) -> CheckInId {
        self.check_in
    }
}

/// What a URL's lookup warns about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Warn {
    /// A failed read and a missing parameter: the run's start.
    Missing,
    /// A failed read only: the run's end, whose start already warned.
    Failure,
}

/// Where a task's URL is.
enum Known {
    Url(String),
    None,
    #[cfg(feature = "app")]
    InParameterStore,
}

/// A ping URL as logs may show it: scheme and host, without the path and query that hold the
/// check's key (`https://hc-ping.com/…`).
fn redacted(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Credentials before an `@` are secret too.
    let host = authority.rsplit('@').next().unwrap_or_default();
    if scheme.is_empty() {
        host.to_owned()
    } else {
        format!("{scheme}://{host}")
    }
}

/// The ping budget, shortened to end before `deadline`.
fn budget(deadline: Option<Timestamp>) -> Duration {
    let Some(deadline) = deadline else {
        return PING_BUDGET;
    };
    let remaining = deadline.duration_since(Timestamp::now());
    Duration::try_from(remaining)
        .unwrap_or(Duration::ZERO)
        .min(PING_BUDGET)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_show_a_monitor_as_its_host_only() {
        for (url, shown) in [
            (
                "https://hc-ping.com/0b6f4e1c-key/start?rid=1",
                "https://hc-ping.com",
            ),
            ("http://127.0.0.1:8080/ping/abc", "http://127.0.0.1:8080"),
            (
                "https://user:secret@example.com/ping",
                "https://example.com",
            ),
            ("https://example.com", "https://example.com"),
            ("no-scheme.example/key", "no-scheme.example"),
        ] {
            assert_eq!(redacted(url), shown, "{url}");
        }
    }

    #[test]
    fn urls_come_from_each_tasks_variable_and_empty_means_none() {
        let variables = HashMap::from([
            (
                url_variable("report"),
                "https://hc-ping.com/abc/".to_owned(),
            ),
            (url_variable("cleanup"), String::new()),
        ]);
        let urls = urls_from(["report", "cleanup", "digest"], |name| {
            variables.get(name).cloned()
        });
        assert_eq!(
            urls,
            HashMap::from([("report".to_owned(), "https://hc-ping.com/abc/".to_owned())])
        );
        assert_eq!(
            url_variable("daily-sales.report"),
            "SCHEDULE_HEARTBEAT_URL_DAILY_SALES_REPORT"
        );
    }
}

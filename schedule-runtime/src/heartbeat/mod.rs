//! Start, success and failure pings to a monitor, in Healthchecks.io's ping API.
//!
//! A task declared `heartbeat` pings `<url>/start?rid=<run id>` when a run starts,
//! `<url>?rid=<run id>` when it succeeds and `<url>/fail?rid=<run id>` (with a short error text
//! as the body) when it fails. The URL of a task comes from, in this order:
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
//! A ping can never fail or hang a run: the start ping (and the URL's first read) runs in the
//! background, the final ping is awaited for at most [`PING_BUDGET`] (less when the Lambda
//! deadline is closer), each attempt is retried once, and every failure is only logged.

#[cfg(feature = "app")]
mod client;
#[cfg(feature = "app")]
mod parameters;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use schedule_core::jiff::Timestamp;
use tracing::{Instrument, warn};

/// The longest a final ping may delay the end of an invocation.
pub const PING_BUDGET: Duration = Duration::from_secs(3);
/// The most of the failure text sent with a `fail` ping.
const MAX_FAILURE_TEXT: usize = 1_000;

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
            Some((task.to_owned(), url.trim_end_matches('/').to_owned()))
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

    /// Pings to the given URLs, by task name.
    pub fn with_urls(urls: HashMap<String, String>) -> Heartbeat {
        Heartbeat {
            urls: Arc::new(urls),
            ..Heartbeat::default()
        }
    }

    /// Announces a run's start, in the background. A task without a URL is warned about here,
    /// once per run.
    pub(crate) fn start(&self, task: &str, run_id: &str) {
        match self.known_url(task) {
            Known::Url(url) => {
                let this = self.clone();
                let url = format!("{url}/start?rid={run_id}");
                // In the run's span, so its log lines say which run they belong to.
                tokio::spawn(
                    async move { this.ping(url, None, PING_BUDGET).await }.in_current_span(),
                );
            }
            Known::None => warn!(
                variable = %url_variable(task),
                "heartbeat declared but no ping URL is configured"
            ),
            #[cfg(feature = "app")]
            Known::InParameterStore => {
                let this = self.clone();
                let (task, run_id) = (task.to_owned(), run_id.to_owned());
                tokio::spawn(
                    async move {
                        if let Some(url) = this.url(&task, Warn::Missing).await {
                            let url = format!("{url}/start?rid={run_id}");
                            this.ping(url, None, PING_BUDGET).await;
                        }
                    }
                    .in_current_span(),
                );
            }
        }
    }

    /// Announces a run's success, waiting at most the ping budget or until `deadline`.
    pub(crate) async fn success(&self, task: &str, run_id: &str, deadline: Option<Timestamp>) {
        self.finish(task, format!("?rid={run_id}"), None, deadline)
            .await;
    }

    /// Announces a run's failure with a short text, waiting at most the ping budget or until
    /// `deadline`.
    pub(crate) async fn fail(
        &self,
        task: &str,
        run_id: &str,
        message: &str,
        deadline: Option<Timestamp>,
    ) {
        let text: String = message.chars().take(MAX_FAILURE_TEXT).collect();
        self.finish(task, format!("/fail?rid={run_id}"), Some(text), deadline)
            .await;
    }

    /// The final ping, `<url><path>`, the URL's lookup included in the budget. Boxed: the
    /// lookup's future inside every caller's would nest past the compiler's layout depth.
    fn finish<'a>(
        &'a self,
        task: &'a str,
        path: String,
        body: Option<String>,
        deadline: Option<Timestamp>,
    ) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>> {
        let budget = budget(deadline);
        Box::pin(async move {
            let _ = tokio::time::timeout(budget, async {
                if let Some(url) = self.url(task, Warn::Failure).await {
                    self.ping(format!("{url}{path}"), body, budget).await;
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
                match parameters.url(task, &self.client).await {
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

    async fn ping(&self, url: String, body: Option<String>, budget: Duration) {
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

/// What a URL's lookup warns about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Warn {
    /// A failed read and a missing parameter: the run's start.
    #[cfg_attr(
        not(feature = "app"),
        expect(dead_code, reason = "parameters need `app`")
    )]
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
            HashMap::from([("report".to_owned(), "https://hc-ping.com/abc".to_owned())])
        );
        assert_eq!(
            url_variable("daily-sales.report"),
            "SCHEDULE_HEARTBEAT_URL_DAILY_SALES_REPORT"
        );
    }
}

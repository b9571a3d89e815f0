//! Start, success and failure pings to a monitor, in Healthchecks.io's ping API.
//!
//! A task declared `heartbeat` pings `<url>/start?rid=<run id>` when a run starts,
//! `<url>?rid=<run id>` when it succeeds and `<url>/fail?rid=<run id>` (with a short error text
//! as the body) when it fails. The URL comes from the environment variable
//! `SCHEDULE_HEARTBEAT_URL_<TASK>`, where `<TASK>` is the task's name in upper case with every
//! character other than a letter or digit turned into `_` (`daily-sales-report` →
//! `SCHEDULE_HEARTBEAT_URL_DAILY_SALES_REPORT`); the generated Terraform sets it.
//!
//! A ping can never fail or hang a run: the start ping runs in the background, the final ping is
//! awaited for at most [`PING_BUDGET`] (less when the Lambda deadline is closer), each attempt
//! is retried once, and every failure is only logged.

use std::collections::HashMap;
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
    client: Arc<client::Client>,
}

impl Heartbeat {
    /// No pings.
    pub fn disabled() -> Heartbeat {
        Heartbeat::default()
    }

    /// Ping URLs for `tasks` from their environment variables.
    pub fn from_env<'a>(tasks: impl IntoIterator<Item = &'a str>) -> Heartbeat {
        Heartbeat::with_urls(urls_from(tasks, |name| std::env::var(name).ok()))
    }

    /// Pings to the given URLs, by task name.
    pub fn with_urls(urls: HashMap<String, String>) -> Heartbeat {
        Heartbeat {
            #[cfg(feature = "app")]
            client: Arc::default(),
            urls: Arc::new(urls),
        }
    }

    /// Announces a run's start, in the background. A task without a URL is warned about here,
    /// once per run.
    pub(crate) fn start(&self, task: &str, run_id: &str) {
        let url = self.url(task);
        if url.is_none() {
            warn!(
                variable = %url_variable(task),
                "heartbeat declared but no ping URL is configured"
            );
        }
        if let Some(url) = url {
            let this = self.clone();
            let url = format!("{url}/start?rid={run_id}");
            // In the run's span, so its log lines say which run they belong to.
            tokio::spawn(async move { this.ping(url, None, PING_BUDGET).await }.in_current_span());
        }
    }

    /// Announces a run's success, waiting at most the ping budget or until `deadline`.
    pub(crate) async fn success(&self, task: &str, run_id: &str, deadline: Option<Timestamp>) {
        if let Some(url) = self.url(task) {
            let url = format!("{url}?rid={run_id}");
            self.ping(url, None, budget(deadline)).await;
        }
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
        if let Some(url) = self.url(task) {
            let url = format!("{url}/fail?rid={run_id}");
            let text: String = message.chars().take(MAX_FAILURE_TEXT).collect();
            self.ping(url, Some(text), budget(deadline)).await;
        }
    }

    fn url(&self, task: &str) -> Option<&str> {
        self.urls.get(task).map(String::as_str)
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

#[cfg(feature = "app")]
mod client {
    use std::sync::OnceLock;
    use std::time::Duration;

    use bytes::Bytes;
    use http_body_util::Full;
    use hyper_rustls::HttpsConnector;
    use hyper_util::client::legacy::Client as HyperClient;
    use hyper_util::client::legacy::connect::HttpConnector;

    type Inner = HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>;

    /// The pings' HTTP(S) client, on the process's one HTTPS stack, built on the first ping.
    #[derive(Default)]
    pub(super) struct Client {
        inner: OnceLock<Inner>,
    }

    impl Client {
        fn inner(&self) -> &Inner {
            self.inner.get_or_init(crate::https::client)
        }

        /// Sends the ping, retrying once, within `budget` in all.
        pub(super) async fn ping(
            &self,
            url: &str,
            body: Option<String>,
            budget: Duration,
        ) -> Result<(), String> {
            let attempt = async {
                let mut last = String::new();
                for _ in 0..2 {
                    match self.send(url, body.clone()).await {
                        Ok(()) => return Ok(()),
                        Err(error) => last = error,
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(last)
            };
            tokio::time::timeout(budget, attempt)
                .await
                .unwrap_or_else(|_| Err(format!("no answer within {budget:?}")))
        }

        async fn send(&self, url: &str, body: Option<String>) -> Result<(), String> {
            let request = hyper::Request::builder()
                .method(if body.is_some() { "POST" } else { "GET" })
                .uri(url)
                .header(
                    "user-agent",
                    concat!("schedule-runtime/", env!("CARGO_PKG_VERSION")),
                )
                .body(Full::new(Bytes::from(body.unwrap_or_default())))
                .map_err(|e| e.to_string())?;
            let response = self
                .inner()
                .request(request)
                .await
                .map_err(|e| e.to_string())?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(format!("the monitor answered {}", response.status()))
            }
        }
    }
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

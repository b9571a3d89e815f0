//! The pings' HTTP(S) client, on the process's one HTTPS stack.

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
pub(crate) struct Client {
    inner: OnceLock<Inner>,
}

impl Client {
    fn inner(&self) -> &Inner {
        self.inner.get_or_init(crate::https::client)
    }

    /// Sends the ping, retrying once what may pass a second time (no answer, a 5xx, 408 or
    /// 429: a refusal such as Healthchecks' `400 invalid uuid format` or a revoked key's 401
    /// would only be refused again), within `budget` in all.
    pub(crate) async fn ping(
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
                    Err(Failed::Final(error)) => return Err(error),
                    Err(Failed::Transient(error)) => last = error,
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(last)
        };
        tokio::time::timeout(budget, attempt)
            .await
            .unwrap_or_else(|_| Err(format!("no answer within {budget:?}")))
    }

    async fn send(&self, url: &str, body: Option<String>) -> Result<(), Failed> {
        let request = hyper::Request::builder()
            .method(if body.is_some() { "POST" } else { "GET" })
            .uri(url)
            .header(
                "user-agent",
                concat!("schedule-runtime/", env!("CARGO_PKG_VERSION")),
            )
            .body(Full::new(Bytes::from(body.unwrap_or_default())))
            .map_err(|e| Failed::Final(e.to_string()))?;
        let response = self
            .inner()
            .request(request)
            .await
            .map_err(|e| Failed::Transient(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let error = format!("the monitor answered {status}");
        if status.is_server_error()
            || status == hyper::StatusCode::REQUEST_TIMEOUT
            || status == hyper::StatusCode::TOO_MANY_REQUESTS
        {
            Err(Failed::Transient(error))
        } else {
            Err(Failed::Final(error))
        }
    }
}

/// Why a ping did not go through, and whether trying again may help.
enum Failed {
    Transient(String),
    Final(String),
}

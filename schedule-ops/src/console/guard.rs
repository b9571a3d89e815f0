//! What keeps the console's actions the operator's own: a `Host` header the console expects
//! (so a web page under another name, rebinding DNS to loopback, cannot read or act), and for
//! every action a form token only the console's pages carry, sent from the console's own
//! origin (`Origin` and `Sec-Fetch-Site`, which browsers set and pages cannot forge).

use axum::http::{HeaderMap, header};

/// The console's checks; one per process.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    /// The form token: random, made at start, never logged.
    pub(crate) token: String,
    /// The `Host` values requests may carry: the address listened on, and `localhost` for a
    /// loopback one.
    hosts: Vec<String>,
}

impl Guard {
    /// The checks for a console listening on `address`.
    pub(crate) fn new(address: std::net::SocketAddr) -> Guard {
        let port = address.port();
        let mut hosts = vec![address.to_string()];
        if address.ip().is_loopback() {
            hosts.push(format!("localhost:{port}"));
            hosts.push(format!("127.0.0.1:{port}"));
            hosts.push(format!("[::1]:{port}"));
        }
        Guard {
            token: uuid::Uuid::new_v4().simple().to_string(),
            hosts,
        }
    }

    /// Whether the request names this console as its host.
    pub(crate) fn host_ok(&self, headers: &HeaderMap) -> bool {
        headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .is_some_and(|host| self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)))
    }

    /// Why an action request is refused, if it is: not from the console's own page.
    pub(crate) fn refuse_action(&self, headers: &HeaderMap, token: &str) -> Option<&'static str> {
        let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        if let Some(site) = value("sec-fetch-site")
            && site != "same-origin"
        {
            return Some("the request came from another site (Sec-Fetch-Site)");
        }
        if let Some(origin) = value("origin") {
            let ours = self
                .hosts
                .iter()
                .any(|host| origin.eq_ignore_ascii_case(&format!("http://{host}")));
            if !ours {
                return Some("the request came from another origin (Origin)");
            }
        }
        if !constant_time_eq(token.as_bytes(), self.token.as_bytes()) {
            return Some("the form's token is missing or stale: reload the page and try again");
        }
        None
    }
}

/// Compares without stopping at the first difference, so timing tells nothing of the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                *name,
                HeaderValue::from_str(value).unwrap_or(HeaderValue::from_static("")),
            );
        }
        map
    }

    #[test]
    fn only_the_console_own_names_are_hosts() {
        let guard = Guard::new(
            "127.0.0.1:8470"
                .parse()
                .unwrap_or(([127, 0, 0, 1], 8470).into()),
        );
        assert!(guard.host_ok(&headers(&[("host", "127.0.0.1:8470")])));
        assert!(guard.host_ok(&headers(&[("host", "localhost:8470")])));
        assert!(!guard.host_ok(&headers(&[("host", "evil.example:8470")])));
        assert!(!guard.host_ok(&headers(&[])));
    }

    #[test]
    fn an_action_needs_the_token_and_the_console_origin() {
        let guard = Guard::new(([127, 0, 0, 1], 8470).into());
        let token = guard.token.clone();
        let own = headers(&[
            ("origin", "http://127.0.0.1:8470"),
            ("sec-fetch-site", "same-origin"),
        ]);
        assert_eq!(guard.refuse_action(&own, &token), None);
        assert!(guard.refuse_action(&own, "guess").is_some());
        let foreign = headers(&[("origin", "http://evil.example")]);
        assert!(guard.refuse_action(&foreign, &token).is_some());
        let cross = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(guard.refuse_action(&cross, &token).is_some());
    }
}

//! One call of an AWS service's JSON 1.1 protocol (Parameter Store's `GetParameter`, Secrets
//! Manager's `GetSecretValue`): a `POST` with an `x-amz-target` header, signed with `aws-sigv4`
//! (the SDK's own signer) and sent over the runtime's HTTPS stack. The two services' SDKs would
//! do the same for the one read each at the price of more than a megabyte of Lambda binary
//! apiece (`BENCHMARKS.md`); both crates used here are the DynamoDB SDK's already.
//!
//! Throttling, a server error or no answer within [`ATTEMPT`] is tried again ([`ATTEMPTS`] in
//! all, with a doubling backoff); any other refusal is the caller's to interpret, by its type.

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;

use super::Connection;

/// Attempts per call, the first included: throttling (Parameter Store's default is 40 reads a
/// second) and server errors are tried again after a short backoff.
pub(crate) const ATTEMPTS: u32 = 3;
/// The first backoff; each next one doubles.
const BACKOFF: Duration = Duration::from_millis(100);
/// One attempt, answer included.
pub(crate) const ATTEMPT: Duration = Duration::from_secs(2);

/// A service spoken to in JSON 1.1.
pub(crate) struct JsonService {
    connection: Connection,
    /// What the signature names (`ssm`, `secretsmanager`), also the endpoint's host prefix.
    signing_name: &'static str,
    /// The `x-amz-target` prefix (`AmazonSSM`, `secretsmanager`).
    target: &'static str,
    /// What errors call it ("Parameter Store").
    title: &'static str,
    http: OnceLock<Client<HttpsConnector<HttpConnector>, Full<Bytes>>>,
}

/// A refusal the service answered: its error type (`ParameterNotFound`), and the whole of
/// what it said, for a message.
#[derive(Debug)]
pub(crate) struct Refused {
    pub(crate) kind: String,
    pub(crate) problem: String,
}

/// Why one attempt did not answer.
enum Failure {
    /// Worth another attempt: throttled, a server error, no answer.
    Transient(String),
    /// Not: the service refused.
    Refused(Refused),
    /// Not: the request could not be made, or the answer is not the service's.
    Broken(String),
}

/// Why a call failed: the service refused (and why), or it could not be reached.
#[derive(Debug)]
pub(crate) enum CallError {
    Refused(Refused),
    Failed(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Refused(refused) => f.write_str(&refused.problem),
            CallError::Failed(problem) => f.write_str(problem),
        }
    }
}

impl JsonService {
    /// Parameter Store, as `connection` reaches it.
    pub(crate) fn parameter_store(connection: Connection) -> JsonService {
        JsonService::new(connection, "ssm", "AmazonSSM", "Parameter Store")
    }

    /// Secrets Manager, as `connection` reaches it.
    pub(crate) fn secrets_manager(connection: Connection) -> JsonService {
        JsonService::new(
            connection,
            "secretsmanager",
            "secretsmanager",
            "Secrets Manager",
        )
    }

    fn new(
        connection: Connection,
        signing_name: &'static str,
        target: &'static str,
        title: &'static str,
    ) -> JsonService {
        JsonService {
            connection,
            signing_name,
            target,
            title,
            http: OnceLock::new(),
        }
    }

    /// `operation` with `body`; the answer's JSON. The client is built by the first call.
    pub(crate) async fn call(&self, operation: &str, body: &Value) -> Result<Value, CallError> {
        let body = body.to_string();
        let mut backoff = BACKOFF;
        let mut attempt = 1;
        loop {
            let answer = tokio::time::timeout(ATTEMPT, self.attempt(operation, &body))
                .await
                .unwrap_or_else(|_| {
                    Err(Failure::Transient(format!("no answer within {ATTEMPT:?}")))
                });
            match answer {
                Ok(value) => return Ok(value),
                Err(Failure::Transient(problem)) if attempt < ATTEMPTS => {
                    tracing::debug!(%problem, attempt, operation, "calling {} again", self.title);
                }
                Err(Failure::Transient(problem) | Failure::Broken(problem)) => {
                    return Err(CallError::Failed(problem));
                }
                Err(Failure::Refused(refused)) => return Err(CallError::Refused(refused)),
            }
            tokio::time::sleep(backoff).await;
            backoff *= 2;
            attempt += 1;
        }
    }

    /// One signed request.
    async fn attempt(&self, operation: &str, body: &str) -> Result<Value, Failure> {
        let endpoint = self.endpoint();
        let target = format!("{}.{operation}", self.target);
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", target.as_str()),
        ];
        let mut request = hyper::Request::builder().method("POST").uri(&endpoint);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let mut request = request
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| Failure::Broken(e.to_string()))?;
        if let Some(key) = &self.connection.credentials {
            let identity: Identity = Credentials::new(
                &key.access_key_id,
                &key.secret_access_key,
                key.session_token.clone(),
                None,
                "environment",
            )
            .into();
            let params = v4::SigningParams::builder()
                .identity(&identity)
                .region(&self.connection.region)
                .name(self.signing_name)
                .time(SystemTime::now())
                .settings(SigningSettings::default())
                .build()
                .map_err(|e| Failure::Broken(e.to_string()))?
                .into();
            let signable = SignableRequest::new(
                "POST",
                &endpoint,
                headers.into_iter(),
                SignableBody::Bytes(body.as_bytes()),
            )
            .map_err(|e| Failure::Broken(e.to_string()))?;
            let (instructions, _) = sign(signable, &params)
                .map_err(|e| Failure::Broken(e.to_string()))?
                .into_parts();
            instructions.apply_to_request_http1x(&mut request);
        }
        let http = self.http.get_or_init(crate::https::client);
        let response = http
            .request(request)
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?
            .to_bytes();
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer);
        }
        // An error's type is its `__type`, possibly after a namespace and `#`.
        let kind = answer["__type"]
            .as_str()
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
            .unwrap_or_default();
        let problem = format!(
            "{} answered {status} {kind}: {}",
            self.title,
            answer["message"]
                .as_str()
                .or(answer["Message"].as_str())
                .unwrap_or_default()
        );
        if kind == "ThrottlingException" || status.is_server_error() {
            Err(Failure::Transient(problem))
        } else {
            Err(Failure::Refused(Refused { kind, problem }))
        }
    }

    /// The service's endpoint: the one the connection names, else the region's (in the China
    /// partition's domain for `cn-` regions).
    fn endpoint(&self) -> String {
        if let Some(endpoint) = &self.connection.endpoint {
            return format!("{}/", endpoint.trim_end_matches('/'));
        }
        let region = &self.connection.region;
        let domain = if region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!("https://{}.{region}.{domain}/", self.signing_name)
    }
}

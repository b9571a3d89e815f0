//! Ping URLs kept as SecureString parameters of SSM Parameter Store, where the generated module
//! puts them: a ping URL is a credential, and the function's environment is readable by whoever
//! may call `lambda:GetFunctionConfiguration`. The module gives the function the parameters'
//! prefix ([`HEARTBEAT_PARAMETERS`](crate::environment::HEARTBEAT_PARAMETERS), e.g.
//! `/shop-production/heartbeat/`); task `report`'s URL is the parameter `<prefix>report`.
//!
//! Each URL is read once per process, by the first run of its task (a cold start reads nothing
//! before its first poll, and a task that never runs in this process costs no request): one
//! `GetParameter`, decrypted. A parameter that does not exist means "no monitor", as an empty
//! variable does, and is not asked for again; any other failure is reported to the caller and
//! asked for again by the next run.
//!
//! The request is Parameter Store's JSON protocol, signed with `aws-sigv4` (the SDK's own
//! signer) and sent over the runtime's HTTPS stack. The SSM SDK would do the same for one
//! operation at the price of 1.25 MB and 5,400 relocations more in the Lambda binary, and a
//! slower cold start (`BENCHMARKS.md`); both crates used here are the DynamoDB SDK's already.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use super::client::Client;
use crate::aws::Connection;
use crate::environment;

/// Attempts per read, the first included: throttling (Parameter Store's default is 40 reads a
/// second) and server errors are tried again after a short backoff, within the ping budget.
const ATTEMPTS: u32 = 3;
/// The first backoff; each next one doubles.
const BACKOFF: Duration = Duration::from_millis(100);
/// One attempt, answer included.
const ATTEMPT: Duration = Duration::from_secs(2);

/// What a task's lookup found: its URL, or `None` for no parameter.
type Found = Option<String>;

/// The URLs under one prefix, each read on first use.
pub(crate) struct Parameters {
    prefix: String,
    connection: Connection,
    found: Mutex<HashMap<String, Arc<OnceCell<Found>>>>,
}

/// Why one attempt did not answer.
enum Failure {
    /// Worth another attempt: throttled, a server error, no answer.
    Transient(String),
    /// Not: refused, or an answer that is not Parameter Store's.
    Final(String),
}

impl Parameters {
    /// The parameters the environment names; `None` without a prefix.
    pub(crate) fn from_env() -> Option<Parameters> {
        let prefix = std::env::var(environment::HEARTBEAT_PARAMETERS)
            .ok()
            .filter(|prefix| !prefix.is_empty())?;
        Some(Parameters::new(prefix, Connection::from_env_for("SSM")))
    }

    /// The parameters under `prefix`, reached as `connection` says.
    pub(crate) fn new(prefix: String, connection: Connection) -> Parameters {
        Parameters {
            prefix,
            connection,
            found: Mutex::default(),
        }
    }

    /// The name of `task`'s parameter.
    pub(crate) fn name(&self, task: &str) -> String {
        format!("{}{task}", self.prefix)
    }

    /// `task`'s ping URL: read from Parameter Store by the first call, remembered after. Runs
    /// of one task that start together wait for the one read.
    pub(crate) async fn url(&self, task: &str, http: &Client) -> Result<Found, String> {
        let cell = Arc::clone(
            self.found
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(task.to_owned())
                .or_default(),
        );
        cell.get_or_try_init(|| self.read(task, http))
            .await
            .cloned()
    }

    async fn read(&self, task: &str, http: &Client) -> Result<Found, String> {
        let name = self.name(task);
        let body = json!({ "Name": name, "WithDecryption": true }).to_string();
        let mut backoff = BACKOFF;
        let mut attempt = 1;
        loop {
            let answer = tokio::time::timeout(ATTEMPT, self.get_parameter(&body, http))
                .await
                .unwrap_or_else(|_| {
                    Err(Failure::Transient(format!("no answer within {ATTEMPT:?}")))
                });
            // The errors name the parameter, never its value: the value is what was not read.
            match answer {
                Ok(found) => return Ok(found),
                Err(Failure::Transient(problem)) if attempt < ATTEMPTS => {
                    tracing::debug!(%problem, attempt, "reading a heartbeat parameter again");
                }
                Err(Failure::Transient(problem) | Failure::Final(problem)) => {
                    return Err(format!("reading parameter {name}: {problem}"));
                }
            }
            tokio::time::sleep(backoff).await;
            backoff *= 2;
            attempt += 1;
        }
    }

    /// One signed `GetParameter`.
    async fn get_parameter(&self, body: &str, http: &Client) -> Result<Found, Failure> {
        let endpoint = self.endpoint();
        let headers = [
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "AmazonSSM.GetParameter"),
        ];
        let mut request = hyper::Request::builder().method("POST").uri(&endpoint);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let mut request = request
            .body(Full::new(Bytes::from(body.to_owned())))
            .map_err(|e| Failure::Final(e.to_string()))?;
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
                .name("ssm")
                .time(SystemTime::now())
                .settings(SigningSettings::default())
                .build()
                .map_err(|e| Failure::Final(e.to_string()))?
                .into();
            let signable = SignableRequest::new(
                "POST",
                &endpoint,
                headers.into_iter(),
                SignableBody::Bytes(body.as_bytes()),
            )
            .map_err(|e| Failure::Final(e.to_string()))?;
            let (instructions, _) = sign(signable, &params)
                .map_err(|e| Failure::Final(e.to_string()))?
                .into_parts();
            instructions.apply_to_request_http1x(&mut request);
        }
        let response = http.request(request).await.map_err(Failure::Transient)?;
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::Transient(e.to_string()))?
            .to_bytes();
        let answer: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(answer["Parameter"]["Value"]
                .as_str()
                .map(|url| url.trim().trim_end_matches('/').to_owned())
                .filter(|url| !url.is_empty()));
        }
        // An error's type is its `__type`, possibly after a namespace and `#`.
        let kind = answer["__type"]
            .as_str()
            .map(|t| t.rsplit('#').next().unwrap_or(t).to_owned())
            .unwrap_or_default();
        let problem = format!(
            "Parameter Store answered {status} {kind}: {}",
            answer["message"]
                .as_str()
                .or(answer["Message"].as_str())
                .unwrap_or_default()
        );
        match kind.as_str() {
            "ParameterNotFound" => Ok(None),
            "ThrottlingException" => Err(Failure::Transient(problem)),
            _ if status.is_server_error() => Err(Failure::Transient(problem)),
            _ => Err(Failure::Final(problem)),
        }
    }

    /// Parameter Store's endpoint: the one the connection names, else the region's (in the
    /// China partition's domain for `cn-` regions).
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
        format!("https://ssm.{region}.{domain}/")
    }
}

//! The AWS clients of a process: one place (`sdk_client!`) builds the configuration of every
//! SDK client the runtime uses (DynamoDB for the stores, Scheduler for deferred runs) from a
//! [`Connection`], over the shared HTTPS stack (the reads of Parameter Store and Secrets
//! Manager sign their own requests from the same [`Connection`]: `json.rs`); `dynamodb.rs` is the one DynamoDB client,
//! shared by the idempotency store and the ledger, and the table handle both stores use.

pub(crate) mod dynamodb;
pub(crate) mod json;

use std::time::Duration;

/// How to reach an AWS service.
#[derive(Debug, Clone, Default)]
pub struct Connection {
    /// The region, e.g. `eu-west-1`.
    pub region: String,
    /// Another endpoint than AWS's, e.g. a DynamoDB-compatible server in tests.
    pub endpoint: Option<String>,
    /// Static credentials; `None` leaves the client without any (it then signs nothing).
    pub credentials: Option<StaticCredentials>,
}

/// An access key, as the `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`
/// variables give it.
#[derive(Clone, Default)]
pub struct StaticCredentials {
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
    /// `AWS_SESSION_TOKEN`, for temporary credentials (as Lambda's are).
    pub session_token: Option<String>,
}

/// Shows the key id only: the secret and the token never reach a log line.
impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

/// How long a client waits, and how often it tries: a store must fail closed quickly, a
/// deferral may take longer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Patience {
    /// Attempts per call, the first included.
    pub(crate) attempts: u32,
    pub(crate) connect: Duration,
    /// One attempt.
    pub(crate) attempt: Duration,
    /// One call, retries included.
    pub(crate) operation: Duration,
}

/// A client of the SDK crate `$sdk` (`aws_sdk_dynamodb`, `aws_sdk_scheduler`) reached as the
/// [`Connection`] says, with the [`Patience`]: the shared HTTPS stack, the region, the static
/// credentials if any (without, it signs nothing), the endpoint. The one place every AWS client
/// of the runtime is configured. A macro, because each SDK's configuration is its own type;
/// `aws-types`' shared `SdkConfig` would do the same through a conversion that cost the Lambda
/// binary 39 KB more (`BENCHMARKS.md`).
macro_rules! sdk_client {
    ($sdk:ident, $connection:expr, $patience:expr) => {{
        let connection: $crate::aws::Connection = $connection;
        let patience: $crate::aws::Patience = $patience;
        let mut config = $sdk::Config::builder()
            .behavior_version($sdk::config::BehaviorVersion::latest())
            .region($sdk::config::Region::new(connection.region))
            .http_client($crate::https::sdk::aws_http_client())
            .retry_config(
                $sdk::config::retry::RetryConfig::standard().with_max_attempts(patience.attempts),
            )
            .timeout_config(
                $sdk::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(patience.connect)
                    .operation_attempt_timeout(patience.attempt)
                    .operation_timeout(patience.operation)
                    .build(),
            );
        if let Some(key) = connection.credentials {
            config = config.credentials_provider($sdk::config::Credentials::new(
                key.access_key_id,
                key.secret_access_key,
                key.session_token,
                None,
                "environment",
            ));
        }
        if let Some(endpoint) = connection.endpoint {
            config = config.endpoint_url(endpoint);
        }
        $sdk::Client::from_conf(config.build())
    }};
}
pub(crate) use sdk_client;

impl Connection {
    /// The connection to DynamoDB the environment describes: [`Connection::from_env_for`]
    /// `DYNAMODB`.
    pub fn from_env() -> Connection {
        Connection::from_env_for("DYNAMODB")
    }

    /// The connection to the service whose endpoint variable ends in `service` (`DYNAMODB`,
    /// `SCHEDULER`, `SSM`) that the environment describes, as the AWS SDK documents it:
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`, else `us-east-1`), `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, and `AWS_ENDPOINT_URL_<service>` (or
    /// `AWS_ENDPOINT_URL`).
    pub fn from_env_for(service: &str) -> Connection {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Connection {
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".to_owned()),
            endpoint: var(&format!("AWS_ENDPOINT_URL_{service}"))
                .or_else(|| var("AWS_ENDPOINT_URL")),
            credentials: var("AWS_ACCESS_KEY_ID")
                .zip(var("AWS_SECRET_ACCESS_KEY"))
                .map(|(access_key_id, secret_access_key)| StaticCredentials {
                    access_key_id,
                    secret_access_key,
                    session_token: var("AWS_SESSION_TOKEN"),
                }),
        }
    }
}

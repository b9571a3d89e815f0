//! The AWS clients of a process: one place (`aws_client!`, public: tasks build theirs with it)
//! builds the configuration of every SDK client the runtime uses (DynamoDB for the stores,
//! Scheduler for deferred runs, through `sdk_client!`) from a
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

/// A client of any AWS SDK crate (`aws_sdk_s3`, `aws_sdk_sesv2`, …) reached as a `Connection`
/// (`schedule_runtime::idempotency::Connection`) says, for a task that calls AWS: over the
/// runtime's one HTTPS stack, with the connection's region, its static credentials if any
/// (Lambda gives them in the environment; without, the client signs nothing) and its endpoint.
/// Without `aws-config`'s credential chain, which a Lambda never reads and which costs the
/// dispatch binary megabytes and its cold start the relocations (`BENCHMARKS.md`).
///
/// The optional closure gets the SDK's configuration builder and the connection, and returns
/// the builder with the service's own settings. A macro, because each SDK's configuration is
/// its own type; `aws-types`' shared `SdkConfig` would do the same through a conversion that
/// cost the Lambda binary 39 KB more.
///
/// ```
/// use schedule_runtime::idempotency::Connection;
///
/// // A local S3 (`AWS_ENDPOINT_URL_S3`) answers on one host name: path-style addresses there.
/// let s3 = schedule_runtime::aws_client!(
///     aws_sdk_s3,
///     Connection::from_env_for("S3"),
///     |config, connection| config.force_path_style(connection.endpoint.is_some())
/// );
/// // Without settings of its own.
/// let plain = schedule_runtime::aws_client!(aws_sdk_s3, Connection::from_env_for("S3"));
/// # let _ = (s3, plain);
/// ```
#[macro_export]
macro_rules! aws_client {
    ($sdk:ident, $connection:expr $(,)?) => {
        $crate::aws_client!($sdk, $connection, |config, _connection| config)
    };
    ($sdk:ident, $connection:expr, |$config:ident, $reached:ident| $settings:expr $(,)?) => {{
        let $reached = $connection;
        let mut $config = $sdk::Config::builder()
            .behavior_version($sdk::config::BehaviorVersion::latest())
            .region($sdk::config::Region::new($reached.region.clone()))
            .http_client($crate::aws_http_client());
        if let Some(key) = &$reached.credentials {
            $config = $config.credentials_provider($sdk::config::Credentials::new(
                key.access_key_id.clone(),
                key.secret_access_key.clone(),
                key.session_token.clone(),
                None,
                "environment",
            ));
        }
        if let Some(endpoint) = &$reached.endpoint {
            $config = $config.endpoint_url(endpoint);
        }
        let $config = $settings;
        $sdk::Client::from_conf($config.build())
    }};
}

/// [`aws_client!`] for the runtime's own clients (`aws_sdk_dynamodb`, `aws_sdk_scheduler`), with
/// the [`Patience`] of their use: how often and how long they try.
macro_rules! sdk_client {
    ($sdk:ident, $connection:expr, $patience:expr) => {{
        let patience: $crate::aws::Patience = $patience;
        $crate::aws_client!($sdk, $connection, |config, _connection| config
            .retry_config(
                $sdk::config::retry::RetryConfig::standard().with_max_attempts(patience.attempts),
            )
            .timeout_config(
                $sdk::config::timeout::TimeoutConfig::builder()
                    .connect_timeout(patience.connect)
                    .operation_attempt_timeout(patience.attempt)
                    .operation_timeout(patience.operation)
                    .build(),
            ))
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

//! The one DynamoDB client of a process, shared by the idempotency store and the ledger: built
//! on first use from a [`Connection`], over the shared HTTPS stack.

use std::sync::OnceLock;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{
    BehaviorVersion, Credentials, Region, retry::RetryConfig, timeout::TimeoutConfig,
};

use crate::https::sdk::aws_http_client;

/// The most one store call may take, retries included: a slow store fails closed quickly.
pub(crate) const OPERATION_TIMEOUT: Duration = Duration::from_secs(3);

/// How to reach DynamoDB.
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

/// The SDK client, built from its connection on first use.
#[derive(Debug)]
pub(crate) struct LazyClient {
    connection: Option<Connection>,
    client: OnceLock<Client>,
}

impl LazyClient {
    pub(crate) fn get(&self) -> &Client {
        self.client.get_or_init(|| {
            let connection = self.connection.clone().unwrap_or_default();
            Client::from_conf(sdk_config(connection))
        })
    }
}

/// The SDK's configuration: the shared HTTPS stack, two attempts, and timeouts that keep a
/// slow store from holding a run (the run fails closed instead).
fn sdk_config(connection: Connection) -> aws_sdk_dynamodb::Config {
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(connection.region))
        .http_client(aws_http_client())
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(1))
                .operation_attempt_timeout(Duration::from_millis(1_400))
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        );
    if let Some(static_credentials) = connection.credentials {
        config = config.credentials_provider(Credentials::new(
            static_credentials.access_key_id,
            static_credentials.secret_access_key,
            static_credentials.session_token,
            None,
            "environment",
        ));
    }
    if let Some(endpoint) = connection.endpoint {
        config = config.endpoint_url(endpoint);
    }
    config.build()
}

impl LazyClient {
    /// A client to build from `connection` on first use.
    pub(crate) fn new(connection: Connection) -> LazyClient {
        LazyClient {
            connection: Some(connection),
            client: OnceLock::new(),
        }
    }
}

impl From<Client> for LazyClient {
    fn from(client: Client) -> LazyClient {
        LazyClient {
            connection: None,
            client: OnceLock::from(client),
        }
    }
}

impl Connection {
    /// The connection the environment describes, as the AWS SDK documents it: `AWS_REGION` (or
    /// `AWS_DEFAULT_REGION`, else `us-east-1`), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, and `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`).
    pub fn from_env() -> Connection {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Connection {
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".to_owned()),
            endpoint: var("AWS_ENDPOINT_URL_DYNAMODB").or_else(|| var("AWS_ENDPOINT_URL")),
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

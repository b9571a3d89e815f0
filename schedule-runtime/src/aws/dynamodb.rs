//! The one DynamoDB client of a process, built on first use, and [`Table`]: what the
//! idempotency store and the ledger share about the table each keeps (its name, the client,
//! creating it, attribute values, a refused condition). Each store keeps only its own
//! expressions.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ScalarAttributeType};

use super::{Connection, Patience, sdk_client};

/// The most one store call may take, retries included: a slow store fails closed quickly.
pub(crate) const OPERATION_TIMEOUT: Duration = Duration::from_secs(3);

/// A store's patience: two attempts, each cut short, so that a slow store holds no run.
const STORE: Patience = Patience {
    attempts: 2,
    connect: Duration::from_secs(1),
    attempt: Duration::from_millis(1_400),
    operation: OPERATION_TIMEOUT,
};

/// The SDK client, built from its connection on first use.
#[derive(Debug)]
pub(crate) struct LazyClient {
    connection: Option<Connection>,
    client: OnceLock<Client>,
}

impl LazyClient {
    /// A client to build from `connection` on first use.
    pub(crate) fn new(connection: Connection) -> LazyClient {
        LazyClient {
            connection: Some(connection),
            client: OnceLock::new(),
        }
    }

    pub(crate) fn get(&self) -> &Client {
        self.client.get_or_init(|| {
            let connection = self.connection.clone().unwrap_or_default();
            sdk_client!(aws_sdk_dynamodb, connection, STORE)
        })
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

/// A table and the client that reaches it. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    client: Arc<LazyClient>,
    name: String,
}

/// One key attribute of a table: its name and type.
pub(crate) type KeyAttribute<'a> = (&'a str, ScalarAttributeType);

impl Table {
    /// `name` through `client`, which other tables of the process may share.
    pub(crate) fn new(client: Arc<LazyClient>, name: impl Into<String>) -> Table {
        Table {
            client,
            name: name.into(),
        }
    }

    /// `name` through a client of its own, built from `connection` on the first request.
    pub(crate) fn connect(connection: Connection, name: impl Into<String>) -> Table {
        Table::new(Arc::new(LazyClient::new(connection)), name)
    }

    /// `name` through a client configured elsewhere (an operator's tool loads credentials from
    /// a profile, for example). Its timeouts are the client's.
    pub(crate) fn with_client(client: Client, name: impl Into<String>) -> Table {
        Table::new(Arc::new(LazyClient::from(client)), name)
    }

    /// The table's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The client (built now if it was not yet).
    pub(crate) fn client(&self) -> &Client {
        self.client.get()
    }

    /// Creates the table, billed on demand, with `partition` (and `sort`) as its key and TTL on
    /// `expiry`. Deployments get their tables from the generated Terraform; this is for local
    /// servers and tests. The error says which step failed.
    pub(crate) async fn create(
        &self,
        partition: KeyAttribute<'_>,
        sort: Option<KeyAttribute<'_>>,
        expiry: &str,
    ) -> Result<(), (&'static str, BoxError)> {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, TimeToLiveSpecification,
        };
        let describing =
            |e: aws_sdk_dynamodb::error::BuildError| ("describing", Box::new(e).into());
        let mut request = self
            .client()
            .create_table()
            .table_name(&self.name)
            .billing_mode(BillingMode::PayPerRequest);
        for ((name, kind), key_type) in [(Some(partition), KeyType::Hash), (sort, KeyType::Range)]
            .into_iter()
            .filter_map(|(attribute, key_type)| attribute.map(|a| (a, key_type)))
        {
            request = request
                .attribute_definitions(
                    AttributeDefinition::builder()
                        .attribute_name(name)
                        .attribute_type(kind)
                        .build()
                        .map_err(describing)?,
                )
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name(name)
                        .key_type(key_type)
                        .build()
                        .map_err(describing)?,
                );
        }
        request
            .send()
            .await
            .map_err(|e| ("creating", BoxError::from(Box::new(e))))?;
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(expiry)
            .enabled(true)
            .build()
            .map_err(describing)?;
        self.client()
            .update_time_to_live()
            .table_name(&self.name)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(|e| ("enabling TTL on", BoxError::from(Box::new(e))))?;
        Ok(())
    }
}

/// A boxed error, as the stores' errors carry their causes.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Whether DynamoDB refused a write because its condition did not hold.
pub(crate) fn condition_failed<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error
        .as_service_error()
        .and_then(ProvideErrorMetadata::code)
        == Some("ConditionalCheckFailedException")
}

/// A string attribute.
pub(crate) fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

/// A number attribute.
pub(crate) fn n(number: i64) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

/// An item's number attribute `name`, if it holds a whole number.
pub(crate) fn number(
    item: &std::collections::HashMap<String, AttributeValue>,
    name: &str,
) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

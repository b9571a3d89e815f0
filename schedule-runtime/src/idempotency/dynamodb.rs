//! The idempotency store in AWS: one DynamoDB item per occurrence, written with conditional
//! writes so that concurrent deliveries on different Lambda instances agree.
//!
//! # Table schema (the generated Terraform creates it)
//!
//! | attribute | type | meaning |
//! |---|---|---|
//! | `pk` | S, partition key | `<task>#<scheduled time, RFC 3339 UTC>`, e.g. `daily-sales-report#2026-11-26T05:00:00Z` |
//! | `status` | S | `running` or `completed` |
//! | `token` | S | the claiming run's token (while `running`) |
//! | `lease_until` | N | epoch milliseconds until which a `running` claim excludes others |
//! | `result` | S | the completed run's result, as JSON text |
//! | `expires_at` | N | epoch seconds; the table's TTL attribute |
//!
//! No sort key, no indexes. An item whose `expires_at` has passed counts as absent even before
//! DynamoDB's TTL sweep deletes it (which can take days), because every condition checks it.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use schedule_core::jiff::Timestamp;
use serde_json::Value;

use super::memory::lost_claim;
use super::table;
use super::{
    Claim, ClaimTerms, IdempotencyStore, OccurrenceKey, StoreError, StoreFuture, new_token,
};
use crate::aws::dynamodb::{LazyClient, OPERATION_TIMEOUT, Table, condition_failed, n, s};
pub use crate::aws::{Connection, StaticCredentials};

const RUNNING: &str = "running";
const COMPLETED: &str = "completed";

/// Occurrence records in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoDbStore {
    table: Table,
}

impl DynamoDbStore {
    /// A store on `table`, configured from the environment as the AWS SDK documents it:
    /// `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, and `AWS_ENDPOINT_URL_DYNAMODB` (or `AWS_ENDPOINT_URL`) to point it
    /// at a compatible server. Reads the variables only: the client is built on the first request.
    pub fn from_env(table: impl Into<String>) -> DynamoDbStore {
        DynamoDbStore::connect(table, Connection::from_env())
    }

    /// A store on `table` reached as `connection` says. The client is built on the first
    /// request, so a process that never claims an occurrence never pays for it.
    pub fn connect(table: impl Into<String>, connection: Connection) -> DynamoDbStore {
        DynamoDbStore {
            table: Table::connect(connection, table),
        }
    }

    /// A store on `table` through the client another part of the process already holds.
    pub(crate) fn sharing(client: Arc<LazyClient>, table: impl Into<String>) -> DynamoDbStore {
        DynamoDbStore {
            table: Table::new(client, table),
        }
    }

    /// A store on `table` through an already configured client.
    pub fn with_client(client: Client, table: impl Into<String>) -> DynamoDbStore {
        DynamoDbStore {
            table: Table::with_client(client, table),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        self.table.name()
    }

    /// Creates the table with the schema above (on demand, TTL on `expires_at`). Deployments
    /// get the table from the generated Terraform; this is for local servers and tests.
    pub async fn create_table(&self) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::ScalarAttributeType;
        self.table
            .create(
                (table::PARTITION_KEY, ScalarAttributeType::S),
                None,
                table::EXPIRY_ATTRIBUTE,
            )
            .await
            .map_err(|(doing, e)| {
                StoreError::new(format!("{doing} table `{}`", self.table()), Some(e))
            })
    }

    /// The DynamoDB client, for tooling and tests (built now if it was not yet).
    pub fn client(&self) -> &Client {
        self.table.client()
    }

    async fn claim_item(
        &self,
        key: &OccurrenceKey,
        terms: ClaimTerms,
    ) -> Result<Claim, StoreError> {
        let token = new_token();
        let sent = self
            .client()
            .put_item()
            .table_name(self.table())
            .item("pk", s(key.to_string()))
            .item("status", s(RUNNING))
            .item("token", s(&token))
            .item("lease_until", n(terms.lease_until.as_millisecond()))
            .item("expires_at", n(terms.expires_at.as_second()))
            .condition_expression(
                "attribute_not_exists(pk) OR expires_at <= :now_s \
                 OR (#status = :running AND lease_until <= :now_ms)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now_s", n(terms.now.as_second()))
            .expression_attribute_values(":now_ms", n(terms.now.as_millisecond()))
            .expression_attribute_values(":running", s(RUNNING))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let failure = match sent {
            Ok(_) => return Ok(Claim::Acquired { token }),
            Err(error) => error,
        };
        let existing = match failure.as_service_error() {
            Some(PutItemError::ConditionalCheckFailedException(refused)) => refused.item().cloned(),
            _ => return Err(sdk_error("claiming", key, failure)),
        };
        // The condition failed, so a live record exists: report which kind.
        let item = existing.ok_or_else(|| {
            StoreError::new(
                format!("claiming `{key}`: the store refused without saying why"),
                None,
            )
        })?;
        match item
            .get("status")
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
        {
            Some(COMPLETED) => {
                let text = item.get("result").and_then(|v| v.as_s().ok());
                let result = text
                    .map(|t| serde_json::from_str(t))
                    .transpose()
                    .map_err(|e| {
                        StoreError::new(
                            format!("`{key}` holds a result that is not JSON"),
                            Some(Box::new(e)),
                        )
                    })?
                    .unwrap_or(Value::Null);
                Ok(Claim::Completed { result })
            }
            _ => {
                let lease_until = item
                    .get("lease_until")
                    .and_then(|v| v.as_n().ok())
                    .and_then(|ms| ms.parse::<i64>().ok())
                    .and_then(|ms| Timestamp::from_millisecond(ms).ok())
                    .unwrap_or(terms.now);
                Ok(Claim::InProgress { lease_until })
            }
        }
    }

    async fn complete_item(
        &self,
        key: &OccurrenceKey,
        token: &str,
        result: &Value,
        expires_at: Timestamp,
    ) -> Result<(), StoreError> {
        let sent = self
            .client()
            .update_item()
            .table_name(self.table())
            .key("pk", s(key.to_string()))
            .update_expression("SET #status = :completed, #result = :result, expires_at = :expires REMOVE lease_until, #token")
            .condition_expression("#token = :token")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#result", "result")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":completed", s(COMPLETED))
            .expression_attribute_values(":result", s(result.to_string()))
            .expression_attribute_values(":expires", n(expires_at.as_second()))
            .expression_attribute_values(":token", s(token))
            .send()
            .await;
        check_owned(sent.map(|_| ()), "completing", key)
    }

    async fn release_item(&self, key: &OccurrenceKey, token: &str) -> Result<(), StoreError> {
        let sent = self
            .client()
            .delete_item()
            .table_name(self.table())
            .key("pk", s(key.to_string()))
            .condition_expression("#token = :token")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":token", s(token))
            .send()
            .await;
        check_owned(sent.map(|_| ()), "releasing", key)
    }
}

impl IdempotencyStore for DynamoDbStore {
    fn claim<'a>(&'a self, key: &'a OccurrenceKey, terms: ClaimTerms) -> StoreFuture<'a, Claim> {
        Box::pin(self.claim_item(key, terms))
    }

    fn complete<'a>(
        &'a self,
        key: &'a OccurrenceKey,
        token: &'a str,
        result: &'a Value,
        expires_at: Timestamp,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.complete_item(key, token, result, expires_at))
    }

    fn release<'a>(&'a self, key: &'a OccurrenceKey, token: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(self.release_item(key, token))
    }
}

/// A conditional write on our own token failed: the claim was taken over.
fn check_owned<E, R>(
    sent: Result<(), SdkError<E, R>>,
    doing: &str,
    key: &OccurrenceKey,
) -> Result<(), StoreError>
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match sent {
        Ok(()) => Ok(()),
        Err(error) if condition_failed(&error) => Err(lost_claim(key)),
        Err(error) => Err(sdk_error(doing, key, error)),
    }
}

fn sdk_error<E, R>(doing: &str, key: &OccurrenceKey, error: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let message = match &error {
        SdkError::TimeoutError(_) => {
            format!("{doing} `{key}`: DynamoDB did not answer within {OPERATION_TIMEOUT:?}")
        }
        SdkError::DispatchFailure(_) => format!("{doing} `{key}`: DynamoDB could not be reached"),
        SdkError::ServiceError(e) => format!("{doing} `{key}`: DynamoDB refused: {}", e.err()),
        _ => format!("{doing} `{key}`: {error}"),
    };
    StoreError::new(message, Some(Box::new(error)))
}

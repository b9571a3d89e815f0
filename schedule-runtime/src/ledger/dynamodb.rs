//! The ledger in AWS: one DynamoDB item per occurrence (schema in [`table`](super::table)),
//! each change one `UpdateItem` whose expression does what [`Record::apply`] does.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use schedule_core::jiff::Timestamp;

use super::table::{CHECK_MARK, EXPIRY_ATTRIBUTE, PARTITION_KEY, SORT_KEY};
use super::{Change, Entry, Ledger, LedgerError, LedgerFuture, Query, Record, Status};
use crate::dynamo::{Connection, LazyClient};

/// Records in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoDbLedger {
    client: Arc<LazyClient>,
    table: String,
}

impl DynamoDbLedger {
    /// A ledger on `table`, configured from the environment as
    /// [`Connection::from_env`] reads it. The client is built on the first request.
    pub fn from_env(table: impl Into<String>) -> DynamoDbLedger {
        DynamoDbLedger::connect(table, Connection::from_env())
    }

    /// A ledger on `table` reached as `connection` says.
    pub fn connect(table: impl Into<String>, connection: Connection) -> DynamoDbLedger {
        DynamoDbLedger {
            client: Arc::new(LazyClient::new(connection)),
            table: table.into(),
        }
    }

    /// A ledger on `table` through the client another part of the process already holds.
    pub(crate) fn sharing(client: Arc<LazyClient>, table: impl Into<String>) -> DynamoDbLedger {
        DynamoDbLedger {
            client,
            table: table.into(),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn client(&self) -> &Client {
        self.client.get()
    }

    /// Creates the table with the schema in [`table`](super::table) (on demand, TTL on
    /// `expires_at`). Deployments get it from the generated Terraform; this is for tests.
    pub async fn create_table(&self) -> Result<(), LedgerError> {
        use aws_sdk_dynamodb::types::{
            AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
            TimeToLiveSpecification,
        };
        let failed = |doing: &str, e: Box<dyn std::error::Error + Send + Sync>| {
            LedgerError::new(format!("{doing} table `{}`", self.table), Some(e))
        };
        let attribute = |name: &str, kind: ScalarAttributeType| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(kind)
                .build()
                .map_err(|e| failed("describing", Box::new(e)))
        };
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(kind)
                .build()
                .map_err(|e| failed("describing", Box::new(e)))
        };
        self.client()
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attribute(PARTITION_KEY, ScalarAttributeType::S)?)
            .attribute_definitions(attribute(SORT_KEY, ScalarAttributeType::N)?)
            .key_schema(key(PARTITION_KEY, KeyType::Hash)?)
            .key_schema(key(SORT_KEY, KeyType::Range)?)
            .send()
            .await
            .map_err(|e| failed("creating", Box::new(e)))?;
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(EXPIRY_ATTRIBUTE)
            .enabled(true)
            .build()
            .map_err(|e| failed("describing", Box::new(e)))?;
        self.client()
            .update_time_to_live()
            .table_name(&self.table)
            .time_to_live_specification(ttl)
            .send()
            .await
            .map_err(|e| failed("enabling TTL on", Box::new(e)))?;
        Ok(())
    }

    fn update(&self, task: &str, at: i64) -> UpdateItemFluentBuilder {
        self.client()
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(task))
            .key(SORT_KEY, n(at))
    }

    async fn write_entry(&self, entry: &Entry) -> Result<(), LedgerError> {
        let mut set = vec![
            "scheduled_time = :scheduled_time",
            "expires_at = :expires_at",
        ];
        let mut remove: Vec<&str> = Vec::new();
        let mut add: Vec<&str> = Vec::new();
        let mut values: Vec<(&str, AttributeValue)> = vec![
            (":scheduled_time", s(entry.scheduled_time.to_string())),
            (":expires_at", n(entry.expires_at.as_second())),
        ];
        let mut condition = None;
        let optional = |set: &mut Vec<&str>,
                        remove: &mut Vec<&str>,
                        values: &mut Vec<(&str, AttributeValue)>,
                        clause: &'static str,
                        attribute: &'static str,
                        placeholder: &'static str,
                        value: Option<AttributeValue>| match value {
            Some(value) => {
                set.push(clause);
                values.push((placeholder, value));
            }
            None => remove.push(attribute),
        };
        match &entry.change {
            Change::Started {
                at,
                attempt,
                execution_id,
                request_id,
                environment,
            } => {
                set.extend([
                    "#status = :status",
                    "started = :started",
                    "request_id = :request_id",
                    "environment = :environment",
                ]);
                values.extend([
                    (":status", s(Status::Running.as_str())),
                    (":started", s(at.to_string())),
                    (":request_id", s(request_id)),
                    (":environment", s(environment)),
                    (":one", n(1)),
                ]);
                if let Some(attempt) = attempt {
                    set.push("attempt = :attempt");
                    values.push((":attempt", n(i64::from(*attempt))));
                }
                if let Some(id) = execution_id {
                    set.push("execution_id = :execution_id");
                    values.push((":execution_id", s(id)));
                }
                remove.extend(["finished", "duration_ms"]);
                add.push("deliveries :one");
            }
            Change::Finished {
                at,
                status,
                duration_ms,
                error_type,
                excerpt,
            } => {
                set.extend([
                    "#status = :status",
                    "finished = :finished",
                    "duration_ms = :duration_ms",
                ]);
                values.extend([
                    (":status", s(status.as_str())),
                    (":finished", s(at.to_string())),
                    (
                        ":duration_ms",
                        n(i64::try_from(*duration_ms).unwrap_or(i64::MAX)),
                    ),
                ]);
                optional(
                    &mut set,
                    &mut remove,
                    &mut values,
                    "error_type = :error_type",
                    "error_type",
                    ":error_type",
                    error_type.as_deref().map(s),
                );
                optional(
                    &mut set,
                    &mut remove,
                    &mut values,
                    "excerpt = :excerpt",
                    "excerpt",
                    ":excerpt",
                    excerpt.as_deref().map(s),
                );
                if status.is_failure() {
                    values.push((":one", n(1)));
                    add.push("failures :one");
                }
            }
            Change::Duplicate { environment } => {
                set.extend([
                    "#status = if_not_exists(#status, :status)",
                    "environment = if_not_exists(environment, :environment)",
                ]);
                values.extend([
                    (":status", s(Status::Duplicate.as_str())),
                    (":environment", s(environment)),
                    (":one", n(1)),
                ]);
                add.push("duplicates :one");
            }
            Change::Skipped { reason } => {
                set.extend(["#status = :status", "excerpt = :excerpt"]);
                values.extend([
                    (":status", s(Status::Skipped.as_str())),
                    (":excerpt", s(reason)),
                ]);
            }
            Change::Missed => {
                set.push("#status = :status");
                values.push((":status", s(Status::Missed.as_str())));
                // Only an occurrence nothing arrived for is missed.
                condition = Some("attribute_not_exists(#status)");
            }
            Change::DeadLettered {
                error_type,
                excerpt,
            } => {
                set.extend([
                    "#status = :status",
                    "error_type = :error_type",
                    "excerpt = :excerpt",
                ]);
                values.extend([
                    (":status", s(Status::DeadLettered.as_str())),
                    (":error_type", s(error_type)),
                    (":excerpt", s(excerpt)),
                ]);
            }
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        if !add.is_empty() {
            expression.push_str(&format!(" ADD {}", add.join(", ")));
        }
        let mut request = self
            .update(&entry.task, entry.scheduled_time.as_millisecond())
            .update_expression(expression)
            .expression_attribute_names("#status", "status");
        for (placeholder, value) in values {
            request = request.expression_attribute_values(placeholder, value);
        }
        if let Some(condition) = condition {
            request = request.condition_expression(condition);
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(error)
                if condition.is_some()
                    && error
                        .as_service_error()
                        .is_some_and(aws_sdk_dynamodb::operation::update_item::UpdateItemError::is_conditional_check_failed_exception) =>
            {
                // Something arrived after all: the record stands as it is.
                Ok(())
            }
            Err(error) => Err(LedgerError::new(
                format!(
                    "writing `{}` {} to table `{}`",
                    entry.task, entry.scheduled_time, self.table
                ),
                Some(Box::new(error)),
            )),
        }
    }

    async fn query(
        &self,
        task: &str,
        since_ms: i64,
        limit: usize,
    ) -> Result<Vec<Record>, LedgerError> {
        let mut records = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client()
                .query()
                .table_name(&self.table)
                .key_condition_expression("#task = :task AND #at >= :since")
                .expression_attribute_names("#task", PARTITION_KEY)
                .expression_attribute_names("#at", SORT_KEY)
                .expression_attribute_values(":task", s(task))
                .expression_attribute_values(":since", n(since_ms))
                .scan_index_forward(false)
                .set_limit(i32::try_from(limit.saturating_sub(records.len())).ok())
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| {
                    LedgerError::new(
                        format!("reading `{task}` from table `{}`", self.table),
                        Some(Box::new(e)),
                    )
                })?;
            for item in page.items() {
                records.push(record(task, item)?);
            }
            match page.last_evaluated_key() {
                Some(key) if records.len() < limit => start = Some(key.clone()),
                _ => return Ok(records),
            }
        }
    }

    async fn mark(&self, task: &str) -> Result<Option<Timestamp>, LedgerError> {
        let page = self
            .client()
            .query()
            .table_name(&self.table)
            .key_condition_expression("#task = :task AND #at = :mark")
            .expression_attribute_names("#task", PARTITION_KEY)
            .expression_attribute_names("#at", SORT_KEY)
            .expression_attribute_values(":task", s(task))
            .expression_attribute_values(":mark", n(CHECK_MARK))
            .send()
            .await
            .map_err(|e| {
                LedgerError::new(
                    format!(
                        "reading the check mark of `{task}` from table `{}`",
                        self.table
                    ),
                    Some(Box::new(e)),
                )
            })?;
        Ok(page
            .items()
            .first()
            .and_then(|item| number(item, "checked_until"))
            .and_then(|ms| Timestamp::from_millisecond(ms).ok()))
    }

    async fn set_mark(
        &self,
        task: &str,
        until: Timestamp,
        expires_at: Timestamp,
    ) -> Result<(), LedgerError> {
        self.update(task, CHECK_MARK)
            .update_expression("SET checked_until = :until, expires_at = :expires_at")
            .expression_attribute_values(":until", n(until.as_millisecond()))
            .expression_attribute_values(":expires_at", n(expires_at.as_second()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                LedgerError::new(
                    format!(
                        "writing the check mark of `{task}` to table `{}`",
                        self.table
                    ),
                    Some(Box::new(e)),
                )
            })
    }
}

impl Ledger for DynamoDbLedger {
    fn write<'a>(&'a self, entry: &'a Entry) -> LedgerFuture<'a, ()> {
        Box::pin(self.write_entry(entry))
    }

    fn history<'a>(&'a self, task: &'a str, query: Query) -> LedgerFuture<'a, Vec<Record>> {
        // The check mark sits at 0, below every occurrence.
        let since = query
            .since
            .map_or(CHECK_MARK + 1, |t| t.as_millisecond().max(CHECK_MARK + 1));
        Box::pin(self.query(task, since, query.limit))
    }

    fn checked_until<'a>(&'a self, task: &'a str) -> LedgerFuture<'a, Option<Timestamp>> {
        Box::pin(self.mark(task))
    }

    fn set_checked_until<'a>(
        &'a self,
        task: &'a str,
        until: Timestamp,
        expires_at: Timestamp,
    ) -> LedgerFuture<'a, ()> {
        Box::pin(self.set_mark(task, until, expires_at))
    }
}

type Item = std::collections::HashMap<String, AttributeValue>;

/// One item read back as a record; an item whose required attributes are missing or wrong is an
/// error naming it, never skipped.
fn record(task: &str, item: &Item) -> Result<Record, LedgerError> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let instant = |name: &str| text(name).and_then(|t| t.parse::<Timestamp>().ok());
    let count = |name: &str| {
        number(item, name)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0)
    };
    let at = number(item, SORT_KEY);
    let bad =
        |what: &str| LedgerError::new(format!("the record of `{task}` at {at:?} has {what}"), None);
    let scheduled_time = at
        .and_then(|ms| Timestamp::from_millisecond(ms).ok())
        .ok_or_else(|| bad("no valid `at`"))?;
    let status = text("status")
        .as_deref()
        .and_then(Status::parse)
        .ok_or_else(|| bad("no known `status`"))?;
    Ok(Record {
        task: task.to_owned(),
        scheduled_time,
        status,
        deliveries: count("deliveries"),
        failures: count("failures"),
        duplicates: count("duplicates"),
        attempt: number(item, "attempt").and_then(|n| u32::try_from(n).ok()),
        execution_id: text("execution_id"),
        request_id: text("request_id"),
        environment: text("environment"),
        started: instant("started"),
        finished: instant("finished"),
        duration_ms: number(item, "duration_ms").and_then(|n| u64::try_from(n).ok()),
        error_type: text("error_type"),
        excerpt: text("excerpt"),
    })
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
}

fn s(text: impl Into<String>) -> AttributeValue {
    AttributeValue::S(text.into())
}

fn n(number: i64) -> AttributeValue {
    AttributeValue::N(number.to_string())
}

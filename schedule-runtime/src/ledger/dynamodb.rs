//! The ledger in AWS: one DynamoDB item per occurrence (schema in [`table`](super::table)),
//! each change one `UpdateItem` whose expression does what [`Record::apply`] does.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use schedule_core::jiff::Timestamp;

use super::table::{
    CHECK_MARK, EXPIRY_ATTRIBUTE, PARTITION_KEY, PAUSE_MARK, RUNNING_MARK, SORT_KEY, sort_key,
};
use super::{
    Change, End, Entry, Ledger, LedgerError, LedgerFuture, Pause, Query, Record, Start,
    StartAnswer, Status, TaskRead,
};
use crate::aws::Connection;
use crate::aws::dynamodb::{LazyClient, Table, condition_failed, n, number, s};

/// How many records one page of [`Ledger::first_by_schedule`] reads: the first record is
/// usually the one, and what operators sent before it is read a page at a time.
const FIRST_BY_SCHEDULE_PAGE: i32 = 100;

/// Records in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoDbLedger {
    table: Table,
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
            table: Table::connect(connection, table),
        }
    }

    /// A ledger on `table` through an SDK client configured elsewhere (an operator's tool
    /// loads credentials from a profile, for example). Its timeouts are the client's.
    pub fn with_client(client: Client, table: impl Into<String>) -> DynamoDbLedger {
        DynamoDbLedger {
            table: Table::with_client(client, table),
        }
    }

    /// A ledger on `table` through the client another part of the process already holds.
    pub(crate) fn sharing(client: Arc<LazyClient>, table: impl Into<String>) -> DynamoDbLedger {
        DynamoDbLedger {
            table: Table::new(client, table),
        }
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        self.table.name()
    }

    fn client(&self) -> &Client {
        self.table.client()
    }

    /// Creates the table with the schema in [`table`](super::table) (on demand, TTL on
    /// `expires_at`). Deployments get it from the generated Terraform; this is for tests.
    pub async fn create_table(&self) -> Result<(), LedgerError> {
        use aws_sdk_dynamodb::types::ScalarAttributeType;
        self.table
            .create(
                (PARTITION_KEY, ScalarAttributeType::S),
                Some((SORT_KEY, ScalarAttributeType::N)),
                EXPIRY_ATTRIBUTE,
            )
            .await
            .map_err(|(doing, e)| {
                LedgerError::new(format!("{doing} table `{}`", self.table()), Some(e))
            })
    }

    fn update(&self, task: &str, at: i64) -> UpdateItemFluentBuilder {
        self.update_key(task, n(at))
    }

    fn update_key(&self, task: &str, key: AttributeValue) -> UpdateItemFluentBuilder {
        self.client()
            .update_item()
            .table_name(self.table())
            .key(PARTITION_KEY, s(task))
            .key(SORT_KEY, key)
    }

    async fn write_entry(&self, entry: &Entry) -> Result<(), LedgerError> {
        let (update, condition) = Update::of(entry);
        let mut request = self
            .update_key(&entry.task, occurrence_key(entry))
            .update_expression(update.expression())
            .expression_attribute_names("#status", "status");
        for (placeholder, value) in update.values {
            request = request.expression_attribute_values(placeholder, value);
        }
        if let Some(condition) = condition {
            request = request.condition_expression(condition);
        }
        match request.send().await {
            Ok(_) => Ok(()),
            Err(error) if condition.is_some() && condition_failed(&error) => {
                // Something arrived after all: the record stands as it is.
                Ok(())
            }
            Err(error) => Err(LedgerError::new(
                format!(
                    "writing `{}` {} to table `{}`",
                    entry.task,
                    entry.scheduled_time,
                    self.table()
                ),
                Some(Box::new(error)),
            )),
        }
    }

    async fn query(
        &self,
        task: &str,
        since_ms: i64,
        last_ms: i64,
        limit: usize,
    ) -> Result<Vec<Record>, LedgerError> {
        if last_ms < since_ms {
            return Ok(Vec::new());
        }
        let mut records = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("#task = :task AND #at BETWEEN :since AND :last")
                .expression_attribute_names("#task", PARTITION_KEY)
                .expression_attribute_names("#at", SORT_KEY)
                .expression_attribute_values(":task", s(task))
                .expression_attribute_values(":since", n(since_ms))
                .expression_attribute_values(":last", n(last_ms))
                .scan_index_forward(false)
                .set_limit(i32::try_from(limit.saturating_sub(records.len())).ok())
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| {
                    LedgerError::new(
                        format!("reading `{task}` from table `{}`", self.table()),
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

    /// [`Ledger::first_by_schedule`]: the task's records oldest first, a page of
    /// [`FIRST_BY_SCHEDULE_PAGE`] at a time, only their key returned, until one was delivered
    /// by schedule.
    async fn first_scheduled(
        &self,
        task: &str,
        since: Timestamp,
    ) -> Result<Option<Timestamp>, LedgerError> {
        let since = since.as_millisecond().max(CHECK_MARK + 1);
        let mut start = None;
        loop {
            let page = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("#task = :task AND #at >= :since")
                .filter_expression("by_schedule = :yes")
                .projection_expression("#at")
                .expression_attribute_names("#task", PARTITION_KEY)
                .expression_attribute_names("#at", SORT_KEY)
                .expression_attribute_values(":task", s(task))
                .expression_attribute_values(":since", n(since))
                .expression_attribute_values(":yes", AttributeValue::Bool(true))
                .scan_index_forward(true)
                .limit(FIRST_BY_SCHEDULE_PAGE)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| {
                    LedgerError::new(
                        format!(
                            "reading the first delivery by schedule of `{task}` from table `{}`",
                            self.table()
                        ),
                        Some(Box::new(e)),
                    )
                })?;
            if let Some(item) = page.items().first() {
                return Ok(
                    number(item, SORT_KEY).and_then(|ms| Timestamp::from_millisecond(ms).ok())
                );
            }
            match page.last_evaluated_key() {
                Some(key) => start = Some(key.clone()),
                None => return Ok(None),
            }
        }
    }

    async fn mark(&self, task: &str) -> Result<Option<Timestamp>, LedgerError> {
        let item = self
            .control_item(task, CHECK_MARK, "the check mark")
            .await?;
        Ok(item
            .and_then(|item| number(&item, "checked_until"))
            .and_then(|ms| Timestamp::from_millisecond(ms).ok()))
    }

    /// The item at sort key `mark` of `task` (the check mark, the pause switch, the running
    /// marker), if any; `what` names it in errors.
    async fn control_item(
        &self,
        task: &str,
        mark: i64,
        what: &str,
    ) -> Result<Option<Item>, LedgerError> {
        let page = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("#task = :task AND #at = :mark")
            .expression_attribute_names("#task", PARTITION_KEY)
            .expression_attribute_names("#at", SORT_KEY)
            .expression_attribute_values(":task", s(task))
            .expression_attribute_values(":mark", n(mark))
            .send()
            .await
            .map_err(|e| {
                LedgerError::new(
                    format!("reading {what} of `{task}` from table `{}`", self.table()),
                    Some(Box::new(e)),
                )
            })?;
        Ok(page.items().first().cloned())
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
                        self.table()
                    ),
                    Some(Box::new(e)),
                )
            })
    }
}

impl DynamoDbLedger {
    /// [`Ledger::start_run`] as one transaction: a check that the task's pause item does not
    /// say paused, with `hold` a conditional update of its running marker (free, lapsed, or
    /// already this occurrence's), and the start's update. A pause or a marker written a
    /// moment before stops this run.
    async fn start_item(
        &self,
        entry: &Entry,
        hold: Option<Timestamp>,
    ) -> Result<StartAnswer, LedgerError> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem, Update as UpdateItem};
        let Change::Started(_) = &entry.change else {
            return self.write_entry(entry).await.map(|()| StartAnswer::Started);
        };
        let failed = |e: Box<dyn std::error::Error + Send + Sync>| {
            LedgerError::new(
                format!(
                    "writing the start of `{}` {} to table `{}`",
                    entry.task,
                    entry.scheduled_time,
                    self.table()
                ),
                Some(e),
            )
        };
        let (update, _) = Update::of(entry);
        let mut write = UpdateItem::builder()
            .table_name(self.table())
            .key(PARTITION_KEY, s(&entry.task))
            .key(SORT_KEY, occurrence_key(entry))
            .update_expression(update.expression())
            .expression_attribute_names("#status", "status");
        for (placeholder, value) in update.values {
            write = write.expression_attribute_values(placeholder, value);
        }
        let check = ConditionCheck::builder()
            .table_name(self.table())
            .key(PARTITION_KEY, s(&entry.task))
            .key(SORT_KEY, n(PAUSE_MARK))
            .condition_expression("attribute_not_exists(paused) OR paused = :no")
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .build()
            .map_err(|e| failed(Box::new(e)))?;
        let mut items = vec![TransactWriteItem::builder().condition_check(check).build()];
        let holder = entry.scheduled_time.as_millisecond();
        if let Some(until) = hold {
            let marker = UpdateItem::builder()
                .table_name(self.table())
                .key(PARTITION_KEY, s(&entry.task))
                .key(SORT_KEY, n(RUNNING_MARK))
                .update_expression("SET holder = :holder, lease_until = :until")
                .condition_expression(
                    "attribute_not_exists(lease_until) OR lease_until <= :now OR holder = :holder",
                )
                .expression_attribute_values(":holder", n(holder))
                .expression_attribute_values(":until", n(until.as_millisecond()))
                .expression_attribute_values(":now", n(Timestamp::now().as_millisecond()))
                .build()
                .map_err(|e| failed(Box::new(e)))?;
            items.push(TransactWriteItem::builder().update(marker).build());
        }
        items.push(
            TransactWriteItem::builder()
                .update(write.build().map_err(|e| failed(Box::new(e)))?)
                .build(),
        );
        let sent = self
            .client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        let error = match sent {
            Ok(_) => return Ok(StartAnswer::Started),
            Err(error) => error,
        };
        // Which condition cancelled it: the first item's (paused) or the second's (overlap).
        let refused: Vec<bool> = match error.as_service_error() {
            Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) => cancelled
                .cancellation_reasons()
                .iter()
                .map(|reason| reason.code() == Some("ConditionalCheckFailed"))
                .collect(),
            _ => Vec::new(),
        };
        if refused.first() == Some(&true) {
            if let Some(pause) = self.read_pause(&entry.task).await? {
                return Ok(StartAnswer::Paused(pause));
            }
        } else if hold.is_some() && refused.get(1) == Some(&true) {
            if let Some((running, until)) = self.read_marker(&entry.task).await? {
                return Ok(StartAnswer::Overlapping { running, until });
            }
        } else {
            return Err(failed(Box::new(error)));
        }
        // What refused it is gone already (resumed, released): try once more.
        Box::pin(self.start_item(entry, hold)).await
    }

    /// The running marker of `task`: its holder and lease end, if any.
    async fn read_marker(&self, task: &str) -> Result<Option<(Timestamp, Timestamp)>, LedgerError> {
        let item = self
            .control_item(task, RUNNING_MARK, "the running marker")
            .await?;
        Ok(item.and_then(|item| {
            let at = |name: &str| {
                number(&item, name).and_then(|ms| Timestamp::from_millisecond(ms).ok())
            };
            Some((at("holder")?, at("lease_until")?))
        }))
    }

    async fn release_marker(&self, task: &str, holder: Timestamp) -> Result<(), LedgerError> {
        let sent = self
            .update(task, RUNNING_MARK)
            .update_expression("REMOVE holder, lease_until")
            .condition_expression("holder = :holder")
            .expression_attribute_values(":holder", n(holder.as_millisecond()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            // Taken over after its lease ended: nothing of this occurrence's to give up.
            Err(error) if condition_failed(&error) => Ok(()),
            Err(error) => Err(LedgerError::new(
                format!(
                    "releasing the running marker of `{task}` in table `{}`",
                    self.table()
                ),
                Some(Box::new(error)),
            )),
        }
    }

    async fn read_pause(&self, task: &str) -> Result<Option<Pause>, LedgerError> {
        let item = self
            .control_item(task, PAUSE_MARK, "the pause switch")
            .await?;
        Ok(item.as_ref().and_then(pause_of))
    }

    /// [`Ledger::read_task`] in one `Query` (paged) of the task's items from the pause switch
    /// up: the switch (`-1`), the check's mark (`0`), then every record, newest first. Records
    /// due before `since` (past the retention, not yet deleted by the TTL) are dropped here:
    /// a key attribute cannot be filtered on in DynamoDB.
    async fn read_whole_task(&self, task: &str, since: Timestamp) -> Result<TaskRead, LedgerError> {
        let since_ms = since.as_millisecond();
        let mut read = TaskRead::default();
        let mut start = None;
        loop {
            let page = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("#task = :task AND #at >= :pause")
                .expression_attribute_names("#task", PARTITION_KEY)
                .expression_attribute_names("#at", SORT_KEY)
                .expression_attribute_values(":task", s(task))
                .expression_attribute_values(":pause", n(PAUSE_MARK))
                .scan_index_forward(false)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| {
                    LedgerError::new(
                        format!("reading `{task}` from table `{}`", self.table()),
                        Some(Box::new(e)),
                    )
                })?;
            for item in page.items() {
                // A deferred run's key has a fraction (`sort_key`): its whole milliseconds.
                let at = item
                    .get(SORT_KEY)
                    .and_then(|v| v.as_n().ok())
                    .and_then(|n| n.split('.').next()?.parse::<i64>().ok());
                match at {
                    Some(PAUSE_MARK) => read.pause = pause_of(item),
                    Some(CHECK_MARK) => {
                        read.checked_until = number(item, "checked_until")
                            .and_then(|ms| Timestamp::from_millisecond(ms).ok());
                    }
                    Some(at) if at >= since_ms => read.records.push(record(task, item)?),
                    _ => {}
                }
            }
            match page.last_evaluated_key() {
                Some(key) => start = Some(key.clone()),
                None => return Ok(read),
            }
        }
    }

    async fn write_pause(&self, task: &str, pause: Option<&Pause>) -> Result<(), LedgerError> {
        let mut request = self.update(task, PAUSE_MARK);
        request = match pause {
            Some(pause) => {
                let mut request = request
                    .update_expression(match pause.reason {
                        Some(_) => {
                            "SET paused = :yes, paused_by = :by, paused_at = :at, reason = :reason"
                        }
                        None => "SET paused = :yes, paused_by = :by, paused_at = :at REMOVE reason",
                    })
                    .expression_attribute_values(":yes", AttributeValue::Bool(true))
                    .expression_attribute_values(":by", s(&pause.by))
                    .expression_attribute_values(":at", s(pause.at.to_string()));
                if let Some(reason) = &pause.reason {
                    request = request.expression_attribute_values(":reason", s(reason));
                }
                request
            }
            None => request
                .update_expression("SET paused = :no REMOVE paused_by, paused_at, reason")
                .expression_attribute_values(":no", AttributeValue::Bool(false)),
        };
        request.send().await.map(|_| ()).map_err(|e| {
            LedgerError::new(
                format!(
                    "writing whether `{task}` is paused to table `{}`",
                    self.table()
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
        // `at` is whole milliseconds: "before `until`" is "at most a millisecond less".
        let last = query
            .until
            .map_or(i64::MAX, |t| t.as_millisecond().saturating_sub(1));
        Box::pin(self.query(task, since, last, query.limit))
    }

    fn checked_until<'a>(&'a self, task: &'a str) -> LedgerFuture<'a, Option<Timestamp>> {
        Box::pin(self.mark(task))
    }

    fn first_by_schedule<'a>(
        &'a self,
        task: &'a str,
        since: Timestamp,
    ) -> LedgerFuture<'a, Option<Timestamp>> {
        Box::pin(self.first_scheduled(task, since))
    }

    fn set_checked_until<'a>(
        &'a self,
        task: &'a str,
        until: Timestamp,
        expires_at: Timestamp,
    ) -> LedgerFuture<'a, ()> {
        Box::pin(self.set_mark(task, until, expires_at))
    }

    fn start_run<'a>(
        &'a self,
        start: &'a Entry,
        hold: Option<Timestamp>,
    ) -> LedgerFuture<'a, StartAnswer> {
        Box::pin(self.start_item(start, hold))
    }

    fn release<'a>(&'a self, task: &'a str, holder: Timestamp) -> LedgerFuture<'a, ()> {
        Box::pin(self.release_marker(task, holder))
    }

    fn pause<'a>(&'a self, task: &'a str) -> LedgerFuture<'a, Option<Pause>> {
        Box::pin(self.read_pause(task))
    }

    fn set_pause<'a>(&'a self, task: &'a str, pause: Option<&'a Pause>) -> LedgerFuture<'a, ()> {
        Box::pin(self.write_pause(task, pause))
    }

    fn read_task<'a>(&'a self, task: &'a str, since: Timestamp) -> LedgerFuture<'a, TaskRead> {
        Box::pin(self.read_whole_task(task, since))
    }
}

/// One `UpdateItem` expression, built clause by clause: what [`Record::apply`] does to a
/// record, said in DynamoDB's terms.
#[derive(Default)]
struct Update {
    set: Vec<String>,
    remove: Vec<&'static str>,
    add: Vec<String>,
    values: Vec<(&'static str, AttributeValue)>,
}

impl Update {
    /// The update that applies `entry`'s change, and the condition it needs, if any.
    fn of(entry: &Entry) -> (Update, Option<&'static str>) {
        let mut update = Update::default();
        update.set(
            ":scheduled_time",
            "scheduled_time",
            s(entry.scheduled_time.to_string()),
        );
        update.set(":expires_at", "expires_at", n(entry.expires_at.as_second()));
        if let Some(key) = &entry.deferral {
            update.set(":deferral", "deferral", s(key));
        }
        let mut condition = None;
        match &entry.change {
            Change::Started(start) => {
                update.start(start);
                update.remove(["finished", "duration_ms"]);
            }
            Change::Finished(end) => update.end(end),
            Change::Duplicate {
                environment,
                by_schedule,
            } => {
                update.set_raw(
                    "#status = if_not_exists(#status, :status)",
                    ":status",
                    s(Status::Duplicate.as_str()),
                );
                update.set_raw(
                    "environment = if_not_exists(environment, :environment)",
                    ":environment",
                    s(environment),
                );
                update.add("duplicates", ":duplicates");
                update.by_schedule(*by_schedule);
            }
            Change::Skipped {
                reason,
                request_id,
                by_schedule,
            } => {
                update.set(":status", "#status", s(Status::Skipped.as_str()));
                update.set(":excerpt", "excerpt", s(reason));
                update.set(":request_id", "request_id", s(request_id));
                update.by_schedule(*by_schedule);
            }
            Change::Missed => {
                update.set(":status", "#status", s(Status::Missed.as_str()));
                // Only an occurrence nothing arrived for is missed.
                condition = Some("attribute_not_exists(#status)");
            }
            Change::DeadLettered {
                error_type,
                excerpt,
            } => {
                update.set(":status", "#status", s(Status::DeadLettered.as_str()));
                update.set(":error_type", "error_type", s(error_type));
                update.set(":excerpt", "excerpt", s(excerpt));
            }
        }
        (update, condition)
    }

    /// `SET attribute = placeholder`.
    fn set(&mut self, placeholder: &'static str, attribute: &str, value: AttributeValue) {
        self.set.push(format!("{attribute} = {placeholder}"));
        self.values.push((placeholder, value));
    }

    /// A `SET` clause written out, with its one value.
    fn set_raw(&mut self, clause: &str, placeholder: &'static str, value: AttributeValue) {
        self.set.push(clause.to_owned());
        self.values.push((placeholder, value));
    }

    /// `SET` when there is a value, else `REMOVE`.
    fn set_or_remove(
        &mut self,
        placeholder: &'static str,
        attribute: &'static str,
        value: Option<AttributeValue>,
    ) {
        match value {
            Some(value) => self.set(placeholder, attribute, value),
            None => self.remove([attribute]),
        }
    }

    fn remove<const N: usize>(&mut self, attributes: [&'static str; N]) {
        self.remove.extend(attributes);
    }

    /// `ADD attribute 1`.
    fn add(&mut self, attribute: &str, placeholder: &'static str) {
        self.add.push(format!("{attribute} {placeholder}"));
        self.values.push((placeholder, n(1)));
    }

    fn start(&mut self, start: &Start) {
        self.set(":status", "#status", s(Status::Running.as_str()));
        self.set(":started", "started", s(start.at.to_string()));
        self.set(":request_id", "request_id", s(&start.request_id));
        self.set(":environment", "environment", s(&start.environment));
        if let Some(attempt) = start.attempt {
            self.set(":attempt", "attempt", n(i64::from(attempt)));
        }
        if let Some(id) = &start.execution_id {
            self.set(":execution_id", "execution_id", s(id));
        }
        self.add("deliveries", ":deliveries");
        self.by_schedule(start.by_schedule);
    }

    /// `SET by_schedule = true` for a delivery by schedule; nothing otherwise, since an
    /// operator's delivery never unmarks one.
    fn by_schedule(&mut self, by_schedule: bool) {
        if by_schedule {
            self.set(":by_schedule", "by_schedule", AttributeValue::Bool(true));
        }
    }

    fn end(&mut self, end: &End) {
        self.set(":status", "#status", s(end.status.as_str()));
        self.set(":finished", "finished", s(end.at.to_string()));
        let duration = i64::try_from(end.duration_ms).unwrap_or(i64::MAX);
        self.set(":duration_ms", "duration_ms", n(duration));
        self.set_or_remove(
            ":error_type",
            "error_type",
            end.error_type.as_deref().map(s),
        );
        self.set_or_remove(":excerpt", "excerpt", end.excerpt.as_deref().map(s));
        if end.status.is_failure() {
            self.add("failures", ":failures");
        }
    }

    fn expression(&self) -> String {
        let mut expression = format!("SET {}", self.set.join(", "));
        if !self.remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", self.remove.join(", ")));
        }
        if !self.add.is_empty() {
            expression.push_str(&format!(" ADD {}", self.add.join(", ")));
        }
        expression
    }
}

type Item = std::collections::HashMap<String, AttributeValue>;

/// The sort key of `entry`'s occurrence ([`sort_key`]).
fn occurrence_key(entry: &Entry) -> AttributeValue {
    AttributeValue::N(sort_key(
        entry.scheduled_time.as_millisecond(),
        entry.deferral.as_deref(),
    ))
}

/// One item read back as a record; an item whose required attributes are missing or wrong is an
/// error naming it, never skipped.
/// The pause an item of the pause switch holds, if it says paused.
fn pause_of(item: &Item) -> Option<Pause> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    if item.get("paused").and_then(|v| v.as_bool().ok()) != Some(&true) {
        return None;
    }
    Some(Pause {
        by: text("paused_by").unwrap_or_default(),
        at: text("paused_at")
            .and_then(|t| t.parse().ok())
            .unwrap_or(Timestamp::UNIX_EPOCH),
        reason: text("reason"),
    })
}

fn record(task: &str, item: &Item) -> Result<Record, LedgerError> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let instant = |name: &str| text(name).and_then(|t| t.parse::<Timestamp>().ok());
    let count = |name: &str| {
        number(item, name)
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(0)
    };
    // A deferred run's key has a fraction (`sort_key`): its whole milliseconds are the time.
    let at = item
        .get(SORT_KEY)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.split('.').next()?.parse::<i64>().ok());
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
        by_schedule: item.get("by_schedule").and_then(|v| v.as_bool().ok()) == Some(&true),
        deferral: text("deferral"),
    })
}

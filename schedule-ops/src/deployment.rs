//! One deployed environment: the names the generated module gives its resources, and the AWS
//! clients that reach them with the operator's credentials.
//!
//! Names follow the module: the function is `<name_prefix>-<env>` (a task declared
//! `function = "<group>"` runs in `<name_prefix>-<env>-<group>`), a task's alias is its name
//! (`.` as `_`), the queue is `<name_prefix>-<env>-dead-letter` and the ledger
//! `<name_prefix>-<env>-ledger`, the schedule group `<name_prefix>-<env>`. Credentials and region come from the standard chain, as every
//! AWS tool takes them (environment, `--profile` or `AWS_PROFILE`, SSO, a credential process;
//! `--region` or `AWS_REGION` or the profile's), over the runtime's one HTTPS stack;
//! `AWS_ENDPOINT_URL_LAMBDA`, `_SQS`, `_DYNAMODB`, `_SCHEDULER` and `_STS` point the clients
//! elsewhere.

use std::future::Future;
use std::io::Write;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::InvocationType;
use schedule_core::TaskSpec;
use schedule_core::jiff::Timestamp;
use schedule_core::limits::{alias_name, function_name};
use schedule_runtime::ledger::{DynamoDbLedger, Ledger, Query, Record};
use serde_json::Value;

/// Which deployment a command acts on, and as whom.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct Target {
    /// The deployed environment: the module's `environment` variable.
    #[arg(long = "env", value_name = "NAME")]
    pub(crate) environment: String,
    /// The module's `name_prefix`. Default: the application's name, which is also the
    /// module's default.
    #[arg(long, value_name = "PREFIX")]
    pub(crate) name_prefix: Option<String>,
    /// The AWS profile to use. Default: `AWS_PROFILE`, else the standard credential chain.
    #[arg(long, value_name = "NAME")]
    pub(crate) profile: Option<String>,
    /// The AWS region of the deployment. Default: `AWS_REGION`, else the profile's.
    #[arg(long, value_name = "REGION")]
    pub(crate) region: Option<String>,
}

/// How long one AWS call may take, retries included.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The clients and names of one deployed environment.
pub(crate) struct Deployment {
    pub(crate) environment: String,
    /// `<name_prefix>-<env>`: the function's name, and the prefix of every resource's.
    pub(crate) name: String,
    sender: Sender,
    pub(crate) sqs: aws_sdk_sqs::Client,
    /// Scheduler: the schedule group (named like the function) holds the deferred runs.
    pub(crate) scheduler: aws_sdk_scheduler::Client,
    pub(crate) ledger: DynamoDbLedger,
    sts: aws_sdk_sts::Client,
    /// [`Deployment::caller`], once asked.
    caller: tokio::sync::OnceCell<String>,
}

impl Deployment {
    /// The deployment `target` names, with credentials and region from the standard chain.
    /// Nothing is sent yet.
    pub(crate) async fn connect(target: &Target) -> Result<Deployment, String> {
        let prefix = target
            .name_prefix
            .clone()
            .ok_or("pass --name-prefix PREFIX: the deployed module's name_prefix")?;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(schedule_runtime::aws_http_client())
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_timeout(CALL_TIMEOUT)
                    .build(),
            );
        if let Some(profile) = &target.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &target.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        let config = loader.load().await;
        if config.region().is_none() {
            return Err(
                "no AWS region: pass --region, set AWS_REGION, or use a profile that has one (--profile)"
                    .to_owned(),
            );
        }
        let name = format!("{prefix}-{}", target.environment);
        let table = schedule_runtime::ledger::table::name(&prefix, &target.environment);
        Ok(Deployment {
            environment: target.environment.clone(),
            sender: Sender {
                function: name.clone(),
                lambda: aws_sdk_lambda::Client::new(&config),
            },
            sqs: aws_sdk_sqs::Client::new(&config),
            scheduler: aws_sdk_scheduler::Client::new(&config),
            ledger: DynamoDbLedger::with_client(aws_sdk_dynamodb::Client::new(&config), table),
            sts: aws_sdk_sts::Client::new(&config),
            caller: tokio::sync::OnceCell::new(),
            name,
        })
    }

    /// Who the operator is to AWS: the ARN of the user or assumed role whose credentials sign
    /// the calls, from STS `GetCallerIdentity` (asked once). It needs no permission, and an
    /// explicit deny does not stop it (<https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>),
    /// so it fails only where every other call would.
    pub(crate) async fn caller(&self) -> Result<&str, String> {
        self.caller
            .get_or_try_init(|| async {
                self.sts
                    .get_caller_identity()
                    .send()
                    .await
                    .map_err(aws_error(
                        "asking AWS who these credentials are (sts:GetCallerIdentity)",
                    ))?
                    .arn
                    .ok_or_else(|| "STS named no ARN for these credentials".to_owned())
            })
            .await
            .map(String::as_str)
    }

    /// [`Deployment::caller`], once it has been asked.
    pub(crate) fn known_caller(&self) -> Option<&str> {
        self.caller.get().map(String::as_str)
    }

    /// A pause by the operator, recorded as their AWS identity: on a deployment, the ARN says
    /// who acted where a user name (or `unknown`, in a container) would not.
    pub(crate) async fn pause_by_caller(
        &self,
        reason: Option<String>,
    ) -> Result<schedule_runtime::ledger::Pause, String> {
        let mut pause = schedule_runtime::cli::ledger::pause_by_operator(reason);
        self.caller().await?.clone_into(&mut pause.by);
        Ok(pause)
    }

    /// The dead-letter queue's name and URL.
    pub(crate) async fn dead_letter_queue(&self) -> Result<(String, String), String> {
        let queue_name = format!("{}-dead-letter", self.name);
        let url = self
            .sqs
            .get_queue_url()
            .queue_name(&queue_name)
            .send()
            .await
            .map_err(aws_error(format!("finding the queue {queue_name}")))?
            .queue_url
            .ok_or_else(|| format!("SQS gave no URL for {queue_name}"))?;
        Ok((queue_name, url))
    }

    /// Up to ten messages of the queue at `queue`, each with its attributes, hidden from other
    /// readers for `hold_seconds`; waits up to `wait_seconds` for one.
    pub(crate) async fn receive(
        &self,
        queue: &str,
        wait_seconds: i32,
        hold_seconds: i32,
    ) -> Result<Vec<aws_sdk_sqs::types::Message>, String> {
        let page = self
            .sqs
            .receive_message()
            .queue_url(queue)
            .max_number_of_messages(10)
            .wait_time_seconds(wait_seconds)
            .visibility_timeout(hold_seconds)
            .message_attribute_names("All")
            .send()
            .await
            .map_err(aws_error("reading the dead-letter queue"))?;
        Ok(page.messages.unwrap_or_default())
    }

    /// Makes the messages of `receipts` visible again at once (what is read and not deleted).
    pub(crate) async fn release(&self, queue: &str, receipts: Vec<String>) {
        for receipt in receipts {
            let _ = self
                .sqs
                .change_message_visibility()
                .queue_url(queue)
                .receipt_handle(receipt)
                .visibility_timeout(0)
                .send()
                .await;
        }
    }

    /// The function `task` runs in: this deployment's, or its function group's.
    pub(crate) fn function_of(&self, task: &TaskSpec) -> String {
        function_name(&self.name, task.function)
    }

    /// Sends `event` to `task`'s alias: [`Sender::send`].
    pub(crate) async fn send(&self, task: &TaskSpec, event: &Value) -> Result<String, String> {
        self.sender.send(task, event).await
    }

    /// What sends events, to move into a task of its own.
    pub(crate) fn for_send(&self) -> Sender {
        self.sender.clone()
    }

    /// The ledger's records of `task` due in `[from, to)`, oldest first.
    pub(crate) async fn records(
        &self,
        task: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Record>, String> {
        let query = Query {
            since: Some(from),
            until: Some(to),
            limit: usize::MAX,
        };
        let mut records = self.ledger.history(task, query).await.map_err(|e| {
            format!(
                "reading the ledger {}: {}",
                self.ledger.table(),
                schedule_runtime::with_causes(&e)
            )
        })?;
        records.reverse();
        Ok(records)
    }

    /// The ledger's record of `task`'s occurrence due at `at`, if there is one.
    pub(crate) async fn record(&self, task: &str, at: Timestamp) -> Result<Option<Record>, String> {
        let to = at
            .checked_add(schedule_core::jiff::SignedDuration::from_millis(1))
            .unwrap_or(at);
        Ok(self.records(task, at, to).await?.pop())
    }
}

/// Sends events to the deployed functions' aliases. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Sender {
    /// The default function's name; a function group's is this with `-<group>`.
    function: String,
    lambda: aws_sdk_lambda::Client,
}

impl Sender {
    /// Sends `event` to `task`'s alias (in its group's function) as Scheduler does (an
    /// asynchronous invocation), and returns the request id Lambda gave it once it accepted it.
    pub(crate) async fn send(&self, task: &TaskSpec, event: &Value) -> Result<String, String> {
        use aws_sdk_lambda::operation::RequestId;
        let alias = alias_name(task.name);
        let function = function_name(&self.function, task.function);
        let payload = serde_json::to_vec(event).map_err(|e| e.to_string())?;
        let sent = self
            .lambda
            .invoke()
            .function_name(&function)
            .qualifier(&alias)
            .invocation_type(InvocationType::Event)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(aws_error(format_args!("invoking {function}:{alias}")))?;
        if sent.status_code() != 202 {
            return Err(format!(
                "invoking {function}:{alias}: Lambda answered {} instead of 202 (accepted)",
                sent.status_code()
            ));
        }
        Ok(sent.request_id().unwrap_or("(no request id)").to_owned())
    }
}

/// How an AWS call that failed reads: what was tried, then the SDK's error with its causes
/// (`DisplayErrorContext` is the SDK's own: its `Display` alone says only "service error").
pub(crate) fn aws_error<E: std::error::Error>(
    what: impl std::fmt::Display,
) -> impl FnOnce(E) -> String {
    move |error| {
        format!(
            "{what}: {}",
            aws_sdk_lambda::error::DisplayErrorContext(error)
        )
    }
}

/// Runs an operator command on a runtime of its own; `Err` is the message to print.
pub(crate) fn block_on<F: Future<Output = Result<(), String>>>(command: F) -> Result<(), String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?
        .block_on(command)
}

/// Writes `text` to `out`.
pub(crate) fn say<W: Write + ?Sized>(out: &mut W, text: &str) -> Result<(), String> {
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

//! The operator's side of a deployment applied to moto: the shop's commands run as an
//! operator's shell runs them.

use std::process::{Command, Output};
use std::time::Duration;

use aws_sdk_sqs::types::MessageAttributeValue;
use serde_json::{Value, json};

use super::tools::{Deployment, deployable_copy, function_environment, group_environment, text};
use super::{LambdaInvokeApi, RuntimeApi, start_function};

/// Runs a command of the shop's `ops` binary with `--env`, the credentials and moto's (and the
/// stand-in's) endpoints, as an operator's shell would have them. The module's name prefix is
/// `ops`' default, the application's name.
pub(crate) struct Operator {
    pub(crate) environment: String,
    pub(crate) moto: String,
    pub(crate) lambda: String,
}

impl Operator {
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command()
            .args(args)
            .args(["--env", &self.environment])
            .output()
            .unwrap()
    }

    /// The shop's `ops` binary with the operator's environment, before its arguments.
    pub(crate) fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ops"));
        command
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            // No profile of the machine's may change what the test sees.
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_ENDPOINT_URL_DYNAMODB", &self.moto)
            .env("AWS_ENDPOINT_URL_SQS", &self.moto)
            .env("AWS_ENDPOINT_URL_SCHEDULER", &self.moto)
            .env("AWS_ENDPOINT_URL_STS", &self.moto)
            .env("AWS_ENDPOINT_URL_LAMBDA", &self.lambda)
            .env("USER", "ops");
        command
    }

    /// `ops <args> --env ...`, which must succeed; its stdout.
    pub(crate) fn ops(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "ops {args:?}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// The deployed ledger's records of `task`, newest first (`ops history --json`).
    pub(crate) fn history(&self, task: &str) -> Vec<Value> {
        self.try_history(task)
            .unwrap_or_else(|problem| panic!("history {task}: {problem}"))
    }

    pub(crate) fn try_history(&self, task: &str) -> Result<Vec<Value>, String> {
        let out = self.run(&["history", task, "-n", "100", "--json"]);
        if !out.status.success() {
            return Err(text(&out.stderr));
        }
        Ok(serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone())
    }

    /// Waits (at most 30 s) until `task`'s records at `times` all read `succeeded`.
    pub(crate) async fn wait_succeeded(&self, task: &str, times: &[&str]) -> Vec<Value> {
        for _ in 0..60 {
            // moto applies an update to an item in steps that a concurrent read can see (the
            // item before its attributes, which DynamoDB never shows): while runs are being
            // written, such a read is "not yet".
            let Ok(records) = self.try_history(task) else {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            };
            let done = times.iter().all(|time| {
                records
                    .iter()
                    .any(|r| r["scheduled_time"] == *time && r["status"] == "succeeded")
            });
            if done {
                return records;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!(
            "{task}: not all of {times:?} succeeded: {:#?}",
            self.history(task)
        );
    }
}

/// No record in `records` reads `missed`.
pub(crate) fn nothing_missed(records: &[Value]) {
    let missed: Vec<&Value> = records.iter().filter(|r| r["status"] == "missed").collect();
    assert!(missed.is_empty(), "missed: {missed:#?}");
}

/// The shop's module applied to moto, each of its functions (the default one and each function
/// group's) served by the shop's binary (through the Runtime API stand-in, Lambda's `Invoke` on
/// [`LambdaInvokeApi`]), and an operator of it.
pub(crate) struct ShopOnMoto {
    pub(crate) operator: Operator,
    pub(crate) lambda: LambdaInvokeApi,
    /// `example-shop-<environment>`.
    pub(crate) function_name: String,
    pub(crate) dir: std::path::PathBuf,
    _functions: Vec<super::Function>,
    // Last: destroyed after the function stopped.
    _deployment: Deployment,
}

impl ShopOnMoto {
    /// Applies a copy of the module named `name` for an environment of this process.
    pub(crate) fn start(name: &str, prefix: &str) -> ShopOnMoto {
        let moto = super::endpoint();
        let dir = deployable_copy(name);
        let environment = format!("{prefix}{}", std::process::id());
        let deployment = Deployment::apply(&dir, &environment, &Deployment::EVERY_SERVICE);
        let deployed = deployment.read_back();
        let function_name = format!("example-shop-{environment}");
        let runtime = RuntimeApi::start();
        let mut functions = vec![start_function(
            &runtime,
            &function_environment(&deployed, &moto, &dir),
            &dir.join("function.log"),
        )];
        let mut routes = vec![(function_name.clone(), runtime)];
        // Each function group's function, served as its own process: the binary runs only its
        // group's tasks there, as in Lambda.
        for group in deployed["groups"].as_object().unwrap().keys() {
            let runtime = RuntimeApi::start();
            functions.push(start_function(
                &runtime,
                &group_environment(&deployed, group, &moto, &dir),
                &dir.join(format!("function-{group}.log")),
            ));
            routes.push((format!("{function_name}-{group}"), runtime));
        }
        let lambda = LambdaInvokeApi::routing(routes);
        ShopOnMoto {
            operator: Operator {
                environment: environment.clone(),
                moto,
                lambda: lambda.address.clone(),
            },
            lambda,
            function_name,
            dir,
            _functions: functions,
            _deployment: deployment,
        }
    }

    /// The URL of the deployment's dead-letter queue in moto.
    pub(crate) async fn dead_letter_queue(&self, sqs: &aws_sdk_sqs::Client) -> String {
        sqs.get_queue_url()
            .queue_name(format!("{}-dead-letter", self.function_name))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap()
    }
}

/// A client of moto's SQS, as the tests put and count dead letters.
pub(crate) fn sqs_client(endpoint: &str) -> aws_sdk_sqs::Client {
    let config = aws_sdk_sqs::Config::builder()
        .behavior_version(aws_sdk_sqs::config::BehaviorVersion::latest())
        .region(aws_sdk_sqs::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sqs::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .http_client(schedule_runtime::aws_http_client())
        .build();
    aws_sdk_sqs::Client::from_conf(config)
}

pub(crate) fn string_attribute(value: &str) -> MessageAttributeValue {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .unwrap()
}

/// Lambda's on-failure destination record for a run of `event` that failed three times.
pub(crate) fn failure_record(alias: &str, event: &Value) -> String {
    json!({
        "version": "1.0",
        "timestamp": "2026-11-29T10:09:12.568Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-4c1a-8880-a18cdf61200e",
            "functionArn": format!("arn:aws:lambda:us-east-1:123456789012:function:shop:{alias}"),
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "1", "functionError": "Unhandled"},
        "responsePayload": {"errorType": "TaskFailed", "errorMessage": "supplier API returned 503"}
    })
    .to_string()
}

//! `codegen terraform` for tasks that declare secrets, with the real tools: a module rendered
//! here goes through `terraform fmt`, `validate`, `terraform test` (mocked provider,
//! `terraform-tests/secrets.tftest.hcl`: the places, the grants and each refusal at plan
//! time), checkov, and an apply to moto read back through the AWS API: the parameter made from
//! the value given, the function told where each secret is (and no value), the role allowed
//! exactly those.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::Command;

use schedule_codegen::terraform::{Options, Trigger, render};
use schedule_codegen::write_module;
use schedule_runtime::core::TaskSpec;
use serde_json::{Value, json};
use support::tools::{
    Deployment, assert_checkov_passes, assert_formatted_and_valid, placeholder_zip, run,
    scratch_dir, terraform_test, text, tool_env,
};

/// Two tasks that read secrets (one shared), one that reads none.
fn tasks() -> [TaskSpec; 3] {
    [
        TaskSpec {
            secrets: &["supplier-api-key", "db-url"],
            ..TaskSpec::new("supplier-sync", "rate(1 hour)")
        },
        TaskSpec {
            secrets: &["db-url"],
            ..TaskSpec::new("report", "cron(0 8 * * ? *)")
        },
        TaskSpec::new("cleanup", "rate(1 day)"),
    ]
}

fn module(name: &str) -> PathBuf {
    let dir = scratch_dir(&format!("secrets-{name}"));
    let options = Options {
        app: "jobs".to_owned(),
        lambda_zip: "bootstrap.zip".to_owned(),
        monitors: false,
        default_monitor: schedule_runtime::core::Monitor::Healthchecks,
        trigger: Trigger::Scheduler,
        defer: false,
    };
    write_module(&dir, &render(&tasks(), &options).unwrap()).unwrap();
    placeholder_zip(&dir);
    dir
}

#[test]
#[ignore = "needs terraform with its provider mirror: run bash scripts/test.sh"]
fn secrets_module_is_formatted_valid_and_refuses_what_it_must_at_plan() {
    let dir = module("test");
    assert!(dir.join("secrets.tf").is_file());
    assert_formatted_and_valid(&dir);
    let out = terraform_test(&dir, "secrets.tftest.hcl");
    assert!(out.contains("Success! 5 passed, 0 failed."), "{out}");
}

#[test]
#[ignore = "needs terraform and checkov: run bash scripts/test.sh"]
fn secrets_module_fails_no_checkov_check() {
    assert_checkov_passes(&module("checkov"));
}

/// A Secrets Manager secret in moto, as one that exists before the module; its ARN.
fn existing_secret(name: &str, value: &str) -> String {
    let script = "import boto3, sys\n\
        c = boto3.client('secretsmanager', endpoint_url=sys.argv[1], region_name='us-east-1',\n\
                         aws_access_key_id='testing', aws_secret_access_key='testing')\n\
        print(c.create_secret(Name=sys.argv[2], SecretString=sys.argv[3])['ARN'])\n";
    let out = run(Command::new(tool_env("SCHEDULE_TEST_PYTHON")).args([
        "-c",
        script,
        &support::endpoint(),
        name,
        value,
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

#[test]
#[ignore = "needs terraform, moto and boto3: run bash scripts/test.sh"]
fn applied_to_moto_the_function_may_read_exactly_its_secrets_and_holds_no_value() {
    let dir = module("apply");
    let environment = format!("s{}", std::process::id());
    let prefix = format!("jobs-{environment}");
    let db_url = existing_secret(&format!("{prefix}/db-url"), "postgres://db.internal/jobs");
    let value = "k-3f9a-supplier-value";
    let deployment = Deployment::apply_with(
        &dir,
        &environment,
        &Deployment::EVERY_SERVICE,
        &[
            format!("-var=secrets={{\"supplier-api-key\" = \"{value}\"}}"),
            format!("-var=secret_arns={{\"db-url\" = \"{db_url}\"}}"),
        ],
    );
    let deployed = deployment.read_back();

    // Where each secret is, and nothing else: no value in the function's configuration.
    let parameter = format!("/{prefix}/secrets/supplier-api-key");
    let variables = &deployed["function"]["Environment"]["Variables"];
    let places: Value =
        serde_json::from_str(variables["SCHEDULE_SECRETS"].as_str().unwrap()).unwrap();
    assert_eq!(
        places,
        json!({"supplier-api-key": parameter, "db-url": db_url})
    );
    assert!(!deployed["function"].to_string().contains(value));
    assert!(!deployed["function"].to_string().contains("postgres://"));
    assert_eq!(deployed["outputs"]["secrets"], places);

    // The value given is the parameter's, encrypted; the existing secret is left as it was.
    let secrets = &deployed["secrets"];
    assert_eq!(secrets["supplier-api-key"]["Value"], value);
    assert_eq!(secrets["supplier-api-key"]["Type"], "SecureString");
    assert_eq!(secrets["db-url"]["ARN"], db_url.as_str());

    // The role may read exactly these two, each with its service's one read action.
    let policy = &deployed["dispatch_role"]["policies"]["dispatch"];
    let statement = |sid: &str| -> (Value, Value) {
        let found = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no statement {sid}: {policy:#}"))
            .clone();
        (found["Action"].clone(), found["Resource"].clone())
    };
    assert_eq!(
        statement("SecretParameters"),
        (
            json!("ssm:GetParameter"),
            json!(format!(
                "arn:aws:ssm:us-east-1:123456789012:parameter{parameter}"
            ))
        )
    );
    assert_eq!(
        statement("SecretsManagerSecrets"),
        (json!("secretsmanager:GetSecretValue"), json!(db_url))
    );
    drop(deployment);
}

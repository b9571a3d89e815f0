//! `--eventbridge-rules` with the real tools: a module of UTC tasks rendered here goes through
//! `terraform fmt`, `validate`, `terraform test` (mocked provider, assertions in
//! `tests/rules.tftest.hcl`), checkov, and an apply to moto read back through the AWS API.
//! Run through `scripts/test.sh`, which provides the tools; a missing one fails the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use schedule_codegen::terraform::{Options, Trigger, render};
use schedule_codegen::write_module;
use schedule_core::{Idempotency, TaskSpec};
use serde_json::Value;

/// Two UTC tasks: what rules can express.
fn tasks() -> [TaskSpec; 2] {
    [
        TaskSpec {
            retries: 1,
            max_age_seconds: Some(7200),
            idempotency: Some(Idempotency {
                ttl_seconds: 86_400,
            }),
            environments: &["production"],
            input: Some(r#"{"bucket": "exports"}"#),
            ..TaskSpec::new("nightly-export", "cron(30 2 * * ? *)")
        },
        TaskSpec {
            retries: 0,
            ..TaskSpec::new("sync", "rate(15 minutes)")
        },
    ]
}

fn tool_env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the suite with `bash scripts/test.sh`"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(command: &mut Command) -> Output {
    let shown = format!("{command:?}");
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e} (is it installed?)"))
}

fn module(name: &str) -> PathBuf {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("rules-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let options = Options {
        app: "jobs".to_owned(),
        lambda_zip: "bootstrap.zip".to_owned(),
        healthchecks: false,
        trigger: Trigger::EventBridgeRules,
    };
    write_module(&dir, &render(&tasks(), &options).unwrap()).unwrap();
    let zip = run(Command::new(tool_env("SCHEDULE_TEST_PYTHON"))
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w') as z: z.writestr('bootstrap', '#!/bin/sh\\n')",
        )
        .arg(dir.join("bootstrap.zip")));
    assert!(zip.status.success(), "{}", text(&zip.stderr));
    dir
}

fn terraform_ok(dir: &Path, args: &[&str]) -> String {
    let config = tool_env("TF_CLI_CONFIG_FILE");
    assert!(
        Path::new(&config).is_file(),
        "TF_CLI_CONFIG_FILE {config} does not exist"
    );
    let out = run(Command::new("terraform")
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1"));
    assert!(
        out.status.success(),
        "terraform {args:?} failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn rules_module_is_formatted_valid_and_passes_its_terraform_test() {
    let dir = module("test");
    assert!(dir.join("rules.tf").is_file() && !dir.join("schedules.tf").exists());
    terraform_ok(&dir, &["fmt", "-check", "-diff"]);
    terraform_ok(&dir, &["init", "-backend=false", "-input=false"]);
    let report: Value = serde_json::from_str(&terraform_ok(&dir, &["validate", "-json"])).unwrap();
    assert_eq!(report["valid"], true, "{report:#}");
    assert_eq!(report["warning_count"], 0, "{report:#}");
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules.tftest.hcl"),
        dir.join("tests/rules.tftest.hcl"),
    )
    .unwrap();
    let out = terraform_ok(&dir, &["test", "-no-color"]);
    assert!(out.contains("Success! 2 passed, 0 failed."), "{out}");
}

#[test]
fn rules_module_fails_no_checkov_check() {
    let dir = module("checkov");
    let out = run(Command::new(tool_env("SCHEDULE_TEST_CHECKOV")).args([
        "--directory",
        dir.to_str().unwrap(),
        "--framework",
        "terraform",
        "--skip-download",
        "--output",
        "json",
        "--quiet",
    ]));
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("checkov printed no JSON ({e}): {}", text(&out.stderr)));
    assert_eq!(
        report["summary"]["failed"], 0,
        "{:#}",
        report["results"]["failed_checks"]
    );
    assert!(out.status.success());
}

/// Destroys what a test applied, however the test ends.
struct Applied {
    dir: PathBuf,
    vars: Vec<String>,
}

impl Drop for Applied {
    fn drop(&mut self) {
        let mut args = vec!["destroy", "-auto-approve", "-input=false", "-no-color"];
        args.extend(self.vars.iter().map(String::as_str));
        let out = run(Command::new("terraform").args(&args).current_dir(&self.dir));
        if !std::thread::panicking() {
            assert!(
                out.status.success(),
                "destroy failed: {}",
                text(&out.stderr)
            );
        }
    }
}

#[test]
fn applied_to_moto_each_rule_sends_its_task_an_event_the_dispatcher_accepts() {
    let endpoint = tool_env("SCHEDULE_TEST_DYNAMODB_ENDPOINT");
    let dir = module("apply");
    let services = [
        "cloudwatch",
        "dynamodb",
        "events",
        "iam",
        "lambda",
        "logs",
        "sqs",
        "sts",
    ]
    .map(|s| format!("    {s} = \"{endpoint}\"\n"))
    .concat();
    std::fs::write(
        dir.join("moto.tf"),
        format!(
            "provider \"aws\" {{\n  region = \"us-east-1\"\n  access_key = \"testing\"\n  \
             secret_key = \"testing\"\n  skip_credentials_validation = true\n  \
             skip_metadata_api_check = true\n  skip_requesting_account_id = true\n  \
             endpoints {{\n{services}  }}\n}}\n"
        ),
    )
    .unwrap();
    let environment = format!("r{}", std::process::id());
    let applied = Applied {
        dir: dir.clone(),
        vars: vec![
            format!("-var=environment={environment}"),
            format!("-var=lambda_zip={}", dir.join("bootstrap.zip").display()),
        ],
    };
    terraform_ok(&dir, &["init", "-backend=false", "-input=false"]);
    let mut args = vec!["apply", "-auto-approve", "-input=false", "-no-color"];
    args.extend(applied.vars.iter().map(String::as_str));
    terraform_ok(&dir, &args);

    let outputs = dir.join("outputs.json");
    std::fs::write(&outputs, terraform_ok(&dir, &["output", "-json"])).unwrap();
    let read = run(Command::new(tool_env("SCHEDULE_TEST_PYTHON"))
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/read_deployment.py"))
        .arg(&endpoint)
        .arg(&outputs));
    assert!(read.status.success(), "{}", text(&read.stderr));
    let deployed: Value = serde_json::from_slice(&read.stdout).unwrap();
    let prefix = format!("jobs-{environment}");

    let rules = deployed["rules"].as_object().unwrap();
    assert_eq!(rules.len(), 2);
    // (task, expression, state: nightly-export lists only production)
    for (task, expression, state) in [
        ("nightly-export", "cron(30 2 * * ? *)", "DISABLED"),
        ("sync", "rate(15 minutes)", "ENABLED"),
    ] {
        let rule = &rules[task];
        assert_eq!(rule["ScheduleExpression"], expression, "{task}");
        assert_eq!(rule["State"], state, "{task}");
        let targets = rule["Targets"].as_array().unwrap();
        assert_eq!(targets.len(), 1, "{task}");
        let target = &targets[0];
        assert_eq!(
            target["Arn"],
            format!("arn:aws:lambda:us-east-1:123456789012:function:{prefix}:{task}")
        );
        assert_eq!(
            target["DeadLetterConfig"]["Arn"],
            format!("arn:aws:sqs:us-east-1:123456789012:{prefix}-dead-letter")
        );
        // What the input transformer makes of a rule's event, as EventBridge documents it:
        // each quoted placeholder replaced by the value at its path.
        let transformer = &target["InputTransformer"];
        assert_eq!(
            transformer["InputPathsMap"],
            serde_json::json!({"time": "$.time", "id": "$.id", "rule": "$.resources[0]"})
        );
        let delivered = transformer["InputTemplate"]
            .as_str()
            .unwrap()
            .replace("<time>", "2026-11-27T02:30:00Z")
            .replace("<id>", "89d1a02d-5ec7-412e-82f5-13505f849b41")
            .replace("<rule>", rule["Arn"].as_str().unwrap());
        let event =
            schedule_runtime::Event::from_json(serde_json::from_str(&delivered).unwrap()).unwrap();
        assert_eq!(event.task, task);
        assert_eq!(
            event.scheduled_time,
            Some("2026-11-27T02:30:00Z".parse().unwrap())
        );
        if task == "nightly-export" {
            assert_eq!(event.input, Some(serde_json::json!({"bucket": "exports"})));
        }
    }
    // Each alias may be invoked by its own rule only. (moto keeps one resource policy per
    // function whatever the qualifier, so this is read from Terraform's state.)
    let state: Value = serde_json::from_str(&terraform_ok(&dir, &["show", "-json"])).unwrap();
    let permissions: Vec<&Value> = state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "aws_lambda_permission")
        .collect();
    assert_eq!(permissions.len(), 2);
    for permission in permissions {
        let task = permission["index"].as_str().unwrap();
        let values = &permission["values"];
        assert_eq!(values["principal"], "events.amazonaws.com", "{task}");
        assert_eq!(values["qualifier"], task, "{task}");
        assert_eq!(values["source_arn"], rules[task]["Arn"], "{task}");
    }
    drop(applied);
}

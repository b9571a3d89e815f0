//! `codegen terraform --eventbridge-rules` with the real tools: a module of UTC tasks rendered
//! here (the shop's tasks use zones and windows, which rules refuse) goes through `terraform
//! fmt`, `validate`, `terraform test` (mocked provider, `terraform-tests/rules.tftest.hcl`),
//! checkov, and an apply to moto read back through the AWS API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;

use schedule_codegen::terraform::{Options, Trigger, render};
use schedule_codegen::write_module;
use schedule_runtime::core::{Idempotency, TaskSpec};
use serde_json::Value;
use support::tools::{
    Deployment, assert_checkov_passes, assert_formatted_and_valid, placeholder_zip, scratch_dir,
    terraform_test,
};

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
            secrets: &[],
            input: Some(r#"{"bucket": "exports"}"#),
            ..TaskSpec::new("nightly-export", "cron(30 2 * * ? *)")
        },
        TaskSpec {
            retries: 0,
            ..TaskSpec::new("sync", "rate(15 minutes)")
        },
    ]
}

fn module(name: &str) -> PathBuf {
    let dir = scratch_dir(&format!("rules-{name}"));
    let options = Options {
        app: "jobs".to_owned(),
        lambda_zip: "bootstrap.zip".to_owned(),
        monitors: false,
        default_monitor: schedule_runtime::core::Monitor::Healthchecks,
        trigger: Trigger::EventBridgeRules,
        defer: false,
    };
    write_module(&dir, &render(&tasks(), &options).unwrap()).unwrap();
    placeholder_zip(&dir);
    dir
}

#[test]
#[ignore = "needs terraform with its provider mirror: run bash scripts/test.sh"]
fn rules_module_is_formatted_valid_and_passes_its_terraform_test() {
    let dir = module("test");
    assert!(dir.join("rules.tf").is_file() && !dir.join("schedules.tf").exists());
    assert_formatted_and_valid(&dir);
    let out = terraform_test(&dir, "rules.tftest.hcl");
    assert!(out.contains("Success! 2 passed, 0 failed."), "{out}");
}

#[test]
#[ignore = "needs terraform and checkov: run bash scripts/test.sh"]
fn rules_module_fails_no_checkov_check() {
    assert_checkov_passes(&module("checkov"));
}

#[test]
#[ignore = "needs terraform, moto and boto3: run bash scripts/test.sh"]
fn applied_to_moto_each_rule_sends_its_task_an_event_the_dispatcher_accepts() {
    let dir = module("apply");
    let environment = format!("r{}", std::process::id());
    let deployment = Deployment::apply(
        &dir,
        &environment,
        &[
            "cloudwatch",
            "dynamodb",
            "events",
            "iam",
            "lambda",
            "logs",
            "sqs",
            "sts",
        ],
    );
    let deployed = deployment.read_back();
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
    let state = deployment.state();
    let permissions: Vec<&Value> = state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["type"] == "aws_lambda_permission" && r["name"] == "task")
        .collect();
    assert_eq!(permissions.len(), 2);
    // The missed-run check's rule may invoke the published version, and sends the check event.
    let check = state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "aws_cloudwatch_event_target" && r["name"] == "missed_run_check")
        .unwrap();
    assert_eq!(check["values"]["input"], schedule_runtime::CHECK_EVENT);
    for permission in permissions {
        let task = permission["index"].as_str().unwrap();
        let values = &permission["values"];
        assert_eq!(values["principal"], "events.amazonaws.com", "{task}");
        assert_eq!(values["qualifier"], task, "{task}");
        assert_eq!(values["source_arn"], rules[task]["Arn"], "{task}");
    }
    drop(deployment);
}

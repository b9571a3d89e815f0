//! `codegen terraform` for tasks that declare secrets, with the real tools: a module rendered
//! here goes through `terraform fmt`, `validate`, `terraform test` (mocked provider,
//! `terraform-tests/secrets.tftest.hcl`: the places, the grants and each refusal at plan
//! time) and checkov. Applied to moto and read back through the AWS API (a parameter made from
//! a value, an existing Secrets Manager secret by its ARN, each function told where its own
//! are and holding no value, each role allowed exactly those), secrets are checked by
//! `groups.rs`, whose one apply covers them beside the function groups.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;

use schedule_codegen::terraform::{Options, Trigger, render};
use schedule_codegen::write_module;
use schedule_runtime::core::TaskSpec;
use support::tools::{
    assert_checkov_passes, assert_formatted_and_valid, placeholder_zip, scratch_dir, terraform_test,
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

//! The real tools the Terraform tests drive: terraform (offline, through the provider mirror),
//! checkov, and moto for `apply`. `scripts/test.sh` installs them and sets the variables read
//! here; a missing one fails the test that needs it, never skips it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// A variable `scripts/test.sh` sets.
pub(crate) fn tool_env(name: &str) -> String {
    std::env::var(name)
        .unwrap_or_else(|_| panic!("{name} is not set: run the suite with `bash scripts/test.sh`"))
}

pub(crate) fn run(command: &mut Command) -> Output {
    let shown = format!("{command:?}");
    command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {shown}: {e} (is it installed?)"))
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs the Python `script` (boto3 from the suite's virtualenv) against moto and returns what
/// it prints, trimmed; it must succeed. The script has `client(service)`, a boto3 client of
/// moto, and `sys.argv[2:]` are `args`.
pub(crate) fn boto3(script: &str, args: &[&str]) -> String {
    let prelude = "import boto3, sys\n\
        def client(service):\n    return boto3.client(service, endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')\n";
    let mut command = Command::new(tool_env("SCHEDULE_TEST_PYTHON"));
    command
        .args(["-c", &format!("{prelude}{script}"), &super::endpoint()])
        .args(args);
    let out = run(&mut command);
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_owned()
}

/// An empty directory of this test run, named `name`.
pub(crate) fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("terraform-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A copy of the committed module in a fresh directory.
pub(crate) fn module_copy(name: &str) -> PathBuf {
    let dir = scratch_dir(name);
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("terraform");
    for entry in std::fs::read_dir(golden).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name().to_string_lossy().ends_with(".tf") {
            std::fs::copy(entry.path(), dir.join(entry.file_name())).unwrap();
        }
    }
    dir
}

/// A copy of the committed module with a placeholder zip, as Terraform needs to plan it.
pub(crate) fn deployable_copy(name: &str) -> PathBuf {
    let dir = module_copy(name);
    placeholder_zip(&dir);
    dir
}

/// Writes `dir/bootstrap.zip`: a zip with a `bootstrap`, which is all Terraform and moto read.
pub(crate) fn placeholder_zip(dir: &Path) {
    let zip = run(Command::new(tool_env("SCHEDULE_TEST_PYTHON"))
        .arg("-c")
        .arg(
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w') as z: z.writestr('bootstrap', '#!/bin/sh\\n')",
        )
        .arg(dir.join("bootstrap.zip")));
    assert!(zip.status.success(), "{}", text(&zip.stderr));
}

pub(crate) fn terraform(dir: &Path, args: &[&str]) -> Output {
    let config = tool_env("TF_CLI_CONFIG_FILE");
    assert!(
        Path::new(&config).is_file(),
        "TF_CLI_CONFIG_FILE {config} does not exist"
    );
    run(Command::new("terraform")
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1"))
}

pub(crate) fn terraform_ok(dir: &Path, args: &[&str]) -> String {
    let out = terraform(dir, args);
    assert!(
        out.status.success(),
        "terraform {args:?} failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// `terraform fmt -check` and `validate` with no error and no warning.
pub(crate) fn assert_formatted_and_valid(dir: &Path) {
    terraform_ok(dir, &["fmt", "-check", "-diff"]);
    terraform_ok(dir, &["init", "-backend=false", "-input=false"]);
    let report: Value = serde_json::from_str(&terraform_ok(dir, &["validate", "-json"])).unwrap();
    assert_eq!(report["valid"], true, "{report:#}");
    assert_eq!(report["warning_count"], 0, "{report:#}");
}

/// Runs `terraform test` with `terraform-tests/<file>` and the shared mocks; its output.
pub(crate) fn terraform_test(dir: &Path, file: &str) -> String {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("terraform-tests");
    std::fs::create_dir_all(dir.join("tests")).unwrap();
    for name in [file, "aws.tfmock.hcl"] {
        std::fs::copy(tests.join(name), dir.join("tests").join(name)).unwrap();
    }
    terraform_ok(dir, &["init", "-backend=false", "-input=false"]);
    terraform_ok(dir, &["test", "-no-color"])
}

/// Runs checkov on `dir` and asserts that no check failed and that it read every file.
pub(crate) fn assert_checkov_passes(dir: &Path) {
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
    let summary = &report["summary"];
    assert_eq!(
        summary["failed"], 0,
        "{:#}",
        report["results"]["failed_checks"]
    );
    assert!(summary["passed"].as_u64().unwrap() > 50, "{summary}");
    assert_eq!(summary["parsing_errors"], 0, "{summary}");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// What the shop binary needs to serve the default function of a module applied to moto
/// (`deployed`, as [`Deployment::read_back`] reads it): the environment the module gave the
/// function, moto as every AWS endpoint it calls, and a data folder in `dir`.
pub(crate) fn function_environment(
    deployed: &Value,
    moto: &str,
    dir: &Path,
) -> Vec<(String, String)> {
    served_environment(&deployed["function"], moto, dir)
}

/// [`function_environment`] for function group `group`'s function, named as Lambda names it.
pub(crate) fn group_environment(
    deployed: &Value,
    group: &str,
    moto: &str,
    dir: &Path,
) -> Vec<(String, String)> {
    let function = &deployed["groups"][group]["function"];
    let mut variables = served_environment(function, moto, dir);
    variables.push((
        "AWS_LAMBDA_FUNCTION_NAME".to_owned(),
        function["FunctionName"].as_str().unwrap().to_owned(),
    ));
    variables
}

fn served_environment(function: &Value, moto: &str, dir: &Path) -> Vec<(String, String)> {
    let mut variables: Vec<(String, String)> = function["Environment"]["Variables"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    // The framework's services; runs deferred from code become schedules in the module's
    // group; the shop's own backup bucket and mail (`src/outside.rs`).
    for service in ["DYNAMODB", "SSM", "SCHEDULER", "S3", "SESV2"] {
        variables.push((format!("AWS_ENDPOINT_URL_{service}"), moto.to_owned()));
    }
    variables.push((
        "SHOP_DATA_DIR".to_owned(),
        dir.join("shop-data").display().to_string(),
    ));
    variables
}

/// The secrets the module in `dir` declares: its `secrets.tf`'s `local.secrets`, none without.
pub(crate) fn declared_secrets(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join("secrets.tf")) else {
        return Vec::new();
    };
    let line = text
        .lines()
        .find(|line| line.trim_start().starts_with("secrets "))
        .expect("secrets.tf names the declared secrets in local.secrets");
    let list = line.split_once('=').unwrap().1.trim();
    serde_json::from_str(list).expect("local.secrets is a list of names")
}

/// A module applied to moto's server; destroyed when dropped, however the test ends.
pub(crate) struct Deployment {
    dir: PathBuf,
    endpoint: String,
    vars: Vec<String>,
}

impl Deployment {
    /// Every service the shop's module creates resources in.
    pub(crate) const EVERY_SERVICE: [&str; 9] = [
        "cloudwatch",
        "dynamodb",
        "iam",
        "lambda",
        "logs",
        "scheduler",
        "sqs",
        "ssm",
        "sts",
    ];

    /// Applies the module in `dir` (with `dir/bootstrap.zip`) for `environment`, pointing the
    /// provider's `services` at moto.
    pub(crate) fn apply(dir: &Path, environment: &str, services: &[&str]) -> Deployment {
        Deployment::apply_with(dir, environment, services, &[])
    }

    /// [`Deployment::apply`] with more `-var=...` arguments.
    pub(crate) fn apply_with(
        dir: &Path,
        environment: &str,
        services: &[&str],
        vars: &[String],
    ) -> Deployment {
        let endpoint = super::endpoint();
        let endpoints: String = services
            .iter()
            .map(|s| format!("    {s} = \"{endpoint}\"\n"))
            .collect();
        std::fs::write(
            dir.join("moto.tf"),
            format!(
                "provider \"aws\" {{\n  region = \"us-east-1\"\n  access_key = \"testing\"\n  \
                 secret_key = \"testing\"\n  skip_credentials_validation = true\n  \
                 skip_metadata_api_check = true\n  skip_requesting_account_id = true\n  \
                 endpoints {{\n{endpoints}  }}\n}}\n"
            ),
        )
        .unwrap();
        let mut all = vec![
            format!("-var=environment={environment}"),
            format!("-var=lambda_zip={}", dir.join("bootstrap.zip").display()),
        ];
        // A module whose tasks declare secrets plans only with a place for each: a test that
        // gives none gets a value per secret (`test-<name>`), as a deployment must.
        let gives_secrets = vars
            .iter()
            .any(|v| v.starts_with("-var=secrets=") || v.starts_with("-var=secret_arns="));
        let declared = declared_secrets(dir);
        if !gives_secrets && !declared.is_empty() {
            let values: Vec<String> = declared
                .iter()
                .map(|name| format!("\"{name}\" = \"test-{name}\""))
                .collect();
            all.push(format!("-var=secrets={{{}}}", values.join(", ")));
        }
        all.extend(vars.iter().cloned());
        let deployment = Deployment {
            dir: dir.to_owned(),
            endpoint,
            vars: all,
        };
        terraform_ok(dir, &["init", "-backend=false", "-input=false"]);
        terraform_ok(dir, &deployment.args("apply"));
        deployment
    }

    fn args<'a>(&'a self, command: &'a str) -> Vec<&'a str> {
        let mut args = vec![command, "-auto-approve", "-input=false", "-no-color"];
        args.extend(self.vars.iter().map(String::as_str));
        args
    }

    /// What AWS (moto) holds, read through its API by `scripts/read_deployment.py`.
    pub(crate) fn read_back(&self) -> Value {
        let outputs = self.dir.join("outputs.json");
        std::fs::write(&outputs, terraform_ok(&self.dir, &["output", "-json"])).unwrap();
        let read = run(Command::new(tool_env("SCHEDULE_TEST_PYTHON"))
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/read_deployment.py"))
            .arg(&self.endpoint)
            .arg(&outputs));
        assert!(read.status.success(), "{}", text(&read.stderr));
        serde_json::from_slice(&read.stdout).unwrap()
    }

    /// Terraform's state, for what moto cannot read back faithfully (per-alias settings).
    pub(crate) fn state(&self) -> Value {
        serde_json::from_str(&terraform_ok(&self.dir, &["show", "-json"])).unwrap()
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let out = terraform(&self.dir, &self.args("destroy"));
        if !std::thread::panicking() {
            assert!(
                out.status.success(),
                "destroy failed: {}",
                text(&out.stderr)
            );
        }
    }
}

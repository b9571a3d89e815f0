//! `codegen terraform` for tasks in function groups (`function = "<group>"`), with the real
//! tools: a module rendered here goes through `terraform fmt`, `validate`, `terraform test`
//! (mocked provider, `terraform-tests/groups.tftest.hcl`: every refusal of the `functions`
//! variable at plan time), checkov, and an apply to moto read back through the AWS API.
//!
//! The application: a `backup` group with a secret, an S3 statement, an environment variable,
//! a VPC, 1,024 MB and a 10-minute task; a `mail` group with a secret of its own that exists
//! already in Secrets Manager; and a task that names no group. What moto holds afterwards must
//! be exactly what was declared, and no group may hold what another was given. (The one apply
//! also covers the secrets' two sources, given as a value and given as an ARN, which
//! `secrets.rs` checks at plan time.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;

use schedule_codegen::terraform::{Options, Trigger, render};
use schedule_codegen::write_module;
use schedule_runtime::core::TaskSpec;
use serde_json::{Value, json};
use support::tools::{
    Deployment, assert_checkov_passes, assert_formatted_and_valid, boto3, placeholder_zip,
    scratch_dir, terraform_test,
};

fn tasks() -> [TaskSpec; 3] {
    [
        TaskSpec {
            function: Some("backup"),
            timeout_seconds: 600,
            secrets: &["backup-key"],
            ..TaskSpec::new("nightly-backup", "cron(0 3 * * ? *)")
        },
        TaskSpec {
            function: Some("mail"),
            secrets: &["smtp-password"],
            ..TaskSpec::new("review-mail", "rate(1 hour)")
        },
        TaskSpec::new("outbox", "rate(1 minute)"),
    ]
}

fn module(name: &str) -> PathBuf {
    let dir = scratch_dir(&format!("groups-{name}"));
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
fn groups_module_is_formatted_valid_and_refuses_what_it_must_at_plan() {
    let dir = module("test");
    assert!(dir.join("functions.tf").is_file());
    assert_formatted_and_valid(&dir);
    let out = terraform_test(&dir, "groups.tftest.hcl");
    assert!(out.contains("Success! 12 passed, 0 failed."), "{out}");
}

#[test]
#[ignore = "needs terraform and checkov: run bash scripts/test.sh"]
fn groups_module_fails_no_checkov_check() {
    assert_checkov_passes(&module("checkov"));
}

/// A VPC in moto with one subnet, a security group and a route table: their ids.
fn network() -> (String, String, String, String) {
    let script = "c = client('ec2')\n\
        vpc = c.create_vpc(CidrBlock='10.42.0.0/16')['Vpc']['VpcId']\n\
        subnet = c.create_subnet(VpcId=vpc, CidrBlock='10.42.1.0/24')['Subnet']['SubnetId']\n\
        group = c.create_security_group(VpcId=vpc, GroupName='backup', Description='backup')['GroupId']\n\
        table = c.create_route_table(VpcId=vpc)['RouteTable']['RouteTableId']\n\
        print(vpc, subnet, group, table)\n";
    let ids: Vec<String> = boto3(script, &[])
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    (
        ids[0].clone(),
        ids[1].clone(),
        ids[2].clone(),
        ids[3].clone(),
    )
}

/// A Secrets Manager secret in moto, as one that exists before the module; its ARN.
fn existing_secret(name: &str, value: &str) -> String {
    let script = "print(client('secretsmanager').create_secret(Name=sys.argv[2], SecretString=sys.argv[3])['ARN'])\n";
    boto3(script, &[name, value])
}

/// The statements of `role`'s inline policy `dispatch`, by sid: (actions, resources).
fn statements(role: &Value) -> Vec<(String, Value, Value)> {
    role["policies"]["dispatch"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["Sid"].as_str().unwrap_or_default().to_owned(),
                s["Action"].clone(),
                s["Resource"].clone(),
            )
        })
        .collect()
}

fn sids(role: &Value) -> Vec<String> {
    let mut sids: Vec<String> = statements(role).into_iter().map(|(sid, ..)| sid).collect();
    sids.sort();
    sids
}

#[test]
#[ignore = "needs terraform, moto and boto3: run bash scripts/test.sh"]
fn applied_to_moto_each_group_holds_exactly_what_was_declared_for_it() {
    let dir = module("apply");
    let environment = format!("g{}", std::process::id());
    let prefix = format!("jobs-{environment}");
    let (vpc, subnet, security_group, route_table) = network();
    let backup_key = "bk-7d1e-backup-value";
    let smtp_password = "smtp-4c2b-value";
    let smtp_arn = existing_secret(&format!("{prefix}/smtp-password"), smtp_password);
    let mut services = Deployment::EVERY_SERVICE.to_vec();
    services.push("ec2");
    let deployment = Deployment::apply_with(
        &dir,
        &environment,
        &services,
        &[
            format!("-var=secrets={{\"backup-key\" = \"{backup_key}\"}}"),
            format!("-var=secret_arns={{\"smtp-password\" = \"{smtp_arn}\"}}"),
            format!(
                "-var=functions={{ backup = {{ memory_size = 1024, environment = {{ BACKUP_BUCKET = \"shop-backups\" }}, policy_statements = [{{ sid = \"WriteBackups\", actions = [\"s3:PutObject\"], resources = [\"arn:aws:s3:::shop-backups/*\"] }}], subnet_ids = [\"{subnet}\"], security_group_ids = [\"{security_group}\"] }} }}"
            ),
            format!(
                "-var=dynamodb_endpoint={{ vpc_id = \"{vpc}\", route_table_ids = [\"{route_table}\"] }}"
            ),
        ],
    );
    let deployed = deployment.read_back();
    let groups = &deployed["groups"];
    let keys: Vec<&String> = groups.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["backup", "mail"]);

    // The backup group's function: its memory, its task's 600 s plus the 10 s margin, its
    // VPC, its variable beside the framework's, its one secret's place and no value.
    let backup = &groups["backup"]["function"];
    assert_eq!(backup["FunctionName"], format!("{prefix}-backup"));
    assert_eq!(backup["MemorySize"], 1024);
    assert_eq!(backup["Timeout"], 610);
    assert_eq!(backup["VpcConfig"]["SubnetIds"], json!([subnet]));
    assert_eq!(
        backup["VpcConfig"]["SecurityGroupIds"],
        json!([security_group])
    );
    let variables = &backup["Environment"]["Variables"];
    assert_eq!(variables["BACKUP_BUCKET"], "shop-backups");
    assert_eq!(variables["SCHEDULE_FUNCTION_GROUP"], "backup");
    assert_eq!(variables["SCHEDULE_ENVIRONMENT"], environment.as_str());
    let places: Value =
        serde_json::from_str(variables["SCHEDULE_SECRETS"].as_str().unwrap()).unwrap();
    assert_eq!(
        places,
        json!({"backup-key": format!("/{prefix}/secrets/backup-key")})
    );
    for function in [backup, &groups["mail"]["function"], &deployed["function"]] {
        let text = function.to_string();
        assert!(
            !text.contains(backup_key) && !text.contains(smtp_password),
            "{text}"
        );
    }
    assert_eq!(
        groups["backup"]["secrets"]["backup-key"]["Value"],
        backup_key
    );

    // Its role: the framework's statements, the VPC's, its own secret and the S3 statement.
    let role = &groups["backup"]["role"];
    assert_eq!(
        sids(role),
        [
            "FailedRunsToDeadLetterQueue",
            "LedgerRecords",
            "Logs",
            "NetworkInterfaces",
            "SecretParameters",
            "WriteBackups"
        ]
    );
    let found = |role: &Value, sid: &str| {
        statements(role)
            .into_iter()
            .find(|(s, ..)| s == sid)
            .map(|(_, actions, resources)| (actions, resources))
            .unwrap()
    };
    assert_eq!(
        found(role, "WriteBackups"),
        (json!("s3:PutObject"), json!("arn:aws:s3:::shop-backups/*"))
    );
    assert_eq!(
        found(role, "SecretParameters").1,
        json!(format!(
            "arn:aws:ssm:us-east-1:123456789012:parameter/{prefix}/secrets/backup-key"
        ))
    );

    // The mail group: the defaults, no VPC, no S3, only its own secret.
    let mail = &groups["mail"]["function"];
    assert_eq!(mail["MemorySize"], 128);
    assert_eq!(mail["Timeout"], 70);
    assert!(
        mail["VpcConfig"]["SubnetIds"]
            .as_array()
            .is_none_or(Vec::is_empty),
        "{mail}"
    );
    assert!(
        mail["Environment"]["Variables"]
            .get("BACKUP_BUCKET")
            .is_none()
    );
    // Its secret exists in Secrets Manager: the function is told the ARN, the role may read
    // that secret with its service's one read action, and nothing in Parameter Store.
    let places: Value = serde_json::from_str(
        mail["Environment"]["Variables"]["SCHEDULE_SECRETS"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(places, json!({"smtp-password": smtp_arn}));
    assert_eq!(
        groups["mail"]["secrets"]["smtp-password"]["ARN"],
        smtp_arn.as_str()
    );
    let mail_role = &groups["mail"]["role"];
    assert_eq!(
        sids(mail_role),
        [
            "FailedRunsToDeadLetterQueue",
            "LedgerRecords",
            "Logs",
            "SecretsManagerSecrets"
        ]
    );
    assert_eq!(
        found(mail_role, "SecretsManagerSecrets"),
        (json!("secretsmanager:GetSecretValue"), json!(smtp_arn))
    );
    // The `secrets` output: where each declared secret is.
    assert_eq!(
        deployed["outputs"]["secrets"],
        json!({
            "backup-key": format!("/{prefix}/secrets/backup-key"),
            "smtp-password": smtp_arn,
        })
    );

    // The default function runs `outbox` alone: no group, no secret, no group's grants.
    let default = &deployed["function"];
    assert_eq!(default["FunctionName"], prefix.as_str());
    assert_eq!(default["Timeout"], 70);
    assert!(
        default["Environment"]["Variables"]
            .get("SCHEDULE_SECRETS")
            .is_none()
    );
    assert!(
        default["Environment"]["Variables"]
            .get("SCHEDULE_FUNCTION_GROUP")
            .is_none()
    );
    assert_eq!(
        sids(&deployed["dispatch_role"]),
        ["FailedRunsToDeadLetterQueue", "LedgerRecords", "Logs"]
    );

    // Each task's alias is in its function, and its schedule targets that alias.
    let alias_names = |aliases: &Value| -> Vec<String> {
        aliases
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["Name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        alias_names(&groups["backup"]["aliases"]),
        ["nightly-backup"]
    );
    assert_eq!(alias_names(&groups["mail"]["aliases"]), ["review-mail"]);
    assert_eq!(alias_names(&deployed["aliases"]), ["outbox"]);
    assert_eq!(
        deployed["schedules"]["nightly-backup"]["Target"]["Arn"],
        format!("arn:aws:lambda:us-east-1:123456789012:function:{prefix}-backup:nightly-backup")
    );
    // Scheduler may invoke every function's qualifiers, and nothing unqualified.
    let scheduler = deployed["scheduler_roles"].as_object().unwrap();
    let invoke = scheduler.values().next().unwrap()["policies"]["deliver"].to_string();
    for function in [
        prefix.clone(),
        format!("{prefix}-backup"),
        format!("{prefix}-mail"),
    ] {
        assert!(
            invoke.contains(&format!("function:{function}:*")),
            "{invoke}"
        );
    }

    // The output names each group's function and role.
    let output = &deployed["outputs"]["function_groups"];
    assert_eq!(
        output["backup"]["function_name"],
        format!("{prefix}-backup")
    );
    assert_eq!(output["backup"]["role_name"], format!("{prefix}-backup"));

    // The gateway endpoint asked for.
    let state = deployment.state();
    let endpoint = state["values"]["root_module"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "aws_vpc_endpoint.dynamodb[0]")
        .expect("the DynamoDB gateway endpoint");
    assert_eq!(endpoint["values"]["vpc_id"], vpc.as_str());
    assert_eq!(endpoint["values"]["vpc_endpoint_type"], "Gateway");
    assert_eq!(
        endpoint["values"]["service_name"],
        "com.amazonaws.us-east-1.dynamodb"
    );
    drop(deployment);
}

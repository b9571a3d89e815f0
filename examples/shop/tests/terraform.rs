//! The shop's generated Terraform, checked with the real tools: the committed module is what
//! the code generates, `terraform fmt` and `validate` accept it, `terraform test` (mocked
//! provider) finds every declared option, checkov fails no check, and `apply` to moto's server
//! deploys what the code says, read back through the AWS APIs, after which the dispatch binary,
//! started with the deployed function's environment, runs each deployed schedule's input.
//!
//! `scripts/test.sh` provides the tools: `TF_CLI_CONFIG_FILE` (the provider mirror),
//! `SCHEDULE_TEST_CHECKOV`, `SCHEDULE_TEST_PYTHON` (with boto3) and moto's address. A missing
//! tool fails these tests; it never skips them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::{Value, json};
use support::tools::{
    Deployment, assert_checkov_passes, assert_formatted_and_valid, deployable_copy,
    group_environment, module_copy, run, scratch_dir, terraform_ok, terraform_test, text,
};
use support::{Monitor, Reply, RuntimeApi, SHOP_TASKS, endpoint, scheduler_client, start_function};

fn codegen(dir: &Path, args: &[&str]) -> Output {
    run(Command::new(env!("CARGO_BIN_EXE_codegen"))
        .args(["terraform", "--app", "example-shop"])
        .args(args)
        .current_dir(dir))
}

#[test]
fn the_committed_module_is_what_the_code_generates() {
    let out = codegen(Path::new(env!("CARGO_MANIFEST_DIR")), &["--check"]);
    assert!(
        out.status.success(),
        "examples/shop/terraform is stale; regenerate it with \
         `cd examples/shop && cargo run --bin codegen -- terraform`:\n{}",
        text(&out.stderr)
    );
}

#[test]
fn check_reports_drift_and_writing_repairs_only_generated_files() {
    let dir = module_copy("drift");
    let main = dir.join("main.tf");
    let edited = std::fs::read_to_string(&main)
        .unwrap()
        .replace("rate(1 hour)", "rate(2 hours)");
    std::fs::write(&main, edited).unwrap();
    std::fs::remove_file(dir.join("outputs.tf")).unwrap();
    let header = std::fs::read_to_string(dir.join("versions.tf")).unwrap();
    let header = header.lines().next().unwrap();
    std::fs::write(dir.join("old.tf"), format!("{header}\n")).unwrap();
    std::fs::write(dir.join("backend.tf"), "terraform {}\n").unwrap();

    let out = codegen(&dir, &["--out", ".", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    let edited_line = std::fs::read_to_string(&main)
        .unwrap()
        .lines()
        .position(|l| l.contains("rate(2 hours)"))
        .unwrap()
        + 1;
    for expected in [
        "main.tf differs from the code",
        // The lines that differ, with their numbers.
        &format!("line {edited_line}:"),
        "\"rate(2 hours)\"",
        "\"rate(1 hour)\"",
        "outputs.tf is missing",
        "old.tf was generated but is no longer",
    ] {
        assert!(stderr.contains(expected), "{stderr}");
    }
    assert!(!stderr.contains("backend.tf"), "{stderr}");

    assert!(codegen(&dir, &["--out", "."]).status.success());
    assert!(codegen(&dir, &["--out", ".", "--check"]).status.success());
    assert!(!dir.join("old.tf").exists());
    assert_eq!(
        std::fs::read_to_string(dir.join("backend.tf")).unwrap(),
        "terraform {}\n"
    );
}

/// The module is a function of the code and the options: a codegen binary built in another
/// target directory (another machine's CI, `CARGO_TARGET_DIR`) finds the committed module up
/// to date.
#[test]
fn check_agrees_whatever_the_target_directory() {
    let elsewhere = scratch_dir("other-target").join("release");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let binary = elsewhere.join("codegen");
    // A hard link, not a copy: copying holds the new file open for writing, and a child that
    // another test thread forks in that moment inherits the descriptor until it execs, so
    // running the copy can fail with "Text file busy" (seen in CI).
    std::fs::hard_link(env!("CARGO_BIN_EXE_codegen"), &binary).unwrap();
    for manifest_dir in [Some(env!("CARGO_MANIFEST_DIR")), None] {
        let mut command = Command::new(&binary);
        command
            .args(["terraform", "--app", "example-shop", "--check"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CARGO_TARGET_DIR", elsewhere.parent().unwrap())
            .env_remove("CARGO_MANIFEST_DIR");
        if let Some(dir) = manifest_dir {
            command.env("CARGO_MANIFEST_DIR", dir);
        }
        let out = run(&mut command);
        assert!(
            out.status.success(),
            "{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}

#[test]
#[ignore = "needs terraform with its provider mirror: run bash scripts/test.sh"]
fn terraform_fmt_and_validate_accept_the_module() {
    assert_formatted_and_valid(&deployable_copy("validate"));
}

#[test]
#[ignore = "needs terraform with its provider mirror: run bash scripts/test.sh"]
fn with_healthchecks_each_heartbeat_task_gets_a_check_on_its_own_schedule() {
    // The healthchecksio provider is not in this machine's mirror, so this variant is checked
    // by `terraform fmt` and by reading it back, not by `validate`.
    let dir = scratch_dir("healthchecks");
    let out = codegen(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["--healthchecks", "--out", dir.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    terraform_ok(&dir, &["fmt", "-check", "-diff"]);

    let versions = std::fs::read_to_string(dir.join("versions.tf")).unwrap();
    assert!(
        versions.contains(r#"source  = "kristofferahl/healthchecksio""#),
        "{versions}"
    );
    let checks = std::fs::read_to_string(dir.join("healthchecks.tf")).unwrap();
    // daily-sales-report: cron(0 8 * * ? *) in Moscow, a 15 minute window and a 1 minute run.
    for expected in [
        r#""daily-sales-report" = {"#,
        r#"schedule = "0 8 * * *""#,
        r#"timezone = "Europe/Moscow""#,
        "grace    = 1260",
        r#"resource "healthchecksio_check" "task""#,
    ] {
        assert!(checks.contains(expected), "{expected} not in\n{checks}");
    }
    // ssl-certificate-check: cron(0 6 * * ? *) in UTC, a 1 minute run, no window.
    let ssl = &checks[checks
        .find(r#""ssl-certificate-check" = {"#)
        .expect("a check")..];
    assert!(
        ssl.contains(r#"schedule = "0 6 * * *""#) && ssl.contains("grace    = 360"),
        "{ssl}"
    );
    // Only the heartbeat tasks have a check.
    assert!(!checks.contains("weekly-digest") && !checks.contains("expired-session-cleanup"));
    // A generated check's ping URL becomes the task's parameter, never an environment value.
    let parameters = std::fs::read_to_string(dir.join("heartbeat.tf")).unwrap();
    assert!(
        parameters.contains(
            "value       = try(healthchecksio_check.task[each.key].ping_url, var.heartbeat_urls[each.key])"
        ) && parameters.contains("contains(local.enabled_tasks, task) ||"),
        "{parameters}"
    );
    let lambda = std::fs::read_to_string(dir.join("lambda.tf")).unwrap();
    assert!(!lambda.contains("healthchecksio_check"), "{lambda}");
}

#[test]
#[ignore = "needs terraform with its provider mirror: run bash scripts/test.sh"]
fn terraform_test_finds_every_declared_option() {
    let out = terraform_test(&deployable_copy("test"), "shop.tftest.hcl");
    assert!(out.contains("Success! 6 passed, 0 failed."), "{out}");
}

#[test]
#[ignore = "needs terraform and checkov: run bash scripts/test.sh"]
fn checkov_fails_no_check() {
    assert_checkov_passes(&deployable_copy("checkov"));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs terraform, moto and boto3: run bash scripts/test.sh"]
async fn applied_to_moto_the_module_deploys_the_code_and_each_schedule_runs_its_task() {
    let endpoint = endpoint();
    let dir = deployable_copy("apply");
    // A name of its own, so runs sharing the server do not collide.
    let environment = format!("t{}", std::process::id());
    // ssl-certificate-check's monitor: its ping URL holds a key, as Healthchecks.io's do.
    let monitor = Monitor::start();
    let ping_url = format!("{}/ping/SECRET-PING-KEY", monitor.address());
    let deployment = Deployment::apply_with(
        &dir,
        &environment,
        &Deployment::EVERY_SERVICE,
        &[format!(
            "-var=heartbeat_urls={{\"ssl-certificate-check\" = \"{ping_url}\"}}"
        )],
    );
    let deployed = deployment.read_back();
    let prefix = format!("example-shop-{environment}");

    // Expected values are the attributes in src/lib.rs.
    let schedules = &deployed["schedules"];
    // Eleven tasks (review-request runs only when deferred: no schedule) and the missed-run
    // check, which runs on the published version every 15 minutes.
    assert_eq!(schedules.as_object().unwrap().len(), 12, "{schedules:#}");
    assert!(schedules.get("review-request").is_none());
    let check = &schedules["missed-run-check"];
    assert_eq!(check["ScheduleExpression"], "rate(15 minutes)");
    assert_eq!(check["Target"]["Input"], schedule_runtime::CHECK_EVENT);
    let version = check["Target"]["Arn"]
        .as_str()
        .unwrap()
        .strip_prefix(&format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{prefix}:"
        ))
        .unwrap();
    assert!(
        version.parse::<u32>().is_ok(),
        "a published version: {version}"
    );
    let expected = [
        (
            "daily-sales-report",
            "cron(0 8 * * ? *)",
            "Europe/Moscow",
            json!({"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}),
            "DISABLED",
            3600,
        ),
        (
            "expired-session-cleanup",
            "rate(1 hour)",
            "UTC",
            json!({"Mode": "OFF"}),
            "ENABLED",
            21600,
        ),
        (
            "weekly-digest",
            "cron(0 9 ? * MON *)",
            "Europe/Berlin",
            json!({"Mode": "OFF"}),
            "ENABLED",
            21600,
        ),
        (
            "database-backup",
            "cron(30 2 * * ? *)",
            "Europe/Berlin",
            json!({"Mode": "OFF"}),
            "DISABLED",
            21600,
        ),
        (
            "deferred-emails",
            "rate(1 minute)",
            "UTC",
            json!({"Mode": "OFF"}),
            "ENABLED",
            21600,
        ),
        (
            "inventory-sync",
            "cron(5 * * * ? *)",
            "UTC",
            json!({"Mode": "OFF"}),
            "ENABLED",
            1800,
        ),
        (
            "sitemap-refresh",
            "cron(0/15 * * * ? *)",
            "UTC",
            json!({"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 5}),
            "ENABLED",
            21600,
        ),
        (
            "ssl-certificate-check",
            "cron(0 6 * * ? *)",
            "UTC",
            json!({"Mode": "OFF"}),
            "ENABLED",
            21600,
        ),
        (
            "winter-sale-launch",
            "at(2030-01-15T09:00:00)",
            "Europe/Paris",
            json!({"Mode": "OFF"}),
            "ENABLED",
            21600,
        ),
        (
            "year-end-stocktake",
            "cron(0 18 L 12 ? *)",
            "Europe/Berlin",
            json!({"Mode": "OFF"}),
            "ENABLED",
            21600,
        ),
    ];
    // database-backup runs in function group `backup` (`function = "backup"`), the others in
    // the default function.
    let function_of = |task: &str| {
        if task == "database-backup" {
            format!("{prefix}-backup")
        } else {
            prefix.clone()
        }
    };
    for (task, expression, zone, window, state, max_age) in &expected {
        let schedule = &schedules[task];
        assert_eq!(schedule["ScheduleExpression"], *expression, "{task}");
        assert_eq!(schedule["ScheduleExpressionTimezone"], *zone, "{task}");
        assert_eq!(schedule["FlexibleTimeWindow"], *window, "{task}");
        // daily-sales-report and database-backup list only production.
        assert_eq!(schedule["State"], *state, "{task}");
        assert_eq!(schedule["GroupName"], prefix.as_str());
        let target = &schedule["Target"];
        assert_eq!(
            target["Arn"],
            format!(
                "arn:aws:lambda:us-east-1:123456789012:function:{}:{task}",
                function_of(task)
            ),
        );
        assert_eq!(
            target["RetryPolicy"]["MaximumEventAgeInSeconds"], *max_age,
            "{task}"
        );
        assert!(
            target["RetryPolicy"]["MaximumRetryAttempts"]
                .as_u64()
                .unwrap()
                < 185
        );
        assert_eq!(
            target["DeadLetterConfig"]["Arn"],
            format!("arn:aws:sqs:us-east-1:123456789012:{prefix}-dead-letter")
        );
    }

    // The function, its aliases (one per task, all on the published version).
    let function = &deployed["function"];
    assert_eq!(function["Runtime"], "provided.al2023");
    assert!(function["Timeout"].as_u64().unwrap() > 120);
    let variables = function["Environment"]["Variables"].as_object().unwrap();
    assert_eq!(variables["SCHEDULE_ENVIRONMENT"], environment.as_str());
    assert_eq!(
        variables["SCHEDULE_IDEMPOTENCY_TABLE"],
        format!("{prefix}-idempotency")
    );
    // Every task has its alias, in its own function: the backup in group `backup`'s, the
    // review request in group `mail`'s.
    let names = |aliases: &Value| -> Vec<String> {
        aliases
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["Name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(&deployed["groups"]["backup"]["aliases"]),
        ["database-backup"]
    );
    assert_eq!(
        names(&deployed["groups"]["mail"]["aliases"]),
        ["review-request"]
    );
    let mut aliases = names(&deployed["aliases"]);
    aliases.extend(["database-backup".to_owned(), "review-request".to_owned()]);
    aliases.sort_unstable();
    assert_eq!(aliases, SHOP_TASKS);
    // The dates, as Scheduler keeps them (moto reads them back with an offset).
    let stocktake = &schedules["year-end-stocktake"];
    let instant = |value: &Value| {
        value
            .as_str()
            .unwrap()
            .replace(' ', "T")
            .parse::<schedule_runtime::core::jiff::Timestamp>()
            .unwrap()
    };
    assert_eq!(
        instant(&stocktake["StartDate"]),
        "2029-12-01T00:00:00Z".parse().unwrap()
    );
    assert_eq!(
        instant(&stocktake["EndDate"]),
        "2035-01-01T00:00:00Z".parse().unwrap()
    );
    assert!(schedules["weekly-digest"].get("StartDate").is_none());

    // Least privilege: Scheduler's role is trusted by Scheduler for this group only, and may
    // invoke the aliases and send to the queue, nothing else.
    let roles = deployed["scheduler_roles"].as_object().unwrap();
    assert_eq!(roles.len(), 1);
    let (role_arn, role) = roles.iter().next().unwrap();
    let trust = &role["trust"]["Statement"][0];
    assert_eq!(
        trust["Principal"],
        json!({"Service": "scheduler.amazonaws.com"})
    );
    assert_eq!(
        trust["Condition"]["StringEquals"],
        json!({"aws:SourceAccount": "123456789012",
               "aws:SourceArn": format!("arn:aws:scheduler:us-east-1:123456789012:schedule-group/{prefix}")})
    );
    let statements = role["policies"]["deliver"]["Statement"].as_array().unwrap();
    let invoke = statements
        .iter()
        .find(|s| s["Action"] == "lambda:InvokeFunction")
        .unwrap();
    // Each function's aliases (and the version the check runs on), by one pattern each.
    let mut patterns: Vec<String> = invoke["Resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    patterns.sort_unstable();
    assert_eq!(
        patterns,
        [
            format!("arn:aws:lambda:us-east-1:123456789012:function:{prefix}-backup:*"),
            format!("arn:aws:lambda:us-east-1:123456789012:function:{prefix}-mail:*"),
            format!("arn:aws:lambda:us-east-1:123456789012:function:{prefix}:*"),
        ]
    );
    assert!(
        statements
            .iter()
            .all(|s| s["Action"] == "lambda:InvokeFunction" || s["Action"] == "sqs:SendMessage")
    );
    assert_eq!(role["attached"], json!([]));
    let dispatch = &deployed["dispatch_role"];
    assert_eq!(
        dispatch["trust"]["Statement"][0]["Principal"],
        json!({"Service": "lambda.amazonaws.com"})
    );
    let actions: Vec<String> = dispatch["policies"]["dispatch"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| match &s["Action"] {
            Value::String(a) => vec![a.clone()],
            Value::Array(a) => a.iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
            _ => vec![],
        })
        .collect();
    assert!(actions.iter().all(|a| !a.contains('*')), "{actions:?}");
    // Deferring: schedules of this group only, and the Scheduler role passed to Scheduler only.
    let defer = dispatch["policies"]["defer"]["Statement"]
        .as_array()
        .unwrap();
    assert_eq!(defer.len(), 2, "{defer:#?}");
    assert_eq!(
        defer[0]["Resource"],
        format!("arn:aws:scheduler:us-east-1:123456789012:schedule/{prefix}/*")
    );
    let mut schedule_actions: Vec<&str> = defer[0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    schedule_actions.sort_unstable();
    assert_eq!(
        schedule_actions,
        [
            "scheduler:CreateSchedule",
            "scheduler:DeleteSchedule",
            "scheduler:GetSchedule"
        ]
    );
    assert_eq!(defer[1]["Action"], "iam:PassRole");
    assert_eq!(defer[1]["Resource"], role_arn.as_str());
    assert_eq!(
        defer[1]["Condition"],
        json!({"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}})
    );

    // The table the runtime expects, and the queue.
    let table = &deployed["table"];
    assert_eq!(
        table["table"]["KeySchema"],
        json!([{"AttributeName": "pk", "KeyType": "HASH"}])
    );
    assert_eq!(
        table["ttl"],
        json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"})
    );
    assert_eq!(
        table["backups"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"],
        "ENABLED"
    );
    assert_eq!(deployed["queue"]["MessageRetentionPeriod"], "1209600");
    assert_eq!(deployed["queue"]["SqsManagedSseEnabled"], "true");

    // The ping URL is a SecureString parameter the function may read, and nowhere in its
    // configuration.
    assert_eq!(
        deployed["heartbeat_parameters"],
        json!([{"Name": format!("/{prefix}/heartbeat/ssl-certificate-check"), "Type": "SecureString"}])
    );
    assert!(
        !deployed["function"].to_string().contains("SECRET-PING-KEY"),
        "{:#}",
        deployed["function"]
    );
    let read = dispatch["policies"]["dispatch"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "HeartbeatUrls")
        .unwrap();
    assert_eq!(read["Action"], "ssm:GetParameter");
    assert_eq!(
        read["Resource"],
        format!("arn:aws:ssm:us-east-1:123456789012:parameter/{prefix}/heartbeat/*")
    );

    // The dispatch binary, with the deployed environment (and moto for DynamoDB), runs each
    // deployed schedule's input as Scheduler would send it.
    let mut environment_variables: Vec<(String, String)> = variables
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    environment_variables.push(("AWS_ENDPOINT_URL_DYNAMODB".to_owned(), endpoint.clone()));
    environment_variables.push(("AWS_ENDPOINT_URL_SCHEDULER".to_owned(), endpoint.clone()));
    environment_variables.push(("AWS_ENDPOINT_URL_SSM".to_owned(), endpoint.clone()));
    // The shop's data starts afresh: shipment-feed finds the two sample shipments.
    let data = dir.join("shop-data");
    environment_variables.push(("SHOP_DATA_DIR".to_owned(), data.display().to_string()));
    let api = RuntimeApi::start();
    let _function = start_function(&api, &environment_variables, &dir.join("function.log"));
    // The backup group's function, as deployed: its own environment and name.
    let backup_api = RuntimeApi::start();
    let mut backup_variables = group_environment(&deployed, "backup", &endpoint, &dir);
    backup_variables.push(("SHOP_DATA_DIR".to_owned(), data.display().to_string()));
    let _backup_function = start_function(
        &backup_api,
        &backup_variables,
        &dir.join("function-backup.log"),
    );
    // Every schedule delivers the occurrence of an hour ago (on the hour), so that what the
    // ledger holds and what the missed-run check looks at are the same on any day.
    let hour = schedule_runtime::core::jiff::Timestamp::now().as_second() / 3_600 * 3_600 - 3_600;
    let delivered = schedule_runtime::core::jiff::Timestamp::from_second(hour)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let deliveries: Vec<(String, String, String)> = schedules
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, schedule)| {
            // The function the schedule targets: `...:function:<name>:<qualifier>`.
            let function = schedule["Target"]["Arn"]
                .as_str()
                .unwrap()
                .rsplit(':')
                .nth(1)
                .unwrap()
                .to_owned();
            let input = schedule["Target"]["Input"]
                .as_str()
                .unwrap()
                .replace("<aws.scheduler.scheduled-time>", &delivered)
                .replace("<aws.scheduler.execution-id>", "ad06616e51cdf74a")
                .replace("<aws.scheduler.attempt-number>", "1")
                .replace(
                    "<aws.scheduler.schedule-arn>",
                    schedule["Arn"].as_str().unwrap(),
                );
            (name.clone(), function, input)
        })
        .collect();
    // An operator pauses one task in the deployment, before its delivery arrives.
    let operator = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_ops"))
            .args(args)
            .args(["--env", &environment])
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            // No profile of the machine's may change what the test sees.
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_ENDPOINT_URL_DYNAMODB", &endpoint)
            .env("AWS_ENDPOINT_URL_STS", &endpoint)
            .env("USER", "ops")
            .output()
            .unwrap()
    };
    let paused = operator(&["pause", "weekly-digest", "--reason", "newsletter on hold"]);
    assert!(
        paused.status.success(),
        "{}",
        String::from_utf8_lossy(&paused.stderr)
    );
    let backup_function = format!("{prefix}-backup");
    let replies = tokio::task::spawn_blocking(move || {
        deliveries
            .into_iter()
            .map(|(name, function, input)| {
                let api = if function == backup_function {
                    &backup_api
                } else {
                    &api
                };
                (name, api.invoke(&input))
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (name, reply) in replies {
        match reply {
            Reply::Response(body) if name == "weekly-digest" => {
                assert_eq!(body["status"], "skipped", "{body}");
                assert!(
                    body["reason"]
                        .as_str()
                        .unwrap()
                        .starts_with(&format!("paused by {} at ", support::MOTO_CALLER)),
                    "{body}"
                );
            }
            Reply::Response(body) if name == "shipment-feed" => {
                assert_eq!(body["status"], "succeeded", "{body}");
                assert_eq!(body["result"], 2, "{body}");
            }
            Reply::Response(body) if name == "missed-run-check" => {
                assert_eq!(body["status"], "checked", "{body}");
                assert_eq!(body["report"]["errors"], json!([]), "{body}");
            }
            Reply::Response(body) => {
                assert_eq!(body["status"], "succeeded", "{name}: {body}");
                assert_eq!(body["task"], name.as_str());
                assert_eq!(body["scheduled_time"], delivered.as_str());
            }
            other => panic!("{name}: {other:?}"),
        }
    }

    // ssl-certificate-check's run pinged its monitor at the start and on success, with the URL
    // the function read from its parameter; no log line carries the key.
    let pings = monitor.requests(2, Duration::from_secs(5));
    let mut shapes: Vec<String> = pings
        .iter()
        .map(|p| {
            p.split_once("?rid=")
                .map_or(p.clone(), |(head, _)| head.to_owned())
        })
        .collect();
    shapes.sort();
    assert_eq!(
        shapes,
        [
            "GET /ping/SECRET-PING-KEY",
            "GET /ping/SECRET-PING-KEY/start"
        ],
        "{pings:?}"
    );
    let log = std::fs::read_to_string(dir.join("function.log")).unwrap();
    assert!(!log.contains("SECRET-PING-KEY"), "{log}");

    // The operator's view of the same deployment: `status --env` reads the deployed ledger.
    let status = operator(&["status", "--json"]);
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let statuses: Value = serde_json::from_slice(&status.stdout).unwrap();
    let statuses = statuses.as_array().unwrap();
    assert_eq!(statuses.len(), SHOP_TASKS.len());
    for task in statuses {
        let last = &task["last_run"];
        if task["task"] == "review-request" {
            // Deferred, not yet due: no run.
            assert_eq!(*last, Value::Null, "{task}");
            continue;
        }
        if task["task"] == "weekly-digest" {
            assert_eq!(task["paused"]["by"], support::MOTO_CALLER, "{task}");
            assert_eq!(task["paused"]["reason"], "newsletter on hold", "{task}");
            assert_eq!(last["status"], "skipped", "{task}");
            assert_eq!(last["deliveries"], 0, "{task}");
            continue;
        }
        assert_eq!(task["paused"], Value::Null, "{task}");
        assert_eq!(last["status"], "succeeded", "{task}");
        assert_eq!(last["scheduled_time"], delivered.as_str(), "{task}");
        assert_eq!(last["environment"], environment.as_str(), "{task}");
        assert_eq!(last["deliveries"], 1, "{task}");
    }
    let resumed = operator(&["resume", "weekly-digest"]);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let status: Value = serde_json::from_slice(&operator(&["status", "--json"]).stdout).unwrap();
    let digest = status
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == "weekly-digest")
        .unwrap();
    assert_eq!(digest["paused"], Value::Null);

    // shipment-feed's review requests, deferred by the function with the variables the module
    // gave it: one-time schedules in the deployment's group, aimed at review-request's alias
    // with the deployment's role and queue.
    let scheduler = scheduler_client(&endpoint);
    let listed = scheduler
        .list_schedules()
        .group_name(&prefix)
        .send()
        .await
        .unwrap();
    let mut deferred: Vec<String> = listed
        .schedules()
        .iter()
        .filter_map(|s| s.name())
        .filter(|name| name.starts_with("review-request."))
        .map(str::to_owned)
        .collect();
    deferred.sort();
    assert_eq!(
        deferred,
        [
            schedule_runtime::defer::schedule_name("review-request", "order-1001"),
            schedule_runtime::defer::schedule_name("review-request", "order-1002"),
        ]
    );
    for name in &deferred {
        let schedule = scheduler
            .get_schedule()
            .group_name(&prefix)
            .name(name)
            .send()
            .await
            .unwrap();
        let target = schedule.target().unwrap();
        // review-request runs in function group `mail`: deferred runs target its function.
        assert_eq!(
            target.arn(),
            format!("arn:aws:lambda:us-east-1:123456789012:function:{prefix}-mail:review-request")
        );
        assert_eq!(target.role_arn(), role_arn);
        assert_eq!(
            target.dead_letter_config().and_then(|d| d.arn()),
            Some(format!("arn:aws:sqs:us-east-1:123456789012:{prefix}-dead-letter").as_str())
        );
    }
    drop(deployment);
}

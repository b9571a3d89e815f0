//! An application of 150 tasks, 72 of them with `heartbeat`, generated and applied to moto's
//! server, then every document AWS limits in size measured as moto holds it (moto enforces
//! none of these quotas, AWS does): the managed and inline policies, the function's
//! environment, the dashboard's pages. Before the module scoped its policies by pattern and
//! kept ping URLs in parameters, about 60 tasks broke the first of them.
//!
//! Quotas: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>
//! (characters without white space), <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>,
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html>.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use schedule_codegen::terraform::{Options, Trigger, render};
use schedule_runtime::core::TaskSpec;
use serde_json::{Value, json};
use support::tools::{Deployment, placeholder_zip, scratch_dir};

const TASKS: usize = 150;

/// IAM: a managed policy's document, and a role's inline documents together.
const MANAGED_POLICY_CHARS: usize = 6_144;
const ROLE_INLINE_CHARS: usize = 10_240;
/// Lambda: the environment's names and values together.
const ENVIRONMENT_BYTES: usize = 4_096;
/// CloudWatch: per dashboard.
const DASHBOARD_WIDGETS: usize = 500;
const DASHBOARD_METRICS: usize = 2_500;

fn leak(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

/// `count` tasks of the kinds a large application declares: crons in several zones with and
/// without windows, rates, 9 in 20 with `heartbeat`.
fn tasks(count: usize) -> Vec<TaskSpec> {
    let zones = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo"];
    (0..count)
        .map(|i| {
            let expression = match i % 3 {
                0 => leak(format!("cron({} {} * * ? *)", i % 60, i % 24)),
                1 => leak(format!("rate({} minutes)", 5 + i % 55)),
                _ => leak(format!("cron(0/15 {}-{} ? * MON-FRI *)", i % 8, 9 + i % 8)),
            };
            TaskSpec {
                timezone: zones[i % zones.len()],
                window_minutes: (i % 4 == 0).then_some(15),
                heartbeat: i % 20 < 9,
                ..TaskSpec::new(leak(format!("scale-task-{i:04}")), expression)
            }
        })
        .collect()
}

/// A document's size as IAM counts it: its JSON without white space.
fn iam_chars(document: &Value) -> usize {
    document
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

#[test]
#[ignore = "needs terraform with its provider mirror and moto: run bash scripts/test.sh"]
fn at_150_tasks_every_document_is_within_its_quota_on_moto() {
    let specs = tasks(TASKS);
    let heartbeats: Vec<&str> = specs
        .iter()
        .filter(|s| s.heartbeat)
        .map(|s| s.name)
        .collect();
    assert_eq!(heartbeats.len(), 72);
    let options = Options {
        app: "scale".to_owned(),
        lambda_zip: "bootstrap.zip".to_owned(),
        monitors: false,
        default_monitor: schedule_runtime::core::Monitor::Healthchecks,
        trigger: Trigger::Scheduler,
        defer: true,
    };
    let dir = scratch_dir("scale");
    for file in render(&specs, &options).expect("the module renders") {
        std::fs::write(dir.join(file.name), file.contents).unwrap();
    }
    placeholder_zip(&dir);
    // Every heartbeat task has a monitor: one parameter each.
    let urls: serde_json::Map<String, Value> = heartbeats
        .iter()
        .map(|task| {
            (
                (*task).to_owned(),
                json!(format!(
                    "https://hc-ping.com/{task}-0b6f4e1c-5a3d-4c4e-9a57-1d2b3c4d5e6f"
                )),
            )
        })
        .collect();
    std::fs::write(
        dir.join("urls.auto.tfvars.json"),
        json!({ "heartbeat_urls": urls }).to_string(),
    )
    .unwrap();
    let environment = format!("s{}", std::process::id());
    let deployment = Deployment::apply(&dir, &environment, &Deployment::EVERY_SERVICE);
    let deployed = deployment.read_back();

    let operator = iam_chars(&deployed["operator_policy"]);
    assert!(
        operator <= MANAGED_POLICY_CHARS,
        "operator policy: {operator}"
    );
    let dispatch: usize = deployed["dispatch_role"]["policies"]
        .as_object()
        .unwrap()
        .values()
        .map(iam_chars)
        .sum();
    assert!(dispatch <= ROLE_INLINE_CHARS, "dispatch role: {dispatch}");
    let scheduler: usize = deployed["scheduler_roles"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|role| role["policies"].as_object().unwrap().values())
        .map(iam_chars)
        .sum();
    assert!(
        scheduler <= ROLE_INLINE_CHARS,
        "scheduler role: {scheduler}"
    );

    let variables = deployed["function"]["Environment"]["Variables"]
        .as_object()
        .unwrap();
    let environment_bytes: usize = variables
        .iter()
        .map(|(name, value)| name.len() + value.as_str().unwrap().len())
        .sum();
    assert!(
        environment_bytes <= ENVIRONMENT_BYTES,
        "environment: {environment_bytes}"
    );
    // The estimate `codegen` refuses a module by is an upper bound of what is deployed: a
    // variable added without it would show here first.
    let estimate = schedule_codegen::terraform::environment_bytes(
        false,
        Some(schedule_runtime::core::Monitor::Healthchecks),
        true,
        &[],
    );
    assert!(
        environment_bytes <= estimate,
        "the environment ({environment_bytes} bytes) outgrew codegen's estimate ({estimate})"
    );
    assert!(!deployed["function"].to_string().contains("hc-ping.com"));

    let pages = deployed["dashboards"].as_object().unwrap();
    assert_eq!(pages.len(), TASKS.div_ceil(100), "{:?}", pages.keys());
    let mut shown = Vec::new();
    let mut counted = Vec::new();
    for (name, page) in pages {
        let widgets = page["widgets"].as_array().unwrap();
        let metrics: usize = widgets
            .iter()
            .map(|w| w["properties"]["metrics"].as_array().unwrap().len())
            .sum();
        assert!(
            widgets.len() <= DASHBOARD_WIDGETS,
            "{name}: {} widgets",
            widgets.len()
        );
        assert!(metrics <= DASHBOARD_METRICS, "{name}: {metrics} metrics");
        counted.push((name.clone(), (widgets.len(), metrics)));
        shown.extend(
            widgets
                .iter()
                .filter_map(|w| w["properties"]["title"].as_str())
                .filter(|title| title.starts_with("scale-task-"))
                .map(str::to_owned),
        );
    }
    // Each page holds what codegen's quota check counts for it: a widget or a metric more
    // per task would break the quota at a task count this test does not reach.
    // Page 1 is named `<name>`, the next `<name>-2`, `<name>-3`, …: shortest first.
    counted.sort_by(|(a, _), (b, _)| (a.len(), a).cmp(&(b.len(), b)));
    let counted: Vec<(usize, usize)> = counted.into_iter().map(|(_, c)| c).collect();
    assert_eq!(
        counted,
        schedule_codegen::terraform::dashboard_pages(TASKS),
        "(widgets, metrics) per page, deployed vs codegen's estimate"
    );
    // Every task is on exactly one page.
    shown.sort();
    let mut names: Vec<String> = specs.iter().map(|s| s.name.to_owned()).collect();
    names.sort();
    assert_eq!(shown, names);

    let parameters = deployed["heartbeat_parameters"].as_array().unwrap();
    assert_eq!(parameters.len(), heartbeats.len());
    assert!(parameters.iter().all(|p| p["Type"] == "SecureString"));

    eprintln!(
        "{TASKS} tasks ({} with heartbeat): operator policy {operator} characters, dispatch role {dispatch}, scheduler role {scheduler}, environment {environment_bytes} bytes, {} dashboard pages",
        heartbeats.len(),
        pages.len()
    );
}

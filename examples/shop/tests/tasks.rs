//! The commands that read the shop's tasks from its code, through the compiled binaries:
//! `codegen manifest`, and the application's `list` and `dst`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::process::Command;

use support::SHOP_TASKS;

fn codegen(args: &[&str]) -> (bool, String, String) {
    run(Command::new(env!("CARGO_BIN_EXE_codegen")).args(args))
}

/// The application's binary, with a state directory where nothing was ever deferred.
fn shop(args: &[&str]) -> (bool, String, String) {
    let state_dir = concat!(env!("CARGO_TARGET_TMPDIR"), "/tasks-nothing-deferred");
    run(Command::new(env!("CARGO_BIN_EXE_example-shop"))
        .args(args)
        .args(["--state-dir", state_dir]))
}

fn run(command: &mut Command) -> (bool, String, String) {
    let out = command.output().expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn manifest_lists_the_shops_tasks_with_their_options() {
    let (ok, stdout, stderr) = codegen(&["manifest"]);
    assert!(ok, "{stderr}");
    let manifest: serde_json::Value = serde_json::from_str(&stdout).expect("JSON");
    let tasks = manifest["tasks"].as_array().expect("a list of tasks");
    let names: Vec<&str> = tasks.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, SHOP_TASKS);
    let report = &tasks[0];
    assert_eq!(report["timezone"], "Europe/Moscow");
    assert_eq!(report["window_minutes"], 15);
    assert_eq!(report["max_age_seconds"], 3600);
    assert_eq!(report["heartbeat"], true);
    assert_eq!(report["environments"], serde_json::json!(["production"]));
    assert_eq!(
        report["input"],
        r#"{"report_type": "daily_sales", "format": "pdf"}"#
    );
    let digest = &tasks[9];
    assert_eq!(digest["name"], "weekly-digest");
    assert_eq!(digest["retries"], 0);
    // Declared `deferred`: no expression, its own zone and retries.
    let reviews = &tasks[5];
    assert_eq!(reviews["name"], "review-request");
    assert_eq!(reviews["expression"], serde_json::Value::Null);
    assert_eq!(reviews["timezone"], "Europe/Berlin");
    assert_eq!(reviews["retries"], 2);
}

#[test]
fn list_shows_schedule_zone_environments_and_next_fire_time() {
    let (ok, stdout, stderr) = shop(&["list"]);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 13, "{stdout}");
    let header: Vec<&str> = lines[0].split_whitespace().collect();
    assert_eq!(
        header,
        [
            "TASK",
            "SCHEDULE",
            "ZONE",
            "ENVIRONMENTS",
            "NEXT",
            "UTC",
            "DST"
        ]
    );
    assert!(lines[1].starts_with("daily-sales-report"));
    assert!(lines[1].contains("cron(0 8 * * ? *)"));
    assert!(lines[1].contains("Europe/Moscow"));
    assert!(lines[1].contains("production"));
    // 08:00 Moscow time, in Moscow's offset, whatever today is, then the same instant in UTC.
    assert!(lines[1].contains("T08:00:00+03:00  "), "{}", lines[1]);
    assert!(lines[1].contains("T05:00:00+00:00"), "{}", lines[1]);
    // Moscow keeps no daylight-saving time.
    assert!(lines[1].trim_end().ends_with("  -"), "{}", lines[1]);
    // 02:30 in Berlin: the last Sunday of March skips it, the last of October repeats it;
    // whichever comes first from today.
    assert!(lines[2].starts_with("database-backup"));
    let dst = lines[2].trim_end();
    assert!(
        dst.contains("-03-") && dst.ends_with(" 02:30 skipped")
            || dst.contains("-10-") && dst.ends_with(" 02:30 once"),
        "{dst}"
    );
    // A task declared `deferred` has no schedule and no next fire time.
    let reviews: Vec<&str> = lines[6].split_whitespace().collect();
    assert_eq!(
        reviews,
        [
            "review-request",
            "deferred",
            "only",
            "Europe/Berlin",
            "all",
            "-",
            "-",
            "-"
        ]
    );
    assert!(lines[10].starts_with("weekly-digest"));
    assert!(lines[10].contains("T09:00:00+01:00") || lines[10].contains("T09:00:00+02:00"));
    // The stocktake starts in December 2029: its first run, not the next 31 December.
    assert!(
        lines[12].contains("2029-12-31T18:00:00+01:00"),
        "{}",
        lines[12]
    );
}

#[test]
fn dst_lists_the_scheduled_minutes_that_clock_changes_skip_or_repeat() {
    // Of the shop's tasks, only the 02:30 Berlin backup meets a change: the EU moves clocks
    // on the last Sundays of March (28 March 2027) and October (31 October 2027).
    let (ok, stdout, stderr) = shop(&["dst", "--after", "2026-11-30T00:00:00Z"]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout,
        "database-backup  Europe/Berlin  2027-03-28 02:30 skipped (clocks go forward)\n\
         database-backup  Europe/Berlin  2027-10-31 02:30 runs once (clocks go back)\n"
    );
}

//! `run`, the binary's default command outside Lambda: it starts the runner, and Ctrl-C (SIGINT)
//! stops it cleanly. What the runner does over days of schedules is tested on a paused clock in
//! `tests/aws/tests/runner.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn run_is_the_default_and_stops_cleanly_on_ctrl_c() {
    let dir = std::env::temp_dir().join(format!("shop-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_example-shop"))
        .args(["--env", "production"])
        .current_dir(&dir)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Once it has started, interrupt it as Ctrl-C would.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    while !log.contains("runner started") {
        assert!(stderr.read_line(&mut log).unwrap() > 0, "it exited: {log}");
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let started = Instant::now();
    stderr.read_to_string(&mut log).unwrap();
    let status = child.wait().unwrap();
    let stderr = log;
    assert!(status.success(), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(10), "{stderr}");
    for expected in [
        // Every task but review-request, which runs only when deferred.
        "runner started environment=production tasks=11",
        "runner stopping",
        // (A run may have started if the test straddled a quarter hour; the counts vary.)
        "runner stopped succeeded=",
    ] {
        assert!(stderr.contains(expected), "`{expected}` not in:\n{stderr}");
    }
}

fn shop(args: &[&str]) -> (bool, String, String) {
    shop_command(args, Command::new(env!("CARGO_BIN_EXE_example-shop")))
}

/// The shop binary with its data in `data`.
fn shop_with_data(args: &[&str], data: &std::path::Path) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_example-shop"));
    command.env("SHOP_DATA_DIR", data);
    shop_command(args, command)
}

fn shop_command(args: &[&str], mut command: Command) -> (bool, String, String) {
    let out = command
        .args(args)
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn invoke_runs_the_event_scheduler_would_send_and_names_mistakes() {
    let (ok, stdout, stderr) = shop(&[
        "invoke",
        "daily-sales-report",
        "--at",
        "2026-11-27T05:00:00Z",
    ]);
    assert!(ok, "{stderr}");
    let outcome: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    // The declared input reached the task: the report is the daily sales PDF of that day.
    assert_eq!(
        outcome,
        serde_json::json!({"status": "succeeded", "task": "daily-sales-report",
            "scheduled_time": "2026-11-27T05:00:00Z",
            "result": {"file": "daily_sales-2026-11-27.pdf"}})
    );
    let (ok, stdout, stderr) = shop(&[
        "invoke",
        "daily-sales-report",
        "--at",
        "2026-11-27T05:00:00Z",
        "--input",
        r#"{"report_type": "weekly_sales", "format": "csv"}"#,
    ]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains(r#""file": "weekly_sales-2026-11-27.csv""#),
        "{stdout}"
    );

    let (ok, _, stderr) = shop(&["invoke", "daily-salse-report"]);
    assert!(!ok);
    assert!(
        stderr.contains("no task named `daily-salse-report`; the tasks are: daily-sales-report,"),
        "{stderr}"
    );
    let (ok, _, stderr) = shop(&["invoke", "weekly-digest", "--input", "{x"]);
    assert!(!ok);
    assert!(stderr.contains("--input is not valid JSON"), "{stderr}");
}

#[test]
fn replay_runs_dead_letters_again_and_keeps_only_those_that_fail_again() {
    let state = std::env::temp_dir().join(format!("shop-replay-{}", std::process::id()));
    std::fs::create_dir_all(&state).unwrap();
    let path = state.join("dead-letters.jsonl");
    let letter = |day: &str, input: serde_json::Value| {
        let scheduled = format!("2026-11-{day}T05:00:00Z");
        serde_json::json!({
            "task": "daily-sales-report",
            "event": {"task": "daily-sales-report", "scheduled_time": scheduled,
                      "execution_id": "ad06616e51cdf74a", "attempt": "1", "input": input},
            "error": "the API answered 503", "error_type": "TaskFailed", "attempts": 3,
            "scheduled_time": scheduled, "failed_at": "2026-11-28T05:03:00Z"
        })
        .to_string()
    };
    let good = letter(
        "27",
        serde_json::json!({"report_type": "daily_sales", "format": "pdf"}),
    );
    // An input the task cannot decode: it fails again. (Another day: the 27th's occurrence,
    // once succeeded, would be a duplicate of an idempotent task.)
    let bad = letter("28", serde_json::json!({"format": "pdf"}));
    std::fs::write(&path, format!("{good}\n{bad}\n")).unwrap();

    let (ok, stdout, stderr) = shop(&["replay", "--state-dir", state.to_str().unwrap()]);
    assert!(!ok, "{stdout}{stderr}");
    assert!(
        stdout.contains("replayed daily-sales-report 2026-11-27T05:00:00Z: succeeded"),
        "{stdout}"
    );
    assert!(
        stdout.contains("failed again: [InvalidTaskInput]"),
        "{stdout}"
    );
    assert!(stderr.contains("1 occurrence(s) failed again"), "{stderr}");
    let left = std::fs::read_to_string(&path).unwrap();
    assert_eq!(left.lines().count(), 1);
    assert!(left.contains(r#""input":{"format":"pdf"}"#), "{left}");

    // Once the input is fixed by hand, the next replay empties the file away.
    std::fs::write(&path, format!("{good}\n")).unwrap();
    let (ok, stdout, stderr) = shop(&["replay", "--state-dir", state.to_str().unwrap()]);
    assert!(ok, "{stdout}{stderr}");
    assert!(!path.exists());
}

#[test]
fn next_prints_fire_times_and_notes_the_clock_changes_between_them() {
    // Over 220 days from any date, Berlin changes its clocks at least once, and the backup at
    // 02:30 meets the change: skipped in March, run once in October.
    let (ok, stdout, stderr) = shop(&["next", "database-backup", "-n", "220"]);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 220, "{stdout}");
    assert!(lines.iter().all(|l| l.contains("T02:30:00+0")), "{stdout}");
    let notes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("note: ")).collect();
    assert!(!notes.is_empty(), "{stderr}");
    for note in notes {
        assert!(
            note.ends_with(" 02:30 skipped (clocks go forward)")
                || note.ends_with(" 02:30 runs once (clocks go back)"),
            "{note}"
        );
    }
    // A task in UTC meets no change.
    let (ok, _, stderr) = shop(&["next", "inventory-sync", "-n", "5000"]);
    assert!(ok && !stderr.contains("note:"), "{stderr}");
}

/// `status` and `history` as an operator runs them, on a state directory as the runner and
/// `invoke` leave it: `inventory-sync` fired by its schedule at 01:05, 02:05 and 04:05 two days
/// ago (03:05 never came), one of its occurrences of a week before run by `invoke`, and a
/// report run with a wrong input. Days relative to today, so that the retention window and
/// `-n` hold them on any date.
#[tokio::test]
async fn status_and_history_show_what_ran_what_failed_and_what_was_missed() {
    use schedule_runtime::core::jiff::{SignedDuration, Timestamp};

    let state = std::env::temp_dir().join(format!("shop-ledger-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    std::fs::create_dir_all(&state).unwrap();
    let day = (Timestamp::now() - SignedDuration::from_hours(48))
        .strftime("%Y-%m-%d")
        .to_string();
    let week_before = (Timestamp::now() - SignedDuration::from_hours(9 * 24))
        .strftime("%Y-%m-%d")
        .to_string();
    // What the runner records when the schedule fires: a start by schedule, then the outcome.
    support::record_runs_by_schedule(&state, "inventory-sync", &day, &["01:05", "02:05", "04:05"])
        .await;
    let state = state.to_str().unwrap();
    // An operator's run of an occurrence from before: it does not start the watch earlier.
    let (ok, _, stderr) = shop(&[
        "invoke",
        "inventory-sync",
        "--at",
        &format!("{week_before}T01:05:00Z"),
        "--state-dir",
        state,
    ]);
    assert!(ok, "{stderr}");
    let report_time = format!("{day}T05:00:00Z");
    let (ok, _, _) = shop(&[
        "invoke",
        "daily-sales-report",
        "--at",
        &report_time,
        "--input",
        r#"{"report_type": "daily_sales"}"#,
        "--state-dir",
        state,
    ]);
    assert!(!ok, "a wrong input fails");

    // The occurrences after 04:05 that are missed by `at`: each hour's :05 from 05:05 on,
    // once it is later than its max_age (30 minutes) and the rule's five minutes' grace.
    let first_unrun: Timestamp = format!("{day}T05:05:00Z").parse().unwrap();
    let missed_by = |at: Timestamp| -> usize {
        let late = at - first_unrun - SignedDuration::from_mins(35);
        if late.is_negative() {
            0
        } else {
            usize::try_from(late.as_secs() / 3_600).unwrap() + 1
        }
    };
    let before_history = Timestamp::now();
    let (ok, stdout, stderr) = shop(&[
        "history",
        "inventory-sync",
        "-n",
        "1000",
        "--json",
        "--state-dir",
        state,
    ]);
    let after_history = Timestamp::now();
    assert!(ok, "{stderr}");
    let records: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let rows: Vec<(&str, &str)> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["scheduled_time"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
            )
        })
        .collect();
    // inventory-sync may arrive 30 minutes late (its max_age) plus five minutes' grace: 03:05
    // is long past that, and the rule counts from the first occurrence its schedule delivered,
    // 01:05, not from the older one `invoke` ran. (Every hour since 04:05 is missed too: the
    // oldest five rows are the days in question.)
    let newer = &rows[..rows.len() - 5];
    assert!(
        (missed_by(before_history)..=missed_by(after_history)).contains(&newer.len()),
        "{} missed after 04:05: {rows:?}",
        newer.len()
    );
    // Newest first: the k-th from the end is 05:05 plus k hours.
    for (k, (at, status)) in newer.iter().rev().enumerate() {
        let hours = i64::try_from(k).unwrap();
        let expected = first_unrun + SignedDuration::from_hours(hours);
        assert_eq!(
            (at.parse::<Timestamp>().unwrap(), *status),
            (expected, "missed"),
            "{rows:?}"
        );
    }
    let time = |day: &str, at: &str| format!("{day}T{at}:00Z");
    let oldest: Vec<(String, &str)> = rows[rows.len() - 5..]
        .iter()
        .map(|(t, s)| ((*t).to_owned(), *s))
        .collect();
    assert_eq!(
        oldest,
        [
            (time(&day, "04:05"), "succeeded"),
            (time(&day, "03:05"), "missed"),
            (time(&day, "02:05"), "succeeded"),
            (time(&day, "01:05"), "succeeded"),
            (time(&week_before, "01:05"), "succeeded"),
        ]
    );

    let (ok, stdout, stderr) = shop(&["history", "daily-sales-report", "--state-dir", state]);
    assert!(ok, "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("SCHEDULED"), "{stdout}");
    // The task's zone (Moscow, UTC+3) and UTC; past its hour of max_age no retry comes, so
    // the failure is final; the error without the task's name again, cut to 80 characters.
    assert!(
        lines[1].starts_with(&format!(
            "{day}T08:00:00+03:00  {day}T05:00:00+00:00  dead_lettered  1"
        )),
        "{stdout}"
    );
    assert!(
        lines[1].ends_with(
            "InvalidTaskInput: the input does not decode as `example_shop::ReportRequest`: missing field `form…"
        ),
        "{stdout}"
    );

    let before_status = Timestamp::now();
    let (ok, stdout, stderr) = shop(&["status", "--json", "--state-dir", state]);
    let after_status = Timestamp::now();
    assert!(ok, "{stderr}");
    let statuses: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let of = |task: &str| {
        statuses
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["task"] == task)
            .unwrap()
            .clone()
    };
    let sync = of("inventory-sync");
    assert_eq!(sync["enabled"], true);
    assert_eq!(sync["last_run"]["scheduled_time"], time(&day, "04:05"));
    assert_eq!(sync["last_success"], time(&day, "04:05"));
    // Missed since then too: 03:05, and every hour from 05:05 that day to now.
    let missed = usize::try_from(sync["missed"].as_u64().unwrap()).unwrap();
    assert!(
        (1 + missed_by(before_status)..=1 + missed_by(after_status)).contains(&missed),
        "{sync}"
    );
    let report = of("daily-sales-report");
    assert_eq!(report["enabled"], false, "production only");
    assert_eq!(report["last_run"]["status"], "failed");
    assert_eq!(report["missed"], 0, "not counted where it is not enabled");

    let (ok, stdout, _) = shop(&["status", "--state-dir", state]);
    assert!(ok);
    assert!(stdout.starts_with("TASK "), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "no colour off a terminal");

    // Mistakes are named.
    let (ok, _, stderr) = shop(&["history", "inventory-snyc", "--state-dir", state]);
    assert!(
        !ok && stderr.contains("no task named `inventory-snyc`"),
        "{stderr}"
    );
    let empty = format!("{state}-empty");
    let (ok, _, stderr) = shop(&["status", "--state-dir", &empty]);
    assert!(
        !ok && stderr.contains("nothing has run here yet"),
        "{stderr}"
    );
}

/// `backfill` runs what was due in an interval, each occurrence with its own scheduled time,
/// in the task's zone with its DST rules; an idempotent task's completed occurrences are not
/// run again; a large backfill wants confirmation.
#[test]
fn backfill_runs_the_due_occurrences_once() {
    let state = std::env::temp_dir().join(format!("shop-backfill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let state = state.to_str().unwrap();

    // 02:30 Berlin does not exist on 29 March 2026 (clocks go forward at 02:00): that night
    // has no backup; the offset changes from +01:00 to +02:00.
    let (ok, stdout, stderr) = shop(&[
        "backfill",
        "database-backup",
        "--from",
        "2026-03-27T00:00:00Z",
        "--to",
        "2026-04-01T00:00:00Z",
        "--dry-run",
        "--state-dir",
        state,
    ]);
    assert!(ok, "{stderr}");
    assert_eq!(
        stdout,
        "2026-03-27T02:30:00+01:00 (2026-03-27T01:30:00+00:00)\n\
         2026-03-28T02:30:00+01:00 (2026-03-28T01:30:00+00:00)\n\
         2026-03-30T02:30:00+02:00 (2026-03-30T00:30:00+00:00)\n\
         2026-03-31T02:30:00+02:00 (2026-03-31T00:30:00+00:00)\n\
         4 occurrence(s) of `database-backup` would be run here (dry run: nothing was)\n"
    );

    let sync = |state: &str| {
        shop(&[
            "backfill",
            "inventory-sync",
            "--from",
            "2026-11-29T01:00:00Z",
            "--to",
            "2026-11-29T04:00:00Z",
            "--concurrency",
            "2",
            "--state-dir",
            state,
        ])
    };
    let (ok, stdout, stderr) = sync(state);
    assert!(ok, "{stderr}");
    assert!(
        stdout.ends_with(
            "2026-11-29T01:05:00+00:00 (2026-11-29T01:05:00+00:00) succeeded\n\
             2026-11-29T02:05:00+00:00 (2026-11-29T02:05:00+00:00) succeeded\n\
             2026-11-29T03:05:00+00:00 (2026-11-29T03:05:00+00:00) succeeded\n\
             3 occurrence(s) of `inventory-sync`: 3 succeeded, 0 already done, 0 skipped, 0 failed\n"
        ),
        "{stdout}"
    );
    let (ok, stdout, stderr) = sync(state);
    assert!(ok, "{stderr}");
    assert!(stdout.contains(": 0 succeeded, 3 already done"), "{stdout}");
    // Each occurrence is in the ledger under its own scheduled time, run once.
    let (ok, stdout, _) = shop(&[
        "history",
        "inventory-sync",
        "--json",
        "-n",
        "1000",
        "--state-dir",
        state,
    ]);
    assert!(ok);
    let records: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let ran: Vec<(&str, u64, u64)> = records
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "succeeded")
        .map(|r| {
            (
                r["scheduled_time"].as_str().unwrap(),
                r["deliveries"].as_u64().unwrap(),
                r["duplicates"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        ran,
        [
            ("2026-11-29T03:05:00Z", 1, 1),
            ("2026-11-29T02:05:00Z", 1, 1),
            ("2026-11-29T01:05:00Z", 1, 1),
        ]
    );

    // 180 occurrences, no terminal to ask on, no --yes: nothing runs.
    let (ok, stdout, stderr) = shop(&[
        "backfill",
        "deferred-emails",
        "--from",
        "2026-11-29T01:00:00Z",
        "--to",
        "2026-11-29T04:00:00Z",
        "--state-dir",
        state,
    ]);
    assert!(!ok && stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("not confirmed: 180 occurrences of `deferred-emails`; pass --yes"),
        "{stderr}"
    );
}

#[test]
fn a_task_run_here_defers_into_the_state_directory_and_list_shows_the_waiting_runs() {
    let root = std::env::temp_dir().join(format!("shop-defer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (state, data) = (root.join("state"), root.join("data"));
    let state_dir = state.to_str().unwrap();

    // The feed's two sample shipments: two review requests, three days out.
    let (ok, stdout, stderr) = shop_with_data(
        &["invoke", "shipment-feed", "--state-dir", state_dir],
        &data,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("\"result\": 2"), "{stdout}");
    // The same order shipped again (a repeated confirmation): nothing new waits.
    std::fs::write(
        data.join("shipments.json"),
        r#"[{"order": 1001, "email": "ada@example.com"}]"#,
    )
    .unwrap();
    let (ok, _, stderr) = shop_with_data(
        &["invoke", "shipment-feed", "--state-dir", state_dir],
        &data,
    );
    assert!(ok, "{stderr}");

    let (ok, stdout, stderr) = shop_with_data(&["list", "--state-dir", state_dir], &data);
    assert!(ok, "{stderr}");
    let waiting = stdout
        .split_once("Deferred runs waiting in ")
        .unwrap_or_else(|| panic!("{stdout}"))
        .1;
    let rows: Vec<Vec<&str>> = waiting
        .lines()
        .skip(2)
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "{waiting}");
    for (row, key) in rows.iter().zip(["order-1001", "order-1002"]) {
        assert_eq!(row[..2], ["review-request", key], "{waiting}");
        // Berlin's December offset, then the same instant in UTC, an hour earlier.
        assert!(row[2].ends_with("+01:00"), "{waiting}");
        assert!(row[3].ends_with("+00:00"), "{waiting}");
    }

    // A task that runs only when deferred is invoked like any other.
    let (ok, stdout, stderr) = shop_with_data(
        &[
            "invoke",
            "review-request",
            "--input",
            r#"{"order": 5, "email": "lin@example.com"}"#,
            "--state-dir",
            state_dir,
        ],
        &data,
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("\"status\": \"succeeded\""), "{stdout}");
    let mail = std::fs::read_to_string(data.join("sent-mail.log")).unwrap();
    assert!(
        mail.ends_with("to lin@example.com: How was your order #5?\n"),
        "{mail}"
    );
}

//! The `next` contract for expressions (contract 2 of `docs/contracts.md`), run through the
//! application's compiled binary.

use std::process::{Command, Output};

fn next(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_example-shop"))
        .arg("next")
        .args(args)
        .output()
        .expect("the shop's binary runs")
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn prints_fire_times_in_the_zones_offset() {
    let out = next(&[
        "cron(15 10 ? * 6L 2026-2027)",
        "--tz",
        "Europe/London",
        "--after",
        "2026-03-01T00:00:00Z",
        "-n",
        "3",
    ]);
    assert!(out.status.success(), "{out:?}");
    // Last Fridays: March in GMT, April and May in BST.
    assert_eq!(
        stdout_lines(&out),
        [
            "2026-03-27T10:15:00+00:00",
            "2026-04-24T10:15:00+01:00",
            "2026-05-29T10:15:00+01:00"
        ]
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn repeated_local_time_fires_once_with_the_first_offset() {
    let out = next(&[
        "cron(30 1 * * ? *)",
        "--tz",
        "America/Los_Angeles",
        "--after",
        "2026-10-30T12:00:00Z",
        "-n",
        "3",
    ]);
    assert_eq!(
        stdout_lines(&out),
        [
            "2026-10-31T01:30:00-07:00",
            "2026-11-01T01:30:00-07:00",
            "2026-11-02T01:30:00-08:00"
        ]
    );
}

#[test]
fn defaults_to_utc_and_five_times() {
    let out = next(&["rate(1 hour)", "--after", "2026-11-26T10:30:00+01:00"]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        stdout_lines(&out),
        [
            "2026-11-26T10:30:00+00:00",
            "2026-11-26T11:30:00+00:00",
            "2026-11-26T12:30:00+00:00",
            "2026-11-26T13:30:00+00:00",
            "2026-11-26T14:30:00+00:00"
        ]
    );
}

#[test]
fn one_time_schedule_prints_one_line_or_none() {
    let ahead = next(&[
        "at(2026-12-01T09:00:00)",
        "--tz",
        "Europe/Berlin",
        "--after",
        "2026-11-26T00:00:00Z",
    ]);
    assert_eq!(stdout_lines(&ahead), ["2026-12-01T09:00:00+01:00"]);
    let past = next(&["at(2026-12-01T09:00:00)", "--after", "2027-01-01T00:00:00Z"]);
    assert!(past.status.success());
    assert!(past.stdout.is_empty());
}

#[test]
fn invalid_expression_exits_non_zero_with_the_parsers_message() {
    let out = next(&["cron(0 9 ? * 0 *)"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr,
        "error: 0 is out of range for day-of-week, which takes 1-7 or SUN-SAT (1 is Sunday) and `, - * ? L #`\n  \
         cron(0 9 ? * 0 *)\n               ^\n"
    );
}

#[test]
fn invalid_zone_and_instant_are_explained() {
    let zone = next(&["cron(0 8 * * ? *)", "--tz", "Europe/Londn"]);
    assert_eq!(zone.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&zone.stderr),
        "error: unknown time zone `Europe/Londn`; did you mean `Europe/London`?\n"
    );
    let after = next(&["cron(0 8 * * ? *)", "--after", "2026-11-26"]);
    assert_eq!(after.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&after.stderr).contains("expected an RFC 3339 instant"));
}

#[test]
fn never_firing_schedule_prints_nothing() {
    let out = next(&["cron(0 0 30 2 ? *)", "-n", "3"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

//! Fire times from AWS's documented examples and rules, worked out by hand from a calendar and
//! the IANA rules of each zone, then cross-checked against the brute-force reference.

mod common;

use common::{brute_force, ts, zone};
use schedule_core::Schedule;

/// Checks the first fire times of `expression` in `tz` after `after`. When `expected` is
/// shorter than `count`, the schedule must stop firing after the listed times.
#[track_caller]
fn check(expression: &str, tz: &str, after: &str, expected: &[&str]) {
    let schedule: Schedule = expression
        .parse()
        .unwrap_or_else(|e| panic!("{expression}: {e}"));
    let tz = zone(tz);
    let got: Vec<String> = schedule
        .fire_times(ts(after), &tz)
        .take(expected.len() + 1)
        .map(|t| t.to_string())
        .collect();
    let expected: Vec<String> = expected.iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(
        got[..expected.len().min(got.len())],
        expected[..],
        "{expression} after {after}"
    );
    // Cross-check the listed window against the minute-by-minute reference.
    // The reference walks every minute, so keep it to windows of about a year.
    let last = expected.last().map(|t| ts(t));
    let short = last.is_some_and(|l| l.duration_since(ts(after)).as_hours() < 24 * 400);
    if expression.starts_with("cron(") && short {
        let last = last.expect("non-empty");
        let reference: Vec<String> = brute_force(
            expression,
            &tz,
            ts(after),
            last.checked_add(jiff::SignedDuration::from_secs(1))
                .expect("in range"),
        )
        .into_iter()
        .map(|t| t.to_string())
        .collect();
        assert_eq!(reference, expected, "reference disagrees for {expression}");
    }
}

/// Checks that the schedule fires exactly `expected` and then never again.
#[track_caller]
fn check_ends(expression: &str, tz: &str, after: &str, expected: &[&str]) {
    let schedule: Schedule = expression.parse().expect("valid");
    let got: Vec<String> = schedule
        .fire_times(ts(after), &zone(tz))
        .take(expected.len() + 5)
        .map(|t| t.to_string())
        .collect();
    assert_eq!(got, expected, "{expression} after {after}");
}

#[test]
fn aws_documented_examples_in_utc() {
    // 2026-11-26 is a Thursday.
    check(
        "cron(0 8 * * ? *)",
        "UTC",
        "2026-11-26T12:00:00Z",
        &["2026-11-27T08:00:00Z", "2026-11-28T08:00:00Z"],
    );
    check(
        "cron(0 18 ? * MON-FRI *)",
        "UTC",
        "2026-11-27T19:00:00Z",
        &["2026-11-30T18:00:00Z", "2026-12-01T18:00:00Z"],
    );
    check(
        "cron(0/15 * * * ? *)",
        "UTC",
        "2026-11-26T10:07:00Z",
        &[
            "2026-11-26T10:15:00Z",
            "2026-11-26T10:30:00Z",
            "2026-11-26T10:45:00Z",
            "2026-11-26T11:00:00Z",
        ],
    );
    check(
        "cron(0 8 1 * ? *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &["2026-12-01T08:00:00Z", "2027-01-01T08:00:00Z"],
    );
    // First Monday: December 2026 starts on a Tuesday, January 2027 on a Friday.
    check(
        "cron(0 9 ? * 2#1 *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &["2026-12-07T09:00:00Z", "2027-01-04T09:00:00Z"],
    );
    check(
        "cron(0 12 L * ? *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &[
            "2026-11-30T12:00:00Z",
            "2026-12-31T12:00:00Z",
            "2027-01-31T12:00:00Z",
            "2027-02-28T12:00:00Z",
        ],
    );
    // The 15th of November 2026 is a Sunday, so the nearest weekday is Monday the 16th.
    check(
        "cron(0 12 15W * ? *)",
        "UTC",
        "2026-11-01T00:00:00Z",
        &["2026-11-16T12:00:00Z", "2026-12-15T12:00:00Z"],
    );
    // The scheduler guide's own example, with its years moved: last Friday of each month.
    check(
        "cron(15 10 ? * 6L 2022-2023)",
        "UTC",
        "2023-10-01T00:00:00Z",
        &[
            "2023-10-27T10:15:00Z",
            "2023-11-24T10:15:00Z",
            "2023-12-29T10:15:00Z",
        ],
    );
    check_ends(
        "cron(15 10 ? * 6L 2022-2023)",
        "UTC",
        "2023-12-01T00:00:00Z",
        &["2023-12-29T10:15:00Z"],
    );
}

#[test]
fn special_day_characters() {
    // Saturday 1 August 2026: `1W` moves forward to Monday the 3rd, not back into July.
    check(
        "cron(0 12 1W * ? *)",
        "UTC",
        "2026-07-31T00:00:00Z",
        &["2026-08-03T12:00:00Z"],
    );
    // Saturday 15 August 2026: back to Friday the 14th.
    check(
        "cron(0 12 15W * ? *)",
        "UTC",
        "2026-08-01T00:00:00Z",
        &["2026-08-14T12:00:00Z"],
    );
    // Sunday 31 January 2027: back to Friday the 29th, not forward into February.
    check(
        "cron(0 12 31W * ? *)",
        "UTC",
        "2027-01-01T00:00:00Z",
        &["2027-01-29T12:00:00Z", "2027-03-31T12:00:00Z"],
    );
    // `30W` has no day 30 in February: March 30th 2027 is a Tuesday.
    check(
        "cron(0 0 30W * ? *)",
        "UTC",
        "2027-02-01T00:00:00Z",
        &["2027-03-30T00:00:00Z"],
    );
    // Last weekday: Saturday 31 October 2026 -> Friday 30th; Sunday 31 January 2027 -> Friday 29th.
    check(
        "cron(0 17 LW * ? *)",
        "UTC",
        "2026-10-01T00:00:00Z",
        &[
            "2026-10-30T17:00:00Z",
            "2026-11-30T17:00:00Z",
            "2026-12-31T17:00:00Z",
            "2027-01-29T17:00:00Z",
        ],
    );
    // `L` alone in day-of-week is Saturday, every week.
    check(
        "cron(0 0 ? * L *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &["2026-11-28T00:00:00Z", "2026-12-05T00:00:00Z"],
    );
    // Fifth Tuesday: December 2026 and March 2027 have one; January and February 2027 do not.
    check(
        "cron(0 9 ? * 3#5 *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &["2026-12-29T09:00:00Z", "2027-03-30T09:00:00Z"],
    );
    check(
        "cron(0 9 ? * TUE#5 *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &["2026-12-29T09:00:00Z", "2027-03-30T09:00:00Z"],
    );
    // Last Sunday of the month, named.
    check(
        "cron(0 3 ? * SUNL *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &["2026-11-29T03:00:00Z", "2026-12-27T03:00:00Z"],
    );
    // Weekday lists and wrap-around weekday ranges.
    check(
        "cron(0 9 ? * FRI-MON *)",
        "UTC",
        "2026-11-26T10:00:00Z",
        &[
            "2026-11-27T09:00:00Z",
            "2026-11-28T09:00:00Z",
            "2026-11-29T09:00:00Z",
            "2026-11-30T09:00:00Z",
            "2026-12-04T09:00:00Z",
        ],
    );
    check(
        "cron(0 9 ? * 1,7 *)",
        "UTC",
        "2026-11-26T10:00:00Z",
        &[
            "2026-11-28T09:00:00Z",
            "2026-11-29T09:00:00Z",
            "2026-12-05T09:00:00Z",
        ],
    );
}

#[test]
fn ranges_steps_and_wrap_around() {
    // The rules guide: hours 20-2 on weekdays includes Monday 00:00-02:00.
    check(
        "cron(0 20-2 ? * MON-FRI *)",
        "UTC",
        "2026-11-29T12:00:00Z",
        &[
            "2026-11-30T00:00:00Z",
            "2026-11-30T01:00:00Z",
            "2026-11-30T02:00:00Z",
            "2026-11-30T20:00:00Z",
        ],
    );
    check(
        "cron(0-15/1 8 * * ? *)",
        "UTC",
        "2026-11-26T08:14:00Z",
        &["2026-11-26T08:15:00Z", "2026-11-27T08:00:00Z"],
    );
    check(
        "cron(0 0 1-31/30 * ? *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &[
            "2026-12-01T00:00:00Z",
            "2026-12-31T00:00:00Z",
            "2027-01-01T00:00:00Z",
        ],
    );
    check(
        "cron(5/20 * * * ? *)",
        "UTC",
        "2026-11-26T10:00:00Z",
        &[
            "2026-11-26T10:05:00Z",
            "2026-11-26T10:25:00Z",
            "2026-11-26T10:45:00Z",
            "2026-11-26T11:05:00Z",
        ],
    );
    check(
        "cron(50-10/10 * * * ? *)",
        "UTC",
        "2026-11-26T10:00:00Z",
        &[
            "2026-11-26T10:10:00Z",
            "2026-11-26T10:50:00Z",
            "2026-11-26T11:00:00Z",
        ],
    );
    check(
        "cron(0 0 1 */4 ? *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &[
            "2027-01-01T00:00:00Z",
            "2027-05-01T00:00:00Z",
            "2027-09-01T00:00:00Z",
        ],
    );
    check(
        "cron(0 0 1 NOV-FEB ? *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &[
            "2026-12-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            "2027-02-01T00:00:00Z",
            "2027-11-01T00:00:00Z",
        ],
    );
    check(
        "cron(0 0 1 1 ? 2030/5)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &["2030-01-01T00:00:00Z", "2035-01-01T00:00:00Z"],
    );
    check(
        "cron(59 23 31 12 ? *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &["2026-12-31T23:59:00Z", "2027-12-31T23:59:00Z"],
    );
    check(
        "cron(* * * * ? *)",
        "UTC",
        "2026-11-26T23:58:30Z",
        &["2026-11-26T23:59:00Z", "2026-11-27T00:00:00Z"],
    );
}

#[test]
fn after_is_exclusive_and_seconds_are_respected() {
    check(
        "cron(0 8 * * ? *)",
        "UTC",
        "2026-11-27T08:00:00Z",
        &["2026-11-28T08:00:00Z"],
    );
    check(
        "cron(0 8 * * ? *)",
        "UTC",
        "2026-11-27T07:59:59.999Z",
        &["2026-11-27T08:00:00Z"],
    );
    check(
        "cron(0 8 * * ? *)",
        "UTC",
        "2026-11-27T08:00:00.001Z",
        &["2026-11-28T08:00:00Z"],
    );
}

#[test]
fn schedules_that_stop_firing_end_promptly() {
    check_ends("cron(0 0 30 2 ? *)", "UTC", "1970-01-01T00:00:00Z", &[]);
    check_ends(
        "cron(0 0 31 4,6,9,11 ? *)",
        "Europe/London",
        "2026-01-01T00:00:00Z",
        &[],
    );
    check_ends("cron(0 0 1 1 ? 2020)", "UTC", "2026-11-26T00:00:00Z", &[]);
    check_ends(
        "cron(0 0 ? 2 1#5 2026-2027)",
        "UTC",
        "2026-01-01T00:00:00Z",
        &[],
    );
    check_ends(
        "cron(59 23 31 12 ? 2199)",
        "UTC",
        "2199-01-01T00:00:00Z",
        &["2199-12-31T23:59:00Z"],
    );
    // Leap days only: 2028 is the next leap year, 2100 is not one.
    check(
        "cron(0 0 29 2 ? *)",
        "UTC",
        "2026-11-26T00:00:00Z",
        &["2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"],
    );
    check_ends(
        "cron(0 0 29 2 ? 2097-2103)",
        "UTC",
        "2096-03-01T00:00:00Z",
        &[],
    );
    // After the last representable year there is nothing to find.
    check_ends("cron(* * * * ? *)", "UTC", "2200-01-01T00:00:00Z", &[]);
}

#[test]
fn spring_forward_skips_the_missing_local_time() {
    // Los Angeles springs forward at 02:00 on Sunday 8 March 2026: 02:30 does not exist that day.
    check(
        "cron(30 2 * * ? *)",
        "America/Los_Angeles",
        "2026-03-06T00:00:00Z",
        &[
            "2026-03-06T10:30:00Z",
            "2026-03-07T10:30:00Z",
            "2026-03-09T09:30:00Z",
        ],
    );
    // A half-hourly schedule loses its two gap slots, with no pause in absolute time.
    check(
        "cron(0/30 * * * ? *)",
        "America/Los_Angeles",
        "2026-03-08T09:15:00Z",
        &[
            "2026-03-08T09:30:00Z",
            "2026-03-08T10:00:00Z",
            "2026-03-08T10:30:00Z",
        ],
    );
    // London: 01:00 GMT -> 02:00 BST on Sunday 29 March 2026.
    check(
        "cron(30 1 * * ? *)",
        "Europe/London",
        "2026-03-27T12:00:00Z",
        &["2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z"],
    );
    // Lord Howe Island moves by thirty minutes: 02:00 -> 02:30 (+10:30 -> +11:00) on Sunday
    // 4 October 2026, so 02:15 is skipped that day.
    check(
        "cron(15 2 * * ? *)",
        "Australia/Lord_Howe",
        "2026-10-02T00:00:00Z",
        &["2026-10-02T15:45:00Z", "2026-10-04T15:15:00Z"],
    );
}

#[test]
fn fall_back_fires_once_at_the_first_occurrence() {
    // Los Angeles falls back from 02:00 PDT to 01:00 PST on Sunday 1 November 2026.
    check(
        "cron(30 1 * * ? *)",
        "America/Los_Angeles",
        "2026-10-30T12:00:00Z",
        &[
            "2026-10-31T08:30:00Z",
            "2026-11-01T08:30:00Z",
            "2026-11-02T09:30:00Z",
        ],
    );
    // A half-hourly schedule is silent for the repeated hour.
    check(
        "cron(0/30 * * * ? *)",
        "America/Los_Angeles",
        "2026-11-01T07:45:00Z",
        &[
            "2026-11-01T08:00:00Z",
            "2026-11-01T08:30:00Z",
            "2026-11-01T10:00:00Z",
            "2026-11-01T10:30:00Z",
        ],
    );
    // Starting inside the repeated hour: 01:30 already fired on the first pass.
    check(
        "cron(30 1 * * ? *)",
        "America/Los_Angeles",
        "2026-11-01T09:10:00Z",
        &["2026-11-02T09:30:00Z"],
    );
    // London: 02:00 BST -> 01:00 GMT on Sunday 25 October 2026.
    check(
        "cron(30 1 * * ? *)",
        "Europe/London",
        "2026-10-23T12:00:00Z",
        &[
            "2026-10-24T00:30:00Z",
            "2026-10-25T00:30:00Z",
            "2026-10-26T01:30:00Z",
        ],
    );
    // The guide's example time, 02:30, is not repeated in Los Angeles: it fires once as usual.
    check(
        "cron(30 2 * * ? *)",
        "America/Los_Angeles",
        "2026-10-31T12:00:00Z",
        &["2026-11-01T10:30:00Z", "2026-11-02T10:30:00Z"],
    );
}

#[test]
fn zones_without_dst_and_with_odd_offsets() {
    // Moscow has been UTC+3 all year since 2014.
    check(
        "cron(0 8 * * ? *)",
        "Europe/Moscow",
        "2026-06-30T12:00:00Z",
        &["2026-07-01T05:00:00Z"],
    );
    check(
        "cron(0 8 * * ? *)",
        "Europe/Moscow",
        "2026-12-30T12:00:00Z",
        &["2026-12-31T05:00:00Z"],
    );
    check(
        "cron(0 9 * * ? *)",
        "Asia/Kolkata",
        "2026-11-26T00:00:00Z",
        &["2026-11-26T03:30:00Z"],
    );
    check(
        "cron(0 9 * * ? *)",
        "Asia/Kathmandu",
        "2026-11-26T00:00:00Z",
        &["2026-11-26T03:15:00Z"],
    );
    // The local date differs from the UTC date: 08:00 in Auckland (UTC+13 in summer) is the
    // previous day in UTC, so "first of the month" is the 30th or 31st in UTC.
    check(
        "cron(0 8 1 * ? *)",
        "Pacific/Auckland",
        "2026-11-26T00:00:00Z",
        &["2026-11-30T19:00:00Z"],
    );
}

#[test]
fn rate_counts_elapsed_time_from_after() {
    check(
        "rate(5 minutes)",
        "UTC",
        "2026-11-26T10:07:13Z",
        &["2026-11-26T10:12:13Z", "2026-11-26T10:17:13Z"],
    );
    // A day is 24 hours even across a DST change, and the zone is ignored.
    check(
        "rate(1 day)",
        "Europe/London",
        "2026-03-28T12:00:00Z",
        &["2026-03-29T12:00:00Z", "2026-03-30T12:00:00Z"],
    );
    check(
        "rate(2 hours)",
        "America/Los_Angeles",
        "2026-11-01T07:30:00Z",
        &["2026-11-01T09:30:00Z", "2026-11-01T11:30:00Z"],
    );
}

#[test]
fn rate_with_an_anchor_keeps_its_phase() {
    let rate = match "rate(15 minutes)".parse::<Schedule>().expect("valid") {
        Schedule::Rate(r) => r,
        other => panic!("not a rate: {other}"),
    };
    let start = ts("2026-11-26T10:05:00Z");
    assert_eq!(
        rate.next_after(start, ts("2026-11-26T09:00:00Z")),
        Some(start)
    );
    assert_eq!(
        rate.next_after(start, start),
        Some(ts("2026-11-26T10:20:00Z"))
    );
    assert_eq!(
        rate.next_after(start, ts("2026-11-26T11:00:00Z")),
        Some(ts("2026-11-26T11:05:00Z"))
    );
}

#[test]
fn at_fires_once_in_its_zone() {
    check_ends(
        "at(2026-12-01T09:00:00)",
        "Europe/London",
        "2026-11-26T00:00:00Z",
        &["2026-12-01T09:00:00Z"],
    );
    check_ends(
        "at(2026-07-01T09:00:00)",
        "Europe/London",
        "2026-06-01T00:00:00Z",
        &["2026-07-01T08:00:00Z"],
    );
    check_ends(
        "at(2022-11-20T13:00:00)",
        "America/Los_Angeles",
        "2022-11-01T00:00:00Z",
        &["2022-11-20T21:00:00Z"],
    );
    check_ends(
        "at(2026-12-01T09:00:00)",
        "UTC",
        "2026-12-01T09:00:00Z",
        &[],
    );
    // In the spring-forward gap: moved forward by the gap's length (02:30 PST -> 03:30 PDT).
    check_ends(
        "at(2026-03-08T02:30:00)",
        "America/Los_Angeles",
        "2026-03-01T00:00:00Z",
        &["2026-03-08T10:30:00Z"],
    );
    // In the repeated hour: the first occurrence (PDT).
    check_ends(
        "at(2026-11-01T01:30:00)",
        "America/Los_Angeles",
        "2026-10-01T00:00:00Z",
        &["2026-11-01T08:30:00Z"],
    );
}

//! How schedule-core, croner and cron treat AWS's two DST rules, side by side.
//!
//! `cargo run -p schedule-benchmarks --example dst_comparison` prints the first fire times of a
//! daily schedule across Los Angeles's 2026 transitions. AWS documents: the spring-forward day
//! skips a time that does not exist; the fall-back day fires a repeated time once.

use std::str::FromStr;

use chrono::TimeZone as _;
use croner::parser::{CronParser, Seconds, Year};
use schedule_core::jiff::Timestamp;
use schedule_core::{Schedule, time_zone};

fn main() {
    let zone = "America/Los_Angeles";
    let chrono_zone = chrono_tz::America::Los_Angeles;
    let croner_parser = CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .alternative_weekdays(true)
        .build();
    let cases = [
        (
            "spring forward, 02:30 daily",
            "30 2",
            "2026-03-06T20:00:00Z",
        ),
        ("fall back, 01:30 daily", "30 1", "2026-10-30T19:00:00Z"),
    ];
    let mut report = String::new();
    for (title, minute_hour, after) in cases {
        let ours = format!("cron({minute_hour} * * ? *)");
        let quartz = format!("0 {minute_hour} * * ? *");
        let after_ts: Timestamp = after.parse().expect("valid instant");
        let after_chrono = chrono_zone
            .timestamp_opt(after_ts.as_second(), 0)
            .single()
            .expect("valid");
        let tz = time_zone(zone).expect("known zone");

        let schedule: Schedule = ours.parse().expect("valid");
        let ours_times: Vec<String> = schedule
            .fire_times(after_ts, &tz)
            .take(3)
            .map(|t| {
                t.to_zoned_datetime(tz.clone())
                    .strftime("%m-%d %H:%M %Z")
                    .to_string()
            })
            .collect();
        let croner = croner_parser.parse(&quartz).expect("croner parses");
        let croner_times: Vec<String> = croner
            .iter_after(after_chrono)
            .take(3)
            .map(|t| t.format("%m-%d %H:%M %Z").to_string())
            .collect();
        let cron = cron::Schedule::from_str(&quartz).expect("cron parses");
        let cron_times: Vec<String> = cron
            .after(&after_chrono)
            .take(3)
            .map(|t| t.format("%m-%d %H:%M %Z").to_string())
            .collect();
        report.push_str(&format!(
            "{title} in {zone}\n  schedule-core {ours_times:?}\n  croner        {croner_times:?}\n  cron          {cron_times:?}\n"
        ));
    }
    #[allow(clippy::print_stdout)] // An example's whole job is to print.
    {
        print!("{report}");
    }
}

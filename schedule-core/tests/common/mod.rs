//! A brute-force reference for cron evaluation, written independently of the crate's search.
//!
//! It reads the expression's fields with the simplest possible code (no validation: inputs are
//! known to be valid), tests one local minute at a time against the documented meaning of each
//! character, and walks every UTC minute of a window. Slow and obviously right, which is what a
//! reference is for.

// Test support: a panic here is a test failure, which is what it should be.
#![allow(dead_code, clippy::unwrap_used)]

use jiff::civil::{Date, DateTime};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp};

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// The six fields of a valid `cron(...)` expression, upper-cased.
pub(crate) struct Oracle {
    fields: Vec<String>,
}

impl Oracle {
    pub(crate) fn new(expression: &str) -> Oracle {
        let body = expression
            .strip_prefix("cron(")
            .and_then(|b| b.strip_suffix(')'))
            .expect("a cron expression");
        Oracle {
            fields: body.split(' ').map(str::to_ascii_uppercase).collect(),
        }
    }

    /// Whether the wall-clock minute `dt` matches every field.
    pub(crate) fn matches(&self, dt: DateTime) -> bool {
        let f = &self.fields;
        dt.second() == 0
            && in_field(&f[0], dt.minute().into(), 0, 59, &[])
            && in_field(&f[1], dt.hour().into(), 0, 23, &[])
            && in_field(&f[3], dt.month().into(), 1, 12, &MONTHS)
            && in_field(&f[5], dt.year().into(), 1970, 2199, &[])
            && self.day_matches(dt.date())
    }

    fn day_matches(&self, date: Date) -> bool {
        let (dom, dow) = (&self.fields[2], &self.fields[4]);
        let day = i32::from(date.day());
        let len = i32::from(date.days_in_month());
        let weekday = i32::from(date.weekday().to_sunday_one_offset());
        let is_weekday = |d: i32| {
            let w = Date::new(date.year(), date.month(), d as i8)
                .unwrap()
                .weekday()
                .to_sunday_one_offset();
            (2..=6).contains(&w)
        };
        if dom == "?" {
            if dow == "L" {
                weekday == 7
            } else if let Some((d, n)) = dow.split_once('#') {
                weekday == value(d, &DAYS) && (day - 1) / 7 + 1 == n.parse::<i32>().unwrap()
            } else if let Some(d) = dow.strip_suffix('L') {
                weekday == value(d, &DAYS) && day + 7 > len
            } else {
                in_field(dow, weekday, 1, 7, &DAYS)
            }
        } else if dom == "L" {
            day == len
        } else if dom == "LW" {
            // The last weekday: this day is one and no later day of the month is.
            is_weekday(day) && (day + 1..=len).all(|d| !is_weekday(d))
        } else if let Some(n) = dom.strip_suffix('W') {
            // The weekday of the month closest to day n; never when the month has no day n.
            let n: i32 = n.parse().unwrap();
            n <= len
                && is_weekday(day)
                && (1..=len)
                    .filter(|d| is_weekday(*d))
                    .all(|d| (d - n).abs() >= (day - n).abs())
        } else {
            in_field(dom, day, 1, 31, &[])
        }
    }
}

/// Whether `v` is selected by a list field, walking each item's sequence with wrap-around.
fn in_field(field: &str, v: i32, min: i32, max: i32, names: &[&str]) -> bool {
    let width = max - min + 1;
    field.split(',').any(|item| {
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => (b, Some(s.parse::<i32>().unwrap())),
            None => (item, None),
        };
        let (lo, hi) = if base == "*" {
            (min, max)
        } else if let Some((a, b)) = base.split_once('-') {
            (value(a, names), value(b, names))
        } else if step.is_some() {
            (value(base, names), max)
        } else {
            (value(base, names), value(base, names))
        };
        let distance = (v - lo).rem_euclid(width);
        let span = (hi - lo).rem_euclid(width);
        distance <= span && distance % step.unwrap_or(1) == 0
    })
}

fn value(text: &str, names: &[&str]) -> i32 {
    names
        .iter()
        .position(|n| *n == text)
        .map(|i| i as i32 + 1)
        .unwrap_or_else(|| text.parse().unwrap())
}

/// Every fire time of `expression` in `tz` in the window `(after, until)`, by testing each minute.
pub(crate) fn brute_force(
    expression: &str,
    tz: &TimeZone,
    after: Timestamp,
    until: Timestamp,
) -> Vec<Timestamp> {
    let oracle = Oracle::new(expression);
    let minute = SignedDuration::from_mins(1);
    let mut t = Timestamp::from_second(after.as_second().div_euclid(60) * 60).unwrap();
    let mut found = Vec::new();
    while t < until {
        if t > after {
            let local = tz.to_datetime(t);
            let first_occurrence = match tz.to_ambiguous_timestamp(local).offset() {
                AmbiguousOffset::Fold { before, .. } => before.to_timestamp(local).unwrap() == t,
                _ => true,
            };
            if first_occurrence && oracle.matches(local) {
                found.push(t);
            }
        }
        t = t.checked_add(minute).unwrap();
    }
    found
}

pub(crate) fn ts(text: &str) -> Timestamp {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub(crate) fn zone(name: &str) -> TimeZone {
    schedule_core::time_zone(name).unwrap()
}

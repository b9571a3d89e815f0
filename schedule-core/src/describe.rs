//! Plain-English descriptions of schedules, for Terraform `description`s, listings and docs.
//!
//! The sentence follows the expression's structure (times, then days, months and years), so a
//! reader can check it against what was written: "at 08:00 on the last Friday of each month,
//! Europe/London".

use std::fmt::Write;

use crate::at::At;
use crate::cron::{Base, Cron, DayOfMonth, DayOfWeek, Item, List, Value, item_values};
use crate::rate::Rate;
use crate::schedule::Schedule;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const ORDINALS: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];

impl Schedule {
    /// Describes the schedule in English, without its zone: "at 08:00 every day".
    ///
    /// ```
    /// let s: schedule_core::Schedule = "cron(15 10 ? * 6L 2026-2027)".parse()?;
    /// assert_eq!(
    ///     s.describe(),
    ///     "at 10:15 on the last Friday of each month, in 2026 through 2027"
    /// );
    /// # Ok::<(), schedule_core::ParseError>(())
    /// ```
    pub fn describe(&self) -> String {
        match self {
            Schedule::Cron(c) => describe_cron(c),
            Schedule::Rate(r) => describe_rate(*r),
            Schedule::At(a) => describe_at(*a),
        }
    }

    /// Describes the schedule in English with the zone its times are read in. A `rate()` is
    /// elapsed time, so its description names no zone.
    ///
    /// ```
    /// let s: schedule_core::Schedule = "cron(0 8 * * ? *)".parse()?;
    /// assert_eq!(s.describe_in("Europe/Moscow"), "at 08:00 every day, Europe/Moscow");
    /// # Ok::<(), schedule_core::ParseError>(())
    /// ```
    pub fn describe_in(&self, zone: &str) -> String {
        match self {
            Schedule::Rate(_) => self.describe(),
            _ => format!("{}, {zone}", self.describe()),
        }
    }
}

fn describe_rate(rate: Rate) -> String {
    match rate.value() {
        1 => format!("every {}", rate.unit().spelling(1)),
        n => format!("every {n} {}", rate.unit().spelling(n)),
    }
}

fn describe_at(at: At) -> String {
    format!("once, at {}", at.local().strftime("%H:%M:%S on %Y-%m-%d"))
}

fn describe_cron(cron: &Cron) -> String {
    let (time, clock_times) = time_phrase(&cron.minutes, &cron.hours);
    let months = (!is_all(&cron.month)).then(|| months_of(&cron.month));
    let each_month = months.as_deref().unwrap_or("each month");
    let in_months = months
        .as_deref()
        .map(|m| format!(" in {m}"))
        .unwrap_or_default();

    let day = match (&cron.day_of_month, &cron.day_of_week) {
        (DayOfMonth::List(l), _) | (DayOfMonth::NoSpecific, DayOfWeek::List(l)) if is_all(l) => {
            // "every day" adds nothing to "every 15 minutes" or "at minute 5 of every hour".
            if !clock_times && months.is_none() {
                String::new()
            } else {
                format!(" every day{in_months}")
            }
        }
        (DayOfMonth::List(l), _) => match stepped_days(l, each_month) {
            Some(phrase) => format!(" {phrase}"),
            None => {
                let days = join(l, &|v| v.number.to_string());
                let noun = if is_single(l) { "day" } else { "days" };
                format!(" on {noun} {days} of {each_month}")
            }
        },
        (DayOfMonth::Last, _) => format!(" on the last day of {each_month}"),
        (DayOfMonth::LastWeekday, _) => format!(" on the last weekday of {each_month}"),
        (DayOfMonth::NearestWeekday(d), _) => {
            format!(" on the weekday nearest day {d} of {each_month}")
        }
        (DayOfMonth::NoSpecific, DayOfWeek::List(l)) => {
            format!(" on {}{in_months}", join(l, &|v| weekday_name(v)))
        }
        (DayOfMonth::NoSpecific, DayOfWeek::Last) => format!(" on Saturday{in_months}"),
        (DayOfMonth::NoSpecific, DayOfWeek::LastOf(v)) => {
            format!(" on the last {} of {each_month}", weekday_name(*v))
        }
        (DayOfMonth::NoSpecific, DayOfWeek::Nth(v, n)) => format!(
            " on the {} {} of {each_month}",
            ORDINALS[usize::from(*n) - 1],
            weekday_name(*v)
        ),
        // The parser never produces two `?`.
        (DayOfMonth::NoSpecific, DayOfWeek::NoSpecific) => String::new(),
    };
    let mut text = format!("{time}{day}");
    if !is_all(&cron.year) {
        let _ = write!(text, ", in {}", join(&cron.year, &|v| v.number.to_string()));
    }
    text
}

/// "at 08:00", "every 15 minutes between 09:00 and 17:59", "at minute 5 of every hour"; and
/// whether the phrase is a list of clock times (which needs "every day" after it).
fn time_phrase(minutes: &List, hours: &List) -> (String, bool) {
    // A handful of plain times reads best as a list of clock times.
    if let (Some(ms), Some(hs)) = (plain_values(minutes), plain_values(hours))
        && ms.len() * hs.len() <= 6
    {
        let mut times: Vec<(u16, u16)> = hs
            .iter()
            .flat_map(|h| ms.iter().map(move |m| (*h, *m)))
            .collect();
        times.sort_unstable();
        let times: Vec<String> = times
            .into_iter()
            .map(|(h, m)| format!("{h:02}:{m:02}"))
            .collect();
        return (format!("at {}", and_list(&times)), true);
    }
    // One minute past hours that a range or a step picks: "every hour from 22:00 through
    // 03:00", "every 4 hours from 08:30".
    if let (Some([m]), [hour_item]) = (plain_values(minutes).as_deref(), hours.0.as_slice()) {
        match (hour_item.base, hour_item.step) {
            (Base::Range(a, b), None) => {
                return (
                    format!(
                        "every hour from {:02}:{m:02} through {:02}:{m:02}",
                        a.number, b.number
                    ),
                    false,
                );
            }
            (Base::All | Base::Value(_), Some(n)) if n > 1 => {
                let from = match hour_item.base {
                    Base::Value(v) => v.number,
                    _ => 0,
                };
                return (format!("every {n} hours from {from:02}:{m:02}"), false);
            }
            _ => {}
        }
    }
    let minute = match minutes.0.as_slice() {
        [
            Item {
                base: Base::All,
                step: None,
            },
        ] => "every minute".to_owned(),
        // `1/10`: every 10 minutes, counted from minute 1 of each hour.
        [
            Item {
                base: Base::Value(v),
                step: Some(n),
            },
        ] if v.number > 0 => format!(
            "every {n} minutes from {} past the hour",
            minutes_word(v.number)
        ),
        // `5-30/5`
        [
            Item {
                base: Base::Range(a, b),
                step: Some(n),
            },
        ] => format!(
            "every {n} minutes from {} through {} past the hour",
            a.number,
            minutes_word(b.number)
        ),
        [
            Item {
                base: Base::All | Base::Value(Value { number: 0, .. }),
                step: Some(n),
            },
        ] => format!("every {n} minutes"),
        _ => {
            let noun = if is_single(minutes) {
                "minute"
            } else {
                "minutes"
            };
            format!("at {noun} {}", join(minutes, &|v| v.number.to_string()))
        }
    };
    let hour = if is_all(hours) {
        if minute.starts_with("every") {
            String::new()
        } else {
            " of every hour".to_owned()
        }
    } else {
        match hours.0.as_slice() {
            [Item { base, step: None }] if !matches!(base, Base::All) => {
                let (a, b) = match *base {
                    Base::Range(a, b) => (a.number, b.number),
                    Base::Value(v) => (v.number, v.number),
                    Base::All => (0, 23),
                };
                format!(" between {a:02}:00 and {b:02}:59")
            }
            [
                Item {
                    base,
                    step: Some(n),
                },
            ] => {
                let every = format!(" of every {} hour", ordinal_step(*n));
                match *base {
                    Base::All | Base::Value(Value { number: 0, .. }) => every,
                    Base::Value(v) => format!("{every} from {:02}:00", v.number),
                    Base::Range(a, b) => {
                        format!("{every} between {:02}:00 and {:02}:59", a.number, b.number)
                    }
                }
            }
            _ => format!(" during hours {}", join(hours, &|v| v.number.to_string())),
        }
    };
    (format!("{minute}{hour}"), false)
}

/// "1 minute", "5 minutes".
fn minutes_word(n: u16) -> String {
    if n == 1 {
        "1 minute".to_owned()
    } else {
        format!("{n} minutes")
    }
}

/// The months a list picks, by name, steps walked: `*/3` is "January, April, July and October".
fn months_of(list: &List) -> String {
    if list.0.iter().all(|item| item.step.is_none()) {
        return join(list, &|v| month_name(v));
    }
    let names: Vec<String> = list
        .0
        .iter()
        .flat_map(|item| item_values(item, 1, 12))
        .map(|n| MONTHS[usize::from(n) - 1].to_owned())
        .collect();
    and_list(&names)
}

/// Days of the month picked with a step: the days themselves when they are few ("on days 1, 8,
/// 15, 22 and 29 of each month"), else the rhythm ("every 2 days of each month, from day 1").
/// `None` without steps.
fn stepped_days(list: &List, each_month: &str) -> Option<String> {
    if list.0.iter().all(|item| item.step.is_none()) {
        return None;
    }
    let days: Vec<u16> = list
        .0
        .iter()
        .flat_map(|item| item_values(item, 1, 31))
        .collect();
    if days.len() <= 6 {
        let days: Vec<String> = days.iter().map(u16::to_string).collect();
        let noun = if days.len() == 1 { "day" } else { "days" };
        return Some(format!("on {noun} {} of {each_month}", and_list(&days)));
    }
    match list.0.as_slice() {
        [
            Item {
                base: base @ (Base::All | Base::Value(_)),
                step: Some(n),
            },
        ] => {
            let from = match base {
                Base::Value(v) => v.number,
                _ => 1,
            };
            Some(format!("every {n} days of {each_month}, from day {from}"))
        }
        _ => None,
    }
}

fn is_all(list: &List) -> bool {
    matches!(
        list.0.as_slice(),
        [Item {
            base: Base::All,
            step: None
        }]
    )
}

fn is_single(list: &List) -> bool {
    plain_values(list).is_some_and(|v| v.len() == 1)
}

/// The values when the list holds only single values, no ranges or steps.
fn plain_values(list: &List) -> Option<Vec<u16>> {
    list.0
        .iter()
        .map(|item| match (item.base, item.step) {
            (Base::Value(v), None) => Some(v.number),
            _ => None,
        })
        .collect()
}

/// Joins the items of a list as English: "1, 15 and 28", "Monday through Friday".
fn join(list: &List, name: &dyn Fn(Value) -> String) -> String {
    let parts: Vec<String> = list
        .0
        .iter()
        .map(|item| {
            let base = match item.base {
                Base::All => "every value".to_owned(),
                Base::Value(v) => name(v),
                Base::Range(a, b) => format!("{} through {}", name(a), name(b)),
            };
            match (item.base, item.step) {
                (_, None) => base,
                (Base::All, Some(n)) => format!("every {}", ordinal_step(n)),
                (_, Some(n)) => format!("every {} from {base}", ordinal_step(n)),
            }
        })
        .collect();
    and_list(&parts)
}

/// "2nd", "3rd", "15th": the step of `*/n` read as "every n-th value".
fn ordinal_step(n: u16) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn and_list(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn month_name(v: Value) -> String {
    MONTHS[usize::from(v.number) - 1].to_owned()
}

fn weekday_name(v: Value) -> String {
    WEEKDAYS[usize::from(v.number) - 1].to_owned()
}

#[cfg(test)]
mod tests {
    use crate::Schedule;

    #[track_caller]
    fn check(expression: &str, expected: &str) {
        let schedule: Schedule = expression.parse().expect(expression);
        assert_eq!(schedule.describe(), expected, "{expression}");
    }

    #[test]
    fn descriptions_read_as_english() {
        check("cron(0 8 * * ? *)", "at 08:00 every day");
        check(
            "cron(0 18 ? * MON-FRI *)",
            "at 18:00 on Monday through Friday",
        );
        check("cron(0/15 * * * ? *)", "every 15 minutes");
        check("cron(* * * * ? *)", "every minute");
        check("cron(0 8 1 * ? *)", "at 08:00 on day 1 of each month");
        check(
            "cron(15 10 ? * 6L 2022-2023)",
            "at 10:15 on the last Friday of each month, in 2022 through 2023",
        );
        check(
            "cron(0 9 ? * 2#1 *)",
            "at 09:00 on the first Monday of each month",
        );
        check(
            "cron(0 12 L * ? *)",
            "at 12:00 on the last day of each month",
        );
        check(
            "cron(0 12 15W * ? *)",
            "at 12:00 on the weekday nearest day 15 of each month",
        );
        check(
            "cron(0 12 LW * ? *)",
            "at 12:00 on the last weekday of each month",
        );
        check(
            "cron(0 8,12,18 * * ? *)",
            "at 08:00, 12:00 and 18:00 every day",
        );
        check("cron(5 * * * ? *)", "at minute 5 of every hour");
        check(
            "cron(0/10 9-17 ? * MON-FRI *)",
            "every 10 minutes between 09:00 and 17:59 on Monday through Friday",
        );
        check(
            "cron(0 0 1,15 JAN,JUL ? *)",
            "at 00:00 on days 1 and 15 of January and July",
        );
        check("cron(0 0 * 3 ? *)", "at 00:00 every day in March");
        check("cron(0 0 ? * L *)", "at 00:00 on Saturday");
        check("cron(0 */2 * * ? *)", "every 2 hours from 00:00");
        check("cron(30 8/4 * * ? *)", "every 4 hours from 08:30");
        check(
            "cron(0,30 9,12,15,18 * * ? *)",
            "at minutes 0 and 30 during hours 9, 12, 15 and 18",
        );
        check("rate(1 hour)", "every hour");
    }

    /// Steps and wrapping ranges, as a person would say them (cronstrue's sentences for the
    /// same expressions, for comparison: "Every 10 minutes, starting at 1 minutes past the
    /// hour"; "At 12:00 AM, every 7 days"; "At 0 minutes past the hour, between 10:00 PM and
    /// 03:59 AM").
    #[test]
    fn steps_and_wrapping_ranges_read_as_a_person_would_say_them() {
        check(
            "cron(1/10 * * * ? *)",
            "every 10 minutes from 1 minute past the hour",
        );
        check(
            "cron(5-30/5 * * * ? *)",
            "every 5 minutes from 5 through 30 minutes past the hour",
        );
        check(
            "cron(0 0 */7 * ? *)",
            "at 00:00 on days 1, 8, 15, 22 and 29 of each month",
        );
        check(
            "cron(0 0 */2 * ? *)",
            "at 00:00 every 2 days of each month, from day 1",
        );
        check(
            "cron(0 22-3 * * ? *)",
            "every hour from 22:00 through 03:00",
        );
        check(
            "cron(15 9-17 ? * MON-FRI *)",
            "every hour from 09:15 through 17:15 on Monday through Friday",
        );
        check(
            "cron(0 6 1 */3 ? *)",
            "at 06:00 on day 1 of January, April, July and October",
        );
        check(
            "cron(0 6 ? 2/4 MON *)",
            "at 06:00 on Monday in February, June and October",
        );
        check("rate(5 minutes)", "every 5 minutes");
        check("at(2026-05-01T09:00:00)", "once, at 09:00:00 on 2026-05-01");
    }
}

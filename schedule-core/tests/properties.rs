//! Invariants over generated expressions: the canonical form round-trips, evaluation agrees
//! with the minute-by-minute reference around DST transitions, fire times strictly increase,
//! match the expression in their zone and never repeat a fall-back hour, and no input panics.

mod common;

use common::{Oracle, brute_force, ts, zone};
use jiff::tz::AmbiguousOffset;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::sample::select;
use schedule_core::Schedule;

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Zones with whole-hour, half-hour and 45-minute offsets, 30-minute DST, midnight transitions
/// (Santiago) and none at all.
const ZONES: [&str; 10] = [
    "UTC",
    "America/Los_Angeles",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/St_Johns",
    "Europe/Moscow",
    "Australia/Sydney",
];

/// Instants near 2026's DST transitions in those zones.
const TRANSITIONS: [&str; 8] = [
    "2026-03-08T10:00:00Z",
    "2026-11-01T09:00:00Z",
    "2026-03-29T01:00:00Z",
    "2026-10-25T01:00:00Z",
    "2026-10-03T15:30:00Z",
    "2026-04-04T15:00:00Z",
    "2026-04-05T03:00:00Z",
    "2026-09-06T04:00:00Z",
];

/// A number in `min..=max`, sometimes written as a name from `names` in random case, sometimes
/// with a leading zero.
fn value(min: u16, max: u16, names: &'static [&'static str]) -> BoxedStrategy<(u16, String)> {
    (min..=max, 0..4u8)
        .prop_map(move |(n, style)| {
            let text = match style {
                0 if !names.is_empty() => names[usize::from(n) - 1].to_uppercase(),
                1 if !names.is_empty() => names[usize::from(n) - 1].to_owned(),
                2 if n < 10 => format!("0{n}"),
                _ => n.to_string(),
            };
            (n, text)
        })
        .boxed()
}

/// A list field: `*`, `*/n`, or one to three items that are values, ranges or stepped.
fn list(min: u16, max: u16, names: &'static [&'static str], steps: bool) -> BoxedStrategy<String> {
    let step = 1..=max.min(12);
    let item = prop_oneof![
        value(min, max, names).prop_map(|(_, v)| v),
        (value(min, max, names), value(min, max, names))
            .prop_map(|((_, a), (_, b))| format!("{a}-{b}")),
    ]
    .boxed();
    let stepped = (
        prop_oneof![
            value(min, max, names).prop_map(|(_, v)| v),
            (value(min, max, names), value(min, max, names))
                .prop_map(|((_, a), (_, b))| format!("{a}-{b}")),
        ],
        step.clone(),
    )
        .prop_map(|(base, s)| format!("{base}/{s}"));
    let items = if steps {
        prop_oneof![3 => item, 1 => stepped].boxed()
    } else {
        item
    };
    let star_step = step.prop_map(|s| format!("*/{s}"));
    let list = proptest::collection::vec(items, 1..=3).prop_map(|v| v.join(","));
    if steps {
        prop_oneof![1 => Just("*".to_owned()), 1 => star_step, 3 => list].boxed()
    } else {
        prop_oneof![1 => Just("*".to_owned()), 3 => list].boxed()
    }
}

/// Years mostly near the test window, so that schedules fire inside it, plus the odd far one.
fn years() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just("*".to_owned()),
        1 => (2025..=2028u16).prop_map(|y| y.to_string()),
        1 => (2020..=2026u16, 2026..=2040u16).prop_map(|(a, b)| format!("{a}-{b}")),
        1 => (2020..=2026u16, 1..=3u16).prop_map(|(a, s)| format!("{a}/{s}")),
        1 => (1970..=2199u16).prop_map(|y| y.to_string()),
    ]
    .boxed()
}

fn day_of_month() -> BoxedStrategy<String> {
    prop_oneof![
        6 => list(1, 31, &[], true),
        1 => Just("L".to_owned()),
        1 => Just("LW".to_owned()),
        1 => (1..=31u16).prop_map(|d| format!("{d}W")),
    ]
    .boxed()
}

fn day_of_week() -> BoxedStrategy<String> {
    prop_oneof![
        6 => list(1, 7, &DAYS, false),
        1 => Just("L".to_owned()),
        1 => value(1, 7, &DAYS).prop_map(|(_, d)| format!("{d}L")),
        1 => (value(1, 7, &DAYS), 1..=5u8).prop_map(|((_, d), n)| format!("{d}#{n}")),
    ]
    .boxed()
}

/// A valid `cron(...)` expression: exactly one of the day fields is `?`.
fn cron() -> impl Strategy<Value = String> {
    (
        list(0, 59, &[], true),
        list(0, 23, &[], true),
        day_of_month(),
        list(1, 12, &MONTHS, true),
        day_of_week(),
        years(),
        any::<bool>(),
    )
        .prop_map(|(min, hour, dom, month, dow, year, by_weekday)| {
            let (dom, dow) = if by_weekday {
                ("?".to_owned(), dow)
            } else {
                (dom, "?".to_owned())
            };
            format!("cron({min} {hour} {dom} {month} {dow} {year})")
        })
}

fn any_schedule() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => cron(),
        1 => (1..=500u32, select(vec!["minute", "minutes", "hour", "hours", "day", "days"]))
            .prop_map(|(n, unit)| {
                let unit = if n > 1 && !unit.ends_with('s') { format!("{unit}s") } else { unit.to_owned() };
                format!("rate({n} {unit})")
            }),
        1 => (2000..=2100i16, 1..=12i8, 1..=28i8, 0..=23i8, 0..=59i8, 0..=59i8)
            .prop_map(|(y, mo, d, h, mi, s)| format!("at({y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02})")),
    ]
}

/// An instant within two days before one of 2026's DST transitions.
fn near_transition() -> impl Strategy<Value = Timestamp> {
    (select(TRANSITIONS.to_vec()), 0..(48 * 60 * 60i64)).prop_map(|(t, back)| {
        ts(t)
            .checked_sub(SignedDuration::from_secs(back))
            .expect("in range")
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn canonical_form_round_trips(expression in any_schedule()) {
        let parsed: Schedule = expression.parse().map_err(|e| TestCaseError::fail(format!("{expression}: {e}")))?;
        let canonical = parsed.to_string();
        let again: Schedule = canonical.parse().map_err(|e| TestCaseError::fail(format!("{canonical}: {e}")))?;
        prop_assert_eq!(&again, &parsed);
        prop_assert_eq!(again.to_string(), canonical);
    }

    #[test]
    fn evaluation_agrees_with_the_reference_around_dst(
        expression in cron(),
        zone_name in select(ZONES.to_vec()),
        after in near_transition(),
    ) {
        let schedule: Schedule = expression.parse().expect("generated expressions are valid");
        let tz = zone(zone_name);
        let until = after.checked_add(SignedDuration::from_hours(72)).expect("in range");
        let got: Vec<Timestamp> = schedule.fire_times(after, &tz).take_while(|t| *t < until).collect();
        prop_assert_eq!(got, brute_force(&expression, &tz, after, until), "{} in {}", expression, zone_name);
    }

    #[test]
    fn the_last_fire_time_before_a_fire_time_is_the_one_before_it(
        expression in cron(),
        zone_name in select(ZONES.to_vec()),
        after in near_transition(),
    ) {
        let schedule: Schedule = expression.parse().expect("generated expressions are valid");
        let tz = zone(zone_name);
        let times: Vec<Timestamp> = schedule.fire_times(after, &tz).take(4).collect();
        // Years apart (a cron of a few years) is past the look-back: `None` there, by design.
        let look_back = SignedDuration::from_hours(24 * schedule_core::LOOK_BACK_DAYS);
        for pair in times.windows(2).filter(|pair| pair[1].duration_since(pair[0]) < look_back) {
            prop_assert_eq!(schedule.last_before(pair[1], &tz), Some(pair[0]), "{} in {}", expression, zone_name);
            // And between two fire times, the earlier one is the last before.
            let between = pair[0].checked_add(SignedDuration::from_secs(1)).expect("in range");
            if between < pair[1] {
                prop_assert_eq!(schedule.last_before(between, &tz), Some(pair[0]));
            }
        }
    }

    #[test]
    fn fire_times_increase_match_and_fire_once(
        expression in cron(),
        zone_name in select(ZONES.to_vec()),
        after in near_transition(),
    ) {
        let schedule: Schedule = expression.parse().expect("generated expressions are valid");
        let tz = zone(zone_name);
        let oracle = Oracle::new(&schedule.to_string());
        let mut previous = after;
        for t in schedule.fire_times(after, &tz).take(25) {
            prop_assert!(t > previous, "{} not after {}", t, previous);
            let local = tz.to_datetime(t);
            prop_assert!(oracle.matches(local), "{} ({}) does not match {}", t, local, expression);
            // Not the second pass of a repeated hour (and, being an instant, never in a gap).
            if let AmbiguousOffset::Fold { before, .. } = tz.to_ambiguous_timestamp(local).offset() {
                prop_assert_eq!(before.to_timestamp(local).expect("in range"), t);
            }
            previous = t;
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,80}") {
        if let Err(e) = text.parse::<Schedule>() {
            prop_assert!(text.get(e.span()).is_some(), "span {:?} outside {:?}", e.span(), text);
        }
    }

    #[test]
    fn near_miss_expressions_never_panic_and_round_trip_when_accepted(
        keyword in select(vec!["cron(", "rate(", "at(", "CRON(", "cron", ""]),
        body in "[0-9A-Za-z ,*/?#\\-:LWT]{0,48}",
        close in select(vec![")", "", ") "]),
    ) {
        let text = format!("{keyword}{body}{close}");
        match text.parse::<Schedule>() {
            Ok(parsed) => {
                let again: Schedule = parsed.to_string().parse().map_err(|e| TestCaseError::fail(format!("{parsed}: {e}")))?;
                prop_assert_eq!(again, parsed);
            }
            Err(e) => {
                // The span always indexes the input, so callers can slice with it.
                prop_assert!(text.get(e.span()).is_some(), "span {:?} outside {:?}", e.span(), text);
                let _ = e.render(&text);
            }
        }
    }
}

//! `cron(minutes hours day-of-month month day-of-week year)`: AWS's six-field dialect.
//!
//! A [`Cron`] keeps two views of one expression: the syntax as written (lists, ranges, steps,
//! names), which [`Display`](fmt::Display) prints back in canonical spelling, and the compiled
//! value sets that evaluation searches. Both are built once, by the parser.

mod parse;
mod search;
mod sets;
mod unix;

use std::fmt;

pub(crate) use parse::parse;
use sets::Compiled;
pub(crate) use sets::item_values;

/// A parsed `cron(...)` expression.
///
/// Equality compares the expression as written (after canonical spelling), so `cron(0 8 * * ? *)`
/// and `cron(0 8 1-31 * ? *)` are different values even though they fire at the same times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    pub(crate) minutes: List,
    pub(crate) hours: List,
    pub(crate) day_of_month: DayOfMonth,
    pub(crate) month: List,
    pub(crate) day_of_week: DayOfWeek,
    pub(crate) year: List,
    pub(crate) compiled: Compiled,
}

/// A comma-separated list of items. `*` and `*/n` are lists of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct List(pub(crate) Vec<Item>);

/// One list item: a base, optionally followed by `/step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) base: Base,
    pub(crate) step: Option<u16>,
}

/// What an item's values start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// `*`: every value of the field.
    All,
    /// A single value: `5`, `MON`.
    Value(Value),
    /// An inclusive range, possibly wrapping around the field's end: `1-5`, `20-2`, `FRI-MON`.
    Range(Value, Value),
}

/// A number, remembering whether it was written as a name (`MON`, `JAN`) so that the canonical
/// form keeps the user's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Value {
    pub(crate) number: u16,
    pub(crate) named: bool,
}

/// The day-of-month field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DayOfMonth {
    /// `?`
    NoSpecific,
    /// Days as a list, e.g. `1,15` or `*`.
    List(List),
    /// `L`: the last day of the month.
    Last,
    /// `LW`: the last weekday (Monday to Friday) of the month.
    LastWeekday,
    /// `nW`: the weekday nearest day n, without leaving the month.
    NearestWeekday(u8),
}

/// The day-of-week field, with 1 = Sunday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DayOfWeek {
    /// `?`
    NoSpecific,
    /// Weekdays as a list, e.g. `MON-FRI` or `*`.
    List(List),
    /// `L` alone: the last day of the week, Saturday (Quartz's meaning, which AWS follows).
    Last,
    /// `nL`: the last given weekday of the month, e.g. `6L` for the last Friday.
    LastOf(Value),
    /// `d#n`: the n-th given weekday of the month, e.g. `2#1` for the first Monday.
    Nth(Value, u8),
}

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cron({} {} {} {} {} {})",
            DisplayList(&self.minutes, None),
            DisplayList(&self.hours, None),
            self.day_of_month,
            DisplayList(&self.month, Some(&MONTH_NAMES)),
            self.day_of_week,
            DisplayList(&self.year, None),
        )
    }
}

/// Prints a list, spelling named values with `names` (indexed from 1).
struct DisplayList<'a>(&'a List, Option<&'a [&'a str]>);

impl fmt::Display for DisplayList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, item) in self.0.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            match item.base {
                Base::All => f.write_str("*")?,
                Base::Value(v) => write_value(f, v, self.1)?,
                Base::Range(a, b) => {
                    write_value(f, a, self.1)?;
                    f.write_str("-")?;
                    write_value(f, b, self.1)?;
                }
            }
            if let Some(step) = item.step {
                write!(f, "/{step}")?;
            }
        }
        Ok(())
    }
}

fn write_value(f: &mut fmt::Formatter<'_>, v: Value, names: Option<&[&str]>) -> fmt::Result {
    match names {
        Some(names) if v.named => f.write_str(names[usize::from(v.number) - 1]),
        _ => write!(f, "{}", v.number),
    }
}

impl fmt::Display for DayOfMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DayOfMonth::NoSpecific => f.write_str("?"),
            DayOfMonth::List(list) => DisplayList(list, None).fmt(f),
            DayOfMonth::Last => f.write_str("L"),
            DayOfMonth::LastWeekday => f.write_str("LW"),
            DayOfMonth::NearestWeekday(day) => write!(f, "{day}W"),
        }
    }
}

impl fmt::Display for DayOfWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = Some(&WEEKDAY_NAMES[..]);
        match self {
            DayOfWeek::NoSpecific => f.write_str("?"),
            DayOfWeek::List(list) => DisplayList(list, names).fmt(f),
            DayOfWeek::Last => f.write_str("L"),
            DayOfWeek::LastOf(v) => {
                write_value(f, *v, names)?;
                f.write_str("L")
            }
            DayOfWeek::Nth(v, n) => {
                write_value(f, *v, names)?;
                write!(f, "#{n}")
            }
        }
    }
}

//! The compiled form of a cron expression: one bit per allowed value, and one rule for days.
//!
//! Searching for the next fire time then needs only "lowest set bit at or above n", which is a
//! shift and a `trailing_zeros`.

use jiff::civil::Date;

use super::{Base, DayOfMonth, DayOfWeek, Item, List};

/// First and last year AWS accepts.
pub(crate) const MIN_YEAR: i16 = 1970;
pub(crate) const MAX_YEAR: i16 = 2199;

/// Value sets of every field plus the day rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Compiled {
    /// Bit n: minute n.
    pub(crate) minutes: u64,
    /// Bit n: hour n.
    pub(crate) hours: u64,
    /// Bit n: month n (1-12).
    pub(crate) months: u64,
    /// Bit n of the 256-bit set: year 1970 + n.
    pub(crate) years: [u64; 4],
    pub(crate) days: DayRule,
}

/// Which days of a month fire, from whichever day field is not `?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayRule {
    /// Bit n: day n of the month (1-31).
    MonthDays(u64),
    /// The last day of the month.
    LastDay,
    /// The last Monday-to-Friday of the month.
    LastWeekday,
    /// The Monday-to-Friday nearest the given day, within the month.
    NearestWeekday(u8),
    /// Bit n: weekday n, 1 = Sunday.
    Weekdays(u8),
    /// The last given weekday (1 = Sunday) of the month.
    LastOf(u8),
    /// The n-th given weekday (1 = Sunday) of the month.
    Nth(u8, u8),
}

impl Compiled {
    pub(crate) fn new(
        minutes: &List,
        hours: &List,
        dom: &DayOfMonth,
        month: &List,
        dow: &DayOfWeek,
        year: &List,
    ) -> Self {
        let days = match (dom, dow) {
            (DayOfMonth::List(list), _) => DayRule::MonthDays(small_set(list, 1, 31)),
            (DayOfMonth::Last, _) => DayRule::LastDay,
            (DayOfMonth::LastWeekday, _) => DayRule::LastWeekday,
            (DayOfMonth::NearestWeekday(day), _) => DayRule::NearestWeekday(*day),
            // The parser guarantees exactly one `?`, so the day-of-week field decides here.
            (DayOfMonth::NoSpecific, DayOfWeek::List(list)) => {
                DayRule::Weekdays(small_set(list, 1, 7) as u8)
            }
            (DayOfMonth::NoSpecific, DayOfWeek::Last) => DayRule::Weekdays(1 << 7),
            (DayOfMonth::NoSpecific, DayOfWeek::LastOf(v)) => DayRule::LastOf(v.number as u8),
            (DayOfMonth::NoSpecific, DayOfWeek::Nth(v, n)) => DayRule::Nth(v.number as u8, *n),
            (DayOfMonth::NoSpecific, DayOfWeek::NoSpecific) => DayRule::MonthDays(0),
        };
        let years = value_set(&year.0, MIN_YEAR as u16, MAX_YEAR as u16, MIN_YEAR as u16);
        Compiled {
            minutes: small_set(minutes, 0, 59),
            hours: small_set(hours, 0, 23),
            months: small_set(month, 1, 12),
            years,
            days,
        }
    }

    /// The first allowed year at or after `year`.
    pub(crate) fn next_year(&self, year: i16) -> Option<i16> {
        let mut bit = usize::try_from(year.max(MIN_YEAR) - MIN_YEAR).ok()?;
        while bit < 256 {
            let word = self.years[bit / 64] >> (bit % 64);
            if word != 0 {
                let found = bit + word.trailing_zeros() as usize;
                // Bits above 2199 are never set, so `found` is in range.
                return Some(MIN_YEAR + found as i16);
            }
            bit = (bit / 64 + 1) * 64;
        }
        None
    }
}

/// The lowest set bit of `set` at or above `from`.
pub(crate) fn next_bit(set: u64, from: i8) -> Option<i8> {
    if !(0..64).contains(&from) {
        return None;
    }
    let above = set & (u64::MAX << from);
    (above != 0).then(|| above.trailing_zeros() as i8)
}

fn small_set(list: &List, min: u16, max: u16) -> u64 {
    value_set(&list.0, min, max, 0)[0]
}

/// The values one item selects, in the order its range and step walk them (a wrapping range
/// runs through the field's end): what a description lists.
pub(crate) fn item_values(item: &Item, min: u16, max: u16) -> Vec<u16> {
    let (start, end) = match item.base {
        Base::All => (min, max),
        Base::Value(v) if item.step.is_some() => (v.number, max),
        Base::Value(v) => (v.number, v.number),
        Base::Range(a, b) => (a.number, b.number),
    };
    let width = max - min + 1;
    let span = if end >= start {
        end - start
    } else {
        width - (start - end)
    };
    let step = usize::from(item.step.unwrap_or(1).max(1));
    (0..=span)
        .step_by(step)
        .map(|offset| {
            let value = start + offset;
            if value > max { value - width } else { value }
        })
        .collect()
}

/// The set of values the items select, in a field whose values run `min..=max`, as bit
/// `value - origin` of a 256-bit set.
///
/// Ranges whose end is below their start wrap around the field's end (`20-2` in hours is
/// 20,21,22,23,0,1,2), as AWS documents; steps walk that same sequence.
pub(crate) fn value_set(items: &[Item], min: u16, max: u16, origin: u16) -> [u64; 4] {
    let mut set = [0u64; 4];
    // Contiguous runs are set a word at a time: `*` in years is 230 values.
    let mut insert = |lo: u16, hi: u16| {
        let (a, b) = (usize::from(lo - origin), usize::from(hi - origin));
        for (word, bits) in set.iter_mut().enumerate().take(b / 64 + 1).skip(a / 64) {
            let from = if word == a / 64 { a % 64 } else { 0 };
            let to = if word == b / 64 { b % 64 } else { 63 };
            *bits |= (u64::MAX >> (63 - (to - from))) << from;
        }
    };
    let width = max - min + 1;
    for item in items {
        let (start, end) = match item.base {
            Base::All => (min, max),
            Base::Value(v) if item.step.is_some() => (v.number, max),
            Base::Value(v) => (v.number, v.number),
            Base::Range(a, b) => (a.number, b.number),
        };
        match item.step {
            None | Some(1) if end >= start => insert(start, end),
            None | Some(1) => {
                insert(start, max);
                insert(min, end);
            }
            Some(step) => {
                let span = if end >= start {
                    end - start
                } else {
                    width - (start - end)
                };
                let mut offset = 0;
                while offset <= span {
                    let value = start + offset;
                    let value = if value > max { value - width } else { value };
                    insert(value, value);
                    offset += step;
                }
            }
        }
    }
    set
}

impl DayRule {
    /// The days of `year`-`month` that fire, as bit n for day n.
    pub(crate) fn days_in(self, year: i16, month: i8) -> u64 {
        let first = Date::constant(year, month, 1);
        let len = first.days_in_month() as u8;
        let valid = (u64::MAX >> (63 - len)) & !1; // bits 1..=len
        // Weekday of day 1, with 1 = Sunday as in the expression.
        let first_weekday = first.weekday().to_sunday_one_offset() as u8;
        let weekday_of = |day: u8| (first_weekday - 1 + day - 1) % 7 + 1;
        // The first day of the month that falls on `weekday`.
        let first_on = |weekday: u8| 1 + (weekday + 7 - first_weekday) % 7;
        let bit = |day: u8| if day <= len { 1u64 << day } else { 0 };
        match self {
            DayRule::MonthDays(set) => set & valid,
            DayRule::LastDay => 1 << len,
            DayRule::LastWeekday => {
                let back = match weekday_of(len) {
                    1 => 2, // Sunday: Friday is two days back
                    7 => 1, // Saturday
                    _ => 0,
                };
                1 << (len - back)
            }
            DayRule::NearestWeekday(day) => {
                if day > len {
                    return 0;
                }
                let nearest = match weekday_of(day) {
                    // Saturday: Friday before, unless that leaves the month, then Monday after.
                    7 if day == 1 => 3,
                    7 => day - 1,
                    // Sunday: Monday after, unless that leaves the month, then Friday before.
                    1 if day == len => day - 2,
                    1 => day + 1,
                    _ => day,
                };
                1 << nearest
            }
            DayRule::Weekdays(set) => {
                let mut days = 0;
                for weekday in 1..=7u8 {
                    if set & (1 << weekday) != 0 {
                        let mut day = first_on(weekday);
                        while day <= len {
                            days |= 1 << day;
                            day += 7;
                        }
                    }
                }
                days
            }
            DayRule::LastOf(weekday) => {
                let first = first_on(weekday);
                1 << (first + (len - first) / 7 * 7)
            }
            DayRule::Nth(weekday, n) => bit(first_on(weekday) + 7 * (n - 1)),
        }
    }
}

//! Finding the next fire time, field by field.
//!
//! The search walks the fields from the largest unit down: find the first allowed year, then
//! month, then day, hour and minute; whenever a field has no allowed value left, carry into the
//! next larger unit and reset the smaller ones. Each step is a bit scan, so the cost does not
//! depend on how far away the next fire time is, and a schedule that can never fire again runs
//! out of years (at most 230 years of 12 months) instead of searching forever.
//!
//! Time zones enter only at the end: a matching *local* wall-clock minute is mapped to an
//! instant with AWS's documented DST rules. A minute skipped by spring-forward does not exist
//! that day and is dropped; a minute repeated by fall-back fires once, at its first occurrence.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, TimeZone};

use super::Cron;
use super::sets::next_bit;

/// A wall-clock minute, unpacked for cheap carrying between fields.
#[derive(Debug, Clone, Copy)]
struct Minute {
    year: i16,
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
}

impl Minute {
    /// The first whole minute strictly after `dt`.
    fn after(dt: DateTime) -> Minute {
        Minute {
            year: dt.year(),
            month: dt.month(),
            day: dt.day(),
            hour: dt.hour(),
            minute: dt.minute() + 1,
        }
    }

    fn to_datetime(self) -> DateTime {
        DateTime::constant(
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            0,
            0,
        )
    }

    // Moving to a later unit resets the smaller ones. Values one past the end (month 13,
    // day 32, hour 24) are fine: they find no allowed value and carry into the next unit.

    fn start_of_year(year: i16) -> Minute {
        Minute {
            year,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
        }
    }

    fn start_of_month(self, month: i8) -> Minute {
        Minute {
            month,
            day: 1,
            hour: 0,
            minute: 0,
            ..self
        }
    }

    fn start_of_day(self, day: i8) -> Minute {
        Minute {
            day,
            hour: 0,
            minute: 0,
            ..self
        }
    }

    fn start_of_hour(self, hour: i8) -> Minute {
        Minute {
            hour,
            minute: 0,
            ..self
        }
    }
}

impl Cron {
    /// The first instant strictly after `after` at which the expression fires in `tz`, or `None`
    /// when it never fires again (every year up to 2199 exhausted).
    pub fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        let mut from = Minute::after(tz.to_datetime(after));
        loop {
            let local = self.next_local(from)?;
            let instant = match tz.to_ambiguous_timestamp(local).offset() {
                AmbiguousOffset::Unambiguous { offset } => offset.to_timestamp(local).ok(),
                // Skipped by spring-forward: this wall-clock minute does not exist today.
                AmbiguousOffset::Gap { .. } => None,
                // Repeated by fall-back: only the first occurrence fires.
                AmbiguousOffset::Fold { before, .. } => before.to_timestamp(local).ok(),
            };
            // A candidate can map to an instant at or before `after` only when `after` lies in
            // the second pass of a repeated hour; those minutes already fired on the first pass.
            match instant {
                Some(instant) if instant > after => return Some(instant),
                _ => from = Minute::after(local),
            }
        }
    }

    /// The matching local minutes in `[start, end)`, in order: what a DST change's gap or fold
    /// holds of this schedule.
    pub(crate) fn local_minutes_between(&self, start: DateTime, end: DateTime) -> Vec<DateTime> {
        let mut minutes = Vec::new();
        let mut from = Minute {
            year: start.year(),
            month: start.month(),
            day: start.day(),
            hour: start.hour(),
            minute: start.minute(),
        };
        while let Some(local) = self.next_local(from) {
            if local >= end {
                break;
            }
            minutes.push(local);
            from = Minute::after(local);
        }
        minutes
    }

    /// The first local minute at or after `from` that matches every field.
    fn next_local(&self, mut at: Minute) -> Option<DateTime> {
        let sets = &self.compiled;
        loop {
            let year = sets.next_year(at.year)?;
            if year != at.year {
                at = Minute::start_of_year(year);
            }
            let Some(month) = next_bit(sets.months, at.month) else {
                at = Minute::start_of_year(at.year + 1);
                continue;
            };
            if month != at.month {
                at = at.start_of_month(month);
            }
            let days = sets.days.days_in(at.year, at.month);
            let Some(day) = next_bit(days, at.day) else {
                at = at.start_of_month(at.month + 1);
                continue;
            };
            if day != at.day {
                at = at.start_of_day(day);
            }
            let Some(hour) = next_bit(sets.hours, at.hour) else {
                at = at.start_of_day(at.day + 1);
                continue;
            };
            if hour != at.hour {
                at = at.start_of_hour(hour);
            }
            let Some(minute) = next_bit(sets.minutes, at.minute) else {
                at = at.start_of_hour(at.hour + 1);
                continue;
            };
            return Some(Minute { minute, ..at }.to_datetime());
        }
    }
}

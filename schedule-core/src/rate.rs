//! `rate(value unit)`: a fixed period of elapsed time.

use std::fmt;

use jiff::{SignedDuration, Timestamp};

use crate::error::{ErrorKind, ParseError};

/// The unit of a `rate(...)` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateUnit {
    /// `minute` / `minutes`
    Minutes,
    /// `hour` / `hours`
    Hours,
    /// `day` / `days`: 24 elapsed hours, whatever the clocks do.
    Days,
}

impl RateUnit {
    const fn seconds(self) -> i64 {
        match self {
            RateUnit::Minutes => 60,
            RateUnit::Hours => 3_600,
            RateUnit::Days => 86_400,
        }
    }

    /// The spelling AWS expects for `value`: singular for 1, plural otherwise.
    pub const fn spelling(self, value: u32) -> &'static str {
        match (self, value) {
            (RateUnit::Minutes, 1) => "minute",
            (RateUnit::Minutes, _) => "minutes",
            (RateUnit::Hours, 1) => "hour",
            (RateUnit::Hours, _) => "hours",
            (RateUnit::Days, 1) => "day",
            (RateUnit::Days, _) => "days",
        }
    }
}

/// A parsed `rate(...)` expression.
///
/// A rate is elapsed time: it ignores time zones and DST, and `rate(1 day)` is always 24 hours.
/// Its phase comes from the schedule's start date (or, on AWS, the moment it was created), which
/// the expression does not carry; [`Rate::next_after`] takes it as `anchor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    value: u32,
    unit: RateUnit,
}

impl Rate {
    /// A rate of `value` units; `None` when `value` is 0.
    pub const fn new(value: u32, unit: RateUnit) -> Option<Rate> {
        if value == 0 {
            None
        } else {
            Some(Rate { value, unit })
        }
    }

    /// The number of units.
    pub const fn value(self) -> u32 {
        self.value
    }

    /// The unit.
    pub const fn unit(self) -> RateUnit {
        self.unit
    }

    /// The period between two fire times.
    pub const fn period(self) -> SignedDuration {
        SignedDuration::from_secs(self.value as i64 * self.unit.seconds())
    }

    /// The first fire time strictly after `after` of a rate whose first fire time is `anchor`
    /// (the schedule's start date). `None` past the end of representable time.
    pub fn next_after(self, anchor: Timestamp, after: Timestamp) -> Option<Timestamp> {
        if anchor > after {
            return Some(anchor);
        }
        let period = self.period().as_secs();
        let elapsed = after.duration_since(anchor);
        // Whole periods completed by `after`, then one more.
        let periods = elapsed.as_secs() / period + 1;
        let offset = SignedDuration::from_secs(periods.checked_mul(period)?);
        anchor.checked_add(offset).ok()
    }

    /// Parses the inside of `rate(...)`, which starts at byte `offset` of the expression.
    ///
    /// AWS's rule for units, read strictly: a value of 1 takes the singular (`rate(1 hour)`);
    /// Scheduler also accepts the plural there (its own documentation writes `rate(1 days)`), so
    /// that is accepted too. A value above 1 takes the plural: `rate(5 minute)` is rejected,
    /// because legacy EventBridge rules reject it and Scheduler's acceptance is undocumented.
    /// The canonical form always uses the singular for 1.
    pub(crate) fn parse(body: &str, offset: usize) -> Result<Rate, ParseError> {
        let span = |start: usize, len: usize| offset + start..offset + start + len.max(1);
        let Some((value_text, unit_text)) = body.split_once(' ') else {
            return Err(ParseError::new(ErrorKind::RateFormat, span(0, body.len())));
        };
        if value_text.is_empty() || unit_text.is_empty() || unit_text.contains(char::is_whitespace)
        {
            return Err(ParseError::new(ErrorKind::Spacing, span(0, body.len())));
        }
        let value = value_text
            .parse::<u32>()
            .ok()
            .filter(|v| *v > 0 && value_text.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                ParseError::new(
                    ErrorKind::RateValue {
                        found: value_text.to_owned(),
                    },
                    span(0, value_text.len()),
                )
            })?;
        let unit_span = span(value_text.len() + 1, unit_text.len());
        let (unit, plural) = match unit_text {
            "minute" => (RateUnit::Minutes, false),
            "minutes" => (RateUnit::Minutes, true),
            "hour" => (RateUnit::Hours, false),
            "hours" => (RateUnit::Hours, true),
            "day" => (RateUnit::Days, false),
            "days" => (RateUnit::Days, true),
            _ => {
                return Err(ParseError::new(
                    ErrorKind::RateUnit {
                        found: unit_text.to_owned(),
                    },
                    unit_span,
                ));
            }
        };
        if value > 1 && !plural {
            return Err(ParseError::new(
                ErrorKind::RatePlural {
                    value,
                    plural: unit.spelling(value),
                },
                unit_span,
            ));
        }
        Ok(Rate { value, unit })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rate({} {})", self.value, self.unit.spelling(self.value))
    }
}

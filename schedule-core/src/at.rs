//! `at(yyyy-mm-ddThh:mm:ss)`: one fire time, a local date and time in the schedule's zone.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::error::{ErrorKind, ParseError};

/// A parsed `at(...)` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct At {
    local: DateTime,
}

impl At {
    /// A one-time schedule at `local` wall-clock time; sub-second precision is dropped.
    pub fn new(local: DateTime) -> At {
        At {
            local: local.with().subsec_nanosecond(0).build().unwrap_or(local),
        }
    }

    /// The local date and time, without a zone.
    pub fn local(self) -> DateTime {
        self.local
    }

    /// The instant this schedule fires in `tz`.
    ///
    /// AWS documents DST rules only for cron. For a one-time schedule whose local time falls in
    /// a spring-forward gap we follow the common (RFC 5545, `java.time`) reading: the time is
    /// moved forward by the length of the gap, so the schedule still fires once; a time
    /// repeated by fall-back fires at its first occurrence, as cron does.
    pub fn instant(self, tz: &TimeZone) -> Option<Timestamp> {
        tz.to_ambiguous_timestamp(self.local).compatible().ok()
    }

    /// The fire time if it is strictly after `after`.
    pub fn next_after(self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        self.instant(tz).filter(|t| *t > after)
    }

    /// Parses the inside of `at(...)`, which starts at byte `offset` of the expression.
    pub(crate) fn parse(body: &str, offset: usize) -> Result<At, ParseError> {
        let span = offset..offset + body.len().max(1);
        let format_error = || {
            ParseError::new(
                ErrorKind::AtFormat {
                    found: body.to_owned(),
                },
                span.clone(),
            )
        };
        let bytes = body.as_bytes();
        if bytes.len() > 19 && matches!(bytes[19], b'Z' | b'z' | b'+' | b'-') {
            return Err(ParseError::new(
                ErrorKind::AtOffset,
                offset + 19..offset + body.len(),
            ));
        }
        // Exactly `dddd-dd-ddTdd:dd:dd`: digits everywhere but the separators.
        let shape_ok = bytes.len() == 19
            && bytes.iter().enumerate().all(|(i, b)| match i {
                4 | 7 => *b == b'-',
                10 => *b == b'T',
                13 | 16 => *b == b':',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err(format_error());
        }
        let number = |range: std::ops::Range<usize>| -> i16 {
            // The shape check guarantees ASCII digits, at most four of them.
            body[range].parse().unwrap_or(-1)
        };
        let local = DateTime::new(
            number(0..4),
            number(5..7) as i8,
            number(8..10) as i8,
            number(11..13) as i8,
            number(14..16) as i8,
            number(17..19) as i8,
            0,
        )
        .map_err(|e| {
            ParseError::new(
                ErrorKind::AtInvalid {
                    found: body.to_owned(),
                    reason: e.to_string(),
                },
                span.clone(),
            )
        })?;
        Ok(At { local })
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at({})", self.local.strftime("%Y-%m-%dT%H:%M:%S"))
    }
}

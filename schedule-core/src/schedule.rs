//! [`Schedule`]: any of the three expression kinds, parsed from and printed as AWS writes them.

use std::fmt;
use std::str::FromStr;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::at::At;
use crate::cron::{self, Cron};
use crate::error::{ErrorKind, ParseError};
use crate::rate::Rate;

/// The longest `schedule_expression` AWS accepts.
pub const MAX_EXPRESSION_LEN: usize = 256;

/// An EventBridge Scheduler schedule expression.
///
/// Parse one with [`str::parse`]; [`Display`](fmt::Display) prints the canonical form that AWS
/// accepts (lower-case keyword, upper-case names, no leading zeros, singular unit for 1), which
/// parses back to an equal value.
///
/// ```
/// use schedule_core::Schedule;
///
/// let s: Schedule = "cron(0 8 ? * mon-fri *)".parse()?;
/// assert_eq!(s.to_string(), "cron(0 8 ? * MON-FRI *)");
/// # Ok::<(), schedule_core::ParseError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
// A schedule is parsed once per task and then borrowed; boxing the cron variant would cost an
// allocation and make matching clumsier for no measurable gain.
#[allow(clippy::large_enum_variant)]
pub enum Schedule {
    /// `cron(...)`: wall-clock times in the schedule's zone.
    Cron(Cron),
    /// `rate(...)`: a fixed period of elapsed time.
    Rate(Rate),
    /// `at(...)`: one local date and time in the schedule's zone.
    At(At),
}

impl FromStr for Schedule {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.len() > MAX_EXPRESSION_LEN {
            // Point at what lies past the limit, starting on a character boundary.
            return Err(ParseError::new(
                ErrorKind::TooLong { len: s.len() },
                s.floor_char_boundary(MAX_EXPRESSION_LEN)..s.len(),
            ));
        }
        if s.trim().is_empty() {
            return Err(ParseError::new(ErrorKind::Empty, 0..s.len()));
        }
        let Some(open) = s.find('(') else {
            return Err(unknown_type(s, s.len()));
        };
        let keyword = &s[..open];
        let body_start = open + 1;
        let Some(close) = s[body_start..].find(')').map(|i| body_start + i) else {
            // Point at the last character, where the `)` belongs.
            return Err(ParseError::new(
                ErrorKind::MissingCloseParen,
                s.floor_char_boundary(s.len() - 1)..s.len(),
            ));
        };
        if close + 1 != s.len() {
            return Err(ParseError::new(
                ErrorKind::TrailingText {
                    found: s[close + 1..].to_owned(),
                },
                close + 1..s.len(),
            ));
        }
        let body = &s[body_start..close];
        match keyword {
            "cron" => cron::parse(body, body_start).map(Schedule::Cron),
            "rate" => Rate::parse(body, body_start).map(Schedule::Rate),
            "at" => At::parse(body, body_start).map(Schedule::At),
            _ => Err(unknown_type(s, open)),
        }
    }
}

fn unknown_type(s: &str, end: usize) -> ParseError {
    let keyword = &s[..end];
    let lower = ["cron", "rate", "at"]
        .into_iter()
        .find(|k| k.eq_ignore_ascii_case(keyword));
    let kind = match lower {
        Some(keyword) => ErrorKind::KeywordCase { keyword },
        None => ErrorKind::UnknownType {
            found: keyword.chars().take(40).collect(),
        },
    };
    ParseError::new(kind, 0..end.max(1).min(s.len()))
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Cron(c) => c.fmt(f),
            Schedule::Rate(r) => r.fmt(f),
            Schedule::At(a) => a.fmt(f),
        }
    }
}

impl Schedule {
    /// The first fire time strictly after `after`, evaluated in `tz`.
    ///
    /// A `rate()` has no phase of its own here: its fire times are counted from `after`, so this
    /// returns `after` plus one period (use [`Rate::next_after`] with the schedule's start date
    /// for the phase AWS uses). `None` when the schedule never fires again.
    pub fn next_after(&self, after: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        match self {
            Schedule::Cron(c) => c.next_after(after, tz),
            Schedule::Rate(r) => r.next_after(after, after),
            Schedule::At(a) => a.next_after(after, tz),
        }
    }

    /// The last fire time strictly before `before`, evaluated in `tz`, looking back at most
    /// [`LOOK_BACK_DAYS`] days; `None` when there is none in that span.
    ///
    /// A `rate()` is taken to be in phase with `before` (an occurrence of it): its previous fire
    /// time is one period earlier. A cron is searched forward from ever further back (a day, a
    /// month, a year, ten years), so the cost follows how often it fires, not how far back its
    /// last fire time is.
    ///
    /// ```
    /// use jiff::{Timestamp, tz::TimeZone};
    /// use schedule_core::Schedule;
    ///
    /// let weekdays: Schedule = "cron(0 9 ? * MON-FRI *)".parse()?;
    /// let berlin = TimeZone::get("Europe/Berlin")?;
    /// // Monday 09:00 in Berlin: the run before it was on Friday.
    /// let monday: Timestamp = "2026-11-30T08:00:00Z".parse()?;
    /// assert_eq!(
    ///     weekdays.last_before(monday, &berlin),
    ///     Some("2026-11-27T08:00:00Z".parse()?)
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn last_before(&self, before: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
        match self {
            Schedule::Rate(r) => before.checked_sub(r.period()).ok(),
            Schedule::At(a) => a.instant(tz).filter(|t| *t < before),
            Schedule::Cron(_) => [1, 32, 366, LOOK_BACK_DAYS].into_iter().find_map(|days| {
                let from = before
                    .checked_sub(SignedDuration::from_hours(24 * days))
                    .ok()?;
                // Fire times are strictly after their start: start a nanosecond earlier.
                let from = from.checked_sub(SignedDuration::from_nanos(1)).ok()?;
                self.fire_times(from, tz).take_while(|t| *t < before).last()
            }),
        }
    }

    /// The fire times strictly after `after`, in order, evaluated in `tz`.
    ///
    /// The iterator ends when the schedule can never fire again: after the single time of an
    /// `at()`, or after the last matching minute of 2199 for a cron. A `rate()` starts counting
    /// at `after` and ends only at the end of representable time, so bound it with `take`.
    ///
    /// ```
    /// use jiff::{Timestamp, tz::TimeZone};
    /// use schedule_core::Schedule;
    ///
    /// let s: Schedule = "cron(15 10 ? * 6L 2026-2027)".parse()?;
    /// let london = TimeZone::get("Europe/London")?;
    /// let after: Timestamp = "2026-03-01T00:00:00Z".parse()?;
    /// let times: Vec<String> = s.fire_times(after, &london).take(2).map(|t| t.to_string()).collect();
    /// // 10:15 on the last Friday of March (GMT) and of April (BST, one hour ahead of UTC).
    /// assert_eq!(times, ["2026-03-27T10:15:00Z", "2026-04-24T09:15:00Z"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn fire_times<'a>(&'a self, after: Timestamp, tz: &'a TimeZone) -> FireTimes<'a> {
        FireTimes {
            schedule: self,
            tz,
            last: Some(after),
        }
    }

    /// The times between consecutive fire times after `after` in `tz`: how far apart the
    /// runs are (the shortest warns of overlap, the longest is a monitor's period).
    ///
    /// ```
    /// use schedule_core::Schedule;
    /// use schedule_core::jiff::{SignedDuration, Timestamp, tz::TimeZone};
    ///
    /// // 08:00 and 18:00 on weekdays: ten hours, then fourteen, then a weekend.
    /// let s: Schedule = "cron(0 8,18 ? * MON-FRI *)".parse()?;
    /// let monday: Timestamp = "2026-11-30T00:00:00Z".parse()?;
    /// let gaps: Vec<SignedDuration> = s.gaps(monday, &TimeZone::UTC).take(10).collect();
    /// assert_eq!(gaps.iter().min(), Some(&SignedDuration::from_hours(10)));
    /// assert_eq!(gaps.iter().max(), Some(&SignedDuration::from_hours(62)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn gaps<'a>(
        &'a self,
        after: Timestamp,
        tz: &'a TimeZone,
    ) -> impl Iterator<Item = SignedDuration> + 'a {
        let mut times = self.fire_times(after, tz);
        let mut previous = times.next();
        std::iter::from_fn(move || {
            let next = times.next()?;
            let gap = next.duration_since(previous?);
            previous = Some(next);
            Some(gap)
        })
    }
}

/// How far back [`Schedule::last_before`] looks: ten years of days.
pub const LOOK_BACK_DAYS: i64 = 3_653;

/// Iterator over a schedule's fire times; see [`Schedule::fire_times`].
#[derive(Debug, Clone)]
pub struct FireTimes<'a> {
    schedule: &'a Schedule,
    tz: &'a TimeZone,
    last: Option<Timestamp>,
}

impl Iterator for FireTimes<'_> {
    type Item = Timestamp;

    fn next(&mut self) -> Option<Timestamp> {
        let next = self.schedule.next_after(self.last?, self.tz);
        self.last = next;
        next
    }
}

impl std::iter::FusedIterator for FireTimes<'_> {}

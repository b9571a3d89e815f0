//! The next fire times of an expression given as text: parse, look up the zone, evaluate.

use jiff::{Timestamp, ZonedDateTime};

use crate::error::ParseError;
use crate::schedule::Schedule;
use crate::zone::{ZoneError, time_zone};

/// Why `next` could not compute fire times.
#[derive(Debug, thiserror::Error)]
pub enum NextError {
    /// The expression does not parse; the message shows where.
    #[error("{}", .error.render(.expression))]
    Expression {
        /// The expression as given.
        expression: String,
        /// The parser's verdict.
        error: ParseError,
    },
    /// The zone is not an IANA name AWS accepts.
    #[error(transparent)]
    Zone(#[from] ZoneError),
}

/// The first `count` fire times of `expression` in zone `zone` strictly after `after`, each in
/// that zone.
///
/// Fewer come back when the schedule stops firing (an `at()` in the past, a cron whose years
/// run out). A `rate()` counts from `after`: `after` plus one, two, ... periods.
///
/// ```
/// let after = "2026-03-01T00:00:00Z".parse()?;
/// let times = schedule_core::next_fire_times("cron(0 8 ? * MON *)", "Europe/London", after, 2)?;
/// let text: Vec<String> = times.iter().map(schedule_core::format_zoned).collect();
/// assert_eq!(text, ["2026-03-02T08:00:00+00:00", "2026-03-09T08:00:00+00:00"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn next_fire_times(
    expression: &str,
    zone: &str,
    after: Timestamp,
    count: usize,
) -> Result<Vec<ZonedDateTime>, NextError> {
    let schedule: Schedule = expression.parse().map_err(|error| NextError::Expression {
        expression: expression.to_owned(),
        error,
    })?;
    let tz = time_zone(zone)?;
    Ok(schedule
        .fire_times(after, &tz)
        .take(count)
        .map(|t| t.to_zoned_datetime(tz.clone()))
        .collect())
}

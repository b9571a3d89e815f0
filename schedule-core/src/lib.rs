//! The schedule language of [EventBridge Scheduler], exactly as AWS reads it.
//!
//! Everything in `schedule` that talks about *when* goes through this crate: the
//! `#[scheduled]` macro validates expressions with it at compile time, the runtime and the local
//! runner compute fire times with it, and codegen prints its canonical form into Terraform. It
//! does no I/O and has no async: it is a pure function of its inputs and of the IANA time-zone
//! database compiled into it.
//!
//! # Parse, describe, evaluate
//!
//! ```
//! use jiff::Timestamp;
//! use schedule_core::{Schedule, time_zone};
//!
//! // 1. Parse AWS's dialect: six fields, `?` in one day field, 1 = Sunday, years 1970-2199.
//! let schedule: Schedule = "cron(0 9 ? * 2#1 *)".parse()?;
//!
//! // 2. Describe it for people.
//! assert_eq!(schedule.describe_in("Europe/Berlin"), "at 09:00 on the first Monday of each month, Europe/Berlin");
//!
//! // 3. Evaluate it in a zone, with AWS's DST rules.
//! let berlin = time_zone("Europe/Berlin")?;
//! let after: Timestamp = "2026-11-26T12:00:00Z".parse()?;
//! let next = schedule.next_after(after, &berlin).expect("fires again");
//! assert_eq!(next.to_string(), "2026-12-07T08:00:00Z"); // 09:00 CET
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Invalid expressions produce a [`ParseError`] naming the field, the text and what would be
//! valid, with a byte range for pointing at it:
//!
//! ```
//! let err = "cron(0 9 * * MON *)".parse::<schedule_core::Schedule>().unwrap_err();
//! assert!(err.to_string().starts_with("one of day-of-month and day-of-week must be `?`"));
//! ```
//!
//! # Where AWS is silent
//!
//! AWS documents most of the dialect; for the rest this crate takes the strict reading, so
//! that an expression it accepts is one AWS documents:
//!
//! - `CRON(`, `Rate(`: rejected; only the lower-case keywords are documented.
//! - Five-field cron: rejected with a hint to add the year.
//! - `L-3` (days before the last): rejected. `L`, `LW`, `nW`, `nL` and `d#n` must stand alone.
//! - Whitespace: exactly one space between fields, none inside the parentheses.
//! - `rate(1 hours)` is accepted (AWS's own Scheduler docs write `rate(1 days)`); `rate(5 minute)`
//!   is not. The canonical form is singular for 1.
//! - Steps (`/n`) are 1 to the field's largest value (Quartz's limits); day-of-week takes no steps.
//! - `nW` for a day the month does not have (`31W` in April) does not fire that month.
//! - `L` alone in day-of-week means Saturday, the last day of the week, as in Quartz.
//! - `at()` in a spring-forward gap fires at the same clock time moved forward by the gap.
//!
//! [EventBridge Scheduler]: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html

mod at;
mod cron;
mod describe;
mod dst;
mod error;
pub mod limits;
mod next;
mod rate;
mod schedule;
mod task;
mod zone;

pub use at::At;
pub use cron::Cron;
pub use dst::{DstChange, DstKind};
pub use error::{ErrorKind, Field, ParseError};
pub use next::{NextError, next_fire_times};
pub use rate::{Rate, RateUnit};
pub use schedule::{FireTimes, LOOK_BACK_DAYS, MAX_EXPRESSION_LEN, Schedule};
pub use task::{Idempotency, Monitor, Overlap, TaskSpec};
pub use zone::{ZoneError, closest, format_instant, format_zoned, time_zone};

/// The date-time library this crate's API speaks, re-exported so that callers use the same
/// version.
pub use jiff;

//! When a task fires next, with the rules AWS applies: the task's zone and DST rules (via
//! `schedule-core`), its start and end dates, and for `rate()` a phase counted from the start
//! date, or from when the runner started (as AWS counts from the schedule's creation).

use schedule_core::Schedule;
use schedule_core::jiff::tz::TimeZone;
use schedule_core::jiff::{SignedDuration, Timestamp};

use super::Registration;

/// One task as the runner schedules it.
pub(crate) struct Planned {
    pub(crate) task: &'static Registration,
    schedule: Schedule,
    zone: TimeZone,
    start: Option<Timestamp>,
    end: Option<Timestamp>,
    /// The first fire time of a `rate()`.
    anchor: Timestamp,
}

impl Planned {
    /// `None` when the declaration does not parse (the registry has already checked it, so this
    /// cannot happen for a registered task).
    pub(crate) fn new(task: &'static Registration, runner_start: Timestamp) -> Option<Planned> {
        let spec = task.spec();
        let schedule = spec.schedule()?.ok()?;
        let zone = spec.time_zone().ok()?;
        let parse = |text: Option<&str>| text.and_then(|t| t.parse::<Timestamp>().ok());
        let (start, end) = (parse(spec.start), parse(spec.end));
        // Scheduler's times are whole seconds (its events carry no fraction).
        let runner_start = Timestamp::from_second(runner_start.as_second()).ok()?;
        let anchor = match (&schedule, start) {
            (Schedule::Rate(rate), None) => runner_start.checked_add(rate.period()).ok()?,
            (_, Some(start)) => start,
            (_, None) => runner_start,
        };
        Some(Planned {
            task,
            schedule,
            zone,
            start,
            end,
            anchor,
        })
    }

    /// The same plan with a `rate()` counted from `anchor` (a fire time the ledger saw) instead
    /// of from the runner's start; other schedules are unchanged.
    pub(crate) fn anchored(self, anchor: Timestamp) -> Planned {
        match (&self.schedule, self.start) {
            (Schedule::Rate(_), None) => Planned { anchor, ..self },
            _ => self,
        }
    }

    /// The period of a `rate()`.
    pub(crate) fn rate_period(&self) -> Option<SignedDuration> {
        match &self.schedule {
            Schedule::Rate(rate) => Some(rate.period()),
            _ => None,
        }
    }

    /// The first fire time strictly after `after`, if the task fires again.
    pub(crate) fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        // A start date is itself a possible fire time.
        let after = match self.start {
            Some(start) if start > after => {
                start.checked_sub(SignedDuration::from_nanos(1)).ok()?
            }
            _ => after,
        };
        let next = match &self.schedule {
            Schedule::Rate(rate) => rate.next_after(self.anchor, after),
            other => other.next_after(after, &self.zone),
        }?;
        // Treat the window as [start, end): AWS does not say whether an occurrence at the end
        // date fires.
        match self.end {
            Some(end) if next >= end => None,
            _ => Some(next),
        }
    }
}

//! The missed-run rule, shared by the periodic check, `status` and `history`: an occurrence that
//! the task's schedule says was due (in an environment it is enabled in, within its start and
//! end) is *missed* when no record of it exists once its flexible window, its maximum age (the
//! time both retry layers may still deliver it) and a grace period have passed.
//!
//! Only a deployment that existed when an occurrence was due can miss it, so the rule starts at
//! the task's [`Watch`]: the check's mark once it has looked at the task, and before that the
//! earliest occurrence one of the task's schedules delivered. What operators send (`invoke`,
//! `backfill`, `replay`) and deferred runs never move it back: a backfill of last month does
//! not make every occurrence since then missed.

use std::collections::BTreeSet;

use schedule_core::TaskSpec;
use schedule_core::jiff::{SignedDuration, Timestamp};

use super::{Ledger, LedgerError, Record};
use crate::task::Planned;
use crate::task::Registration;

/// Slack after an occurrence's last possible delivery before it counts as missed: a delivery
/// accepted at the last moment still has to start and write its record.
pub const GRACE: SignedDuration = SignedDuration::from_mins(5);

/// The most occurrences one look covers, so that a long gap in a fast schedule stays bounded.
const MOST_OCCURRENCES: usize = 100_000;

/// How long after its scheduled time an occurrence may still arrive: the window, the maximum
/// age and [`GRACE`].
pub fn lateness(spec: &TaskSpec) -> SignedDuration {
    let window = SignedDuration::from_mins(spec.window_minutes.map_or(0, i64::from));
    window + SignedDuration::from_secs(spec.effective_max_age_seconds().into()) + GRACE
}

/// Where the missed-run rule starts for one task: occurrences due after [`Watch::since`] can
/// be missed, earlier ones cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Watch {
    /// The check has looked up to here (its mark).
    Checked(Timestamp),
    /// The check has not looked yet; one of the task's schedules delivered its occurrence due
    /// just after this instant, the earliest such in the ledger.
    Delivered(Timestamp),
    /// The check has not looked and no schedule has delivered anything: nothing can have
    /// been missed yet.
    NotYet,
}

impl Watch {
    /// Reads `task`'s watch from `ledger`, looking no further back than `floor` (the start of
    /// the retention: older records are gone).
    pub(crate) async fn read(
        ledger: &dyn Ledger,
        task: &str,
        floor: Timestamp,
    ) -> Result<Watch, LedgerError> {
        if let Some(mark) = ledger.checked_until(task).await? {
            return Ok(Watch::Checked(mark.max(floor)));
        }
        Ok(match ledger.first_by_schedule(task, floor).await? {
            // The first delivered occurrence itself is covered; the rule starts with it.
            Some(first) => Watch::Delivered(first - SignedDuration::from_nanos(1)),
            None => Watch::NotYet,
        })
    }

    /// The watch of a task from what [`Ledger::read_task`](super::Ledger::read_task) read
    /// (its records due at or after `floor`, and the check's mark): as [`Watch::read`], in no
    /// further read.
    pub(crate) fn from_read(read: &super::TaskRead, floor: Timestamp) -> Watch {
        if let Some(mark) = read.checked_until {
            return Watch::Checked(mark.max(floor));
        }
        read.records
            .iter()
            .filter(|r| r.by_schedule && r.scheduled_time >= floor)
            .map(|r| r.scheduled_time)
            .min()
            .map_or(Watch::NotYet, |first| {
                Watch::Delivered(first - SignedDuration::from_nanos(1))
            })
    }

    /// Occurrences due after this can be missed; `None` before anything started watching.
    pub(crate) fn since(self) -> Option<Timestamp> {
        match self {
            Watch::Checked(from) | Watch::Delivered(from) => Some(from),
            Watch::NotYet => None,
        }
    }
}

/// The occurrences of `task` due in `(after, until]` that none of `records` (the task's records
/// of that span, in any order) is about.
///
/// A `rate()` without a start date fires at multiples of its period from when its schedule was
/// created, which only AWS knows; its phase is taken from the records (the earliest one), and
/// an occurrence counts as covered by a record within half a period of it.
pub(crate) fn uncovered(
    task: &'static Registration,
    after: Timestamp,
    until: Timestamp,
    records: &[Record],
) -> Vec<Timestamp> {
    if until <= after {
        return Vec::new();
    }
    let Some(mut plan) = Planned::new(task, after) else {
        return Vec::new();
    };
    let seen: BTreeSet<Timestamp> = records.iter().map(|r| r.scheduled_time).collect();
    let tolerance = match plan.rate_period() {
        Some(period) => {
            let anchor = match seen.first() {
                // The earliest fire time after `after` in the records' phase.
                Some(first) => {
                    let periods = first.duration_since(after).as_secs() / period.as_secs().max(1);
                    *first - SignedDuration::from_secs(periods * period.as_secs())
                }
                None => after + period,
            };
            plan = plan.anchored(anchor);
            period / 2
        }
        None => SignedDuration::ZERO,
    };
    let covered = |time: Timestamp| {
        seen.range(time - tolerance..=time + tolerance)
            .next()
            .is_some()
    };
    std::iter::successors(plan.next_after(after), |t| plan.next_after(*t))
        .take_while(|t| *t <= until)
        .take(MOST_OCCURRENCES)
        .filter(|t| !covered(*t))
        .collect()
}

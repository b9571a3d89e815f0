//! Failures in a row, for tasks declared `alert_after` or `pause_after`: after each run the
//! ledger says how many of the task's newest occurrences failed one after the other, and the
//! dispatcher acts on the count.
//!
//! - `alert_after = N`: from the N-th failed occurrence in a row on, each failed run publishes
//!   the count as the task's `ConsecutiveFailures` metric, which the task's alarm watches
//!   (threshold N); the first success after such a streak publishes 0, which clears the alarm
//!   and sends its recovery (the alarm keeps its state while nothing is published).
//! - `pause_after = N`: the N-th failed occurrence in a row pauses the task, in the ledger, as
//!   an operator's `pause` would (by `schedule`, with the reason); `resume` undoes it. As in
//!   Airflow, a resumed task that fails again before it succeeds is paused again: its streak
//!   is still N or more.
//!
//! Occurrences, not attempts: a retry of a failed occurrence fails the same record, so it
//! counts once. Skipped, duplicate, missed and running records neither count nor break a
//! streak; a success ends it. Only these tasks pay the one ledger read per run it costs, and
//! a read that fails or is slow leaves the count unknown and the run's outcome as it was.

use schedule_core::jiff::Timestamp;
use tracing::{info, warn};

use super::Dispatcher;
use crate::ledger::{Pause, Record, Status};
use crate::task::Registration;

/// Who an automatic pause is recorded as.
const AUTO_PAUSE_BY: &str = "schedule";

/// Newest records read beyond the count looked for, so that skipped or duplicate deliveries
/// between failures do not hide a streak.
const SLACK: usize = 10;

impl Dispatcher {
    /// Acts on the task's streak after one of its runs ended with `status`; `scheduled_time`
    /// is the run's occurrence, `excerpt` its error's start.
    pub(super) async fn follow_streak(
        &self,
        task: &'static Registration,
        scheduled_time: Timestamp,
        status: Status,
        excerpt: Option<&str>,
    ) {
        let spec = task.spec();
        let Some(wanted) = spec.alert_after.max(spec.pause_after) else {
            return;
        };
        // A success matters only to an alarm's recovery; other endings to nothing.
        let matters =
            status.is_failure() || (status == Status::Succeeded && spec.alert_after.is_some());
        if !matters {
            return;
        }
        let limit = usize::from(wanted) + SLACK;
        let Some(records) = self.recorder.recent(spec.name, limit).await else {
            return;
        };
        if status.is_failure() {
            let count = streak(records.iter());
            info!(failures_in_a_row = count, "failed occurrences in a row");
            if spec.alert_after.is_some_and(|n| count >= usize::from(n)) {
                self.publish_streak(spec.name, count);
            }
            if spec.pause_after.is_some_and(|n| count >= usize::from(n)) {
                self.auto_pause(spec.name, count, excerpt).await;
            }
        } else if status == Status::Succeeded
            && let Some(n) = spec.alert_after
            && ends_a_streak(&records, scheduled_time, usize::from(n))
        {
            info!("succeeded after failures in a row: the alarm clears");
            self.publish_streak(spec.name, 0);
        }
    }

    fn publish_streak(&self, task: &str, count: usize) {
        if let Some(metrics) = &self.metrics {
            metrics.failures_in_a_row(task, count);
        }
    }

    /// Pauses `task` unless it is paused already (by anyone).
    async fn auto_pause(&self, task: &str, count: usize, excerpt: Option<&str>) {
        if self
            .recorder
            .pause_of(task)
            .await
            .is_some_and(|p| p.is_some())
        {
            return;
        }
        let last = excerpt
            .map(|e| format!("; the last: {e}"))
            .unwrap_or_default();
        let pause = Pause {
            by: AUTO_PAUSE_BY.to_owned(),
            at: Timestamp::now(),
            reason: Some(format!(
                "{count} failed occurrences in a row (pause_after){last}"
            )),
        };
        if self.recorder.set_pause(task, &pause).await {
            warn!(%pause, "task paused automatically; `resume` restores it");
        }
    }
}

/// How many of `records` (newest first) failed in a row from the newest on.
fn streak<'a>(records: impl Iterator<Item = &'a Record>) -> usize {
    let mut count = 0;
    for record in records {
        if record.status == Status::Succeeded {
            break;
        }
        if record.status.is_failure() {
            count += 1;
        }
    }
    count
}

/// Whether the success of the occurrence at `scheduled_time` ends a streak of at least `n`:
/// the failures in a row before it (its own failed attempts, when a retry succeeded, among
/// them) reach `n`, and no newer occurrence has failed since (a backfilled or replayed old
/// occurrence that succeeds does not end the streak of the newest).
fn ends_a_streak(records: &[Record], scheduled_time: Timestamp, n: usize) -> bool {
    let newer_failed = records
        .iter()
        .any(|r| r.scheduled_time > scheduled_time && r.status.is_failure());
    if newer_failed {
        return false;
    }
    let failed_before = records
        .iter()
        .find(|r| r.scheduled_time == scheduled_time)
        .is_some_and(|r| r.failures > 0);
    let before = streak(records.iter().filter(|r| r.scheduled_time < scheduled_time));
    before + usize::from(failed_before) >= n
}

#[cfg(test)]
mod tests {
    use schedule_core::jiff::Timestamp;

    use super::*;

    fn records(statuses: &[Status]) -> Vec<Record> {
        statuses
            .iter()
            .enumerate()
            .map(|(i, status)| Record {
                status: *status,
                ..Record::empty(
                    "t",
                    Timestamp::from_second(1_000_000 - i as i64 * 60).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn only_the_success_that_ends_the_newest_streak_clears_the_alarm() {
        use Status::*;
        let at = |i: usize| records(&[Succeeded; 8])[i].scheduled_time;
        // Newest first: a success after three failures ends a streak of 3.
        let newest = records(&[Succeeded, Failed, Failed, Failed, Succeeded]);
        assert!(ends_a_streak(&newest, at(0), 3));
        assert!(!ends_a_streak(&newest, at(0), 4));
        // A backfilled old occurrence that succeeds while the newest keep failing.
        let backfill = records(&[Failed, Failed, Failed, Succeeded, Failed]);
        assert!(!ends_a_streak(&backfill, at(3), 1));
        // The third failure's retry succeeded: its own failed attempt counts.
        let mut retried = records(&[Succeeded, Failed, Failed, Succeeded]);
        retried[0].failures = 1;
        assert!(ends_a_streak(&retried, at(0), 3));
        retried[0].failures = 0;
        assert!(!ends_a_streak(&retried, at(0), 3));
        // The success's own record still reads as its failed attempt (the success's write
        // did not land): only newer occurrences can hold the alarm, not this one.
        let mut unwritten = records(&[Failed, Failed, Failed]);
        unwritten[0].failures = 1;
        assert!(ends_a_streak(&unwritten, at(0), 3));
    }

    #[test]
    fn a_streak_counts_failed_occurrences_from_the_newest_until_a_success() {
        use Status::*;
        for (statuses, expected) in [
            (vec![Failed, TimedOut, Panicked, Succeeded, Failed], 3),
            (vec![Succeeded, Failed, Failed], 0),
            (
                vec![Failed, Skipped, Duplicate, Missed, Running, DeadLettered],
                2,
            ),
            (vec![], 0),
        ] {
            assert_eq!(streak(records(&statuses).iter()), expected, "{statuses:?}");
        }
    }
}

//! The missed-run check: run periodically (by a generated schedule in AWS, by the local runner
//! on a laptop), it marks each occurrence that was due and never arrived as
//! [missed](super::Status::Missed), so that `status` counts it and an alarm fires on it.
//!
//! Per task it keeps a mark, "checked up to here", in the ledger. Each check looks at the
//! occurrences between the mark and now minus the task's [lateness](super::missed::lateness),
//! then moves the mark. A task's first check starts at the earliest occurrence one of its
//! schedules delivered, or, when none has arrived yet, at that first look itself: an
//! occurrence due before the deployment existed is never missed, whatever operators sent for
//! it (see [`Watch`]). The first look reads the records from the oldest on only until the
//! first such delivery, never the whole retention of a fast schedule.

use schedule_core::jiff::Timestamp;
use serde::Serialize;

use super::missed::{Watch, lateness, uncovered};
use super::{Change, Occurrence, Query, Recorder};
use crate::registry::Registry;

/// The missed occurrences one check found for one task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MissedRuns {
    /// The task.
    pub task: String,
    /// The occurrences newly found missed.
    pub scheduled_times: Vec<Timestamp>,
}

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// One entry per task checked (enabled in the environment), with or without misses.
    pub tasks: Vec<MissedRuns>,
    /// Tasks whose check could not be completed, and why; they are checked again next time.
    pub errors: Vec<String>,
}

impl CheckReport {
    /// All occurrences found missed.
    pub fn missed(&self) -> usize {
        self.tasks.iter().map(|t| t.scheduled_times.len()).sum()
    }
}

/// Checks every task of `registry` enabled in `environment` for missed occurrences up to
/// `now`, writing what it finds through `recorder`.
pub async fn check_missed_runs(
    registry: &Registry,
    environment: &str,
    recorder: &Recorder,
    now: Timestamp,
) -> CheckReport {
    let mut report = CheckReport::default();
    for task in registry.tasks() {
        let spec = task.spec();
        if !spec.enabled_in(environment) {
            continue;
        }
        match check_task(task, recorder, now).await {
            Ok(scheduled_times) => report.tasks.push(MissedRuns {
                task: spec.name.to_owned(),
                scheduled_times,
            }),
            Err(problem) => report.errors.push(format!("{}: {problem}", spec.name)),
        }
    }
    report
}

async fn check_task(
    task: &'static crate::task::Registration,
    recorder: &Recorder,
    now: Timestamp,
) -> Result<Vec<Timestamp>, super::LedgerError> {
    let ledger = recorder.ledger();
    let name = task.name();
    // Occurrences due up to here can no longer arrive.
    let settled = now - lateness(task.spec());
    let expires_at = now
        .checked_add(recorder.retention())
        .unwrap_or(Timestamp::MAX);
    let watch = Watch::read(ledger.as_ref(), name, now - recorder.retention()).await?;
    // Before any delivery by schedule, watching starts with this first look.
    let from = watch.since().unwrap_or(now);
    if settled <= from {
        if !matches!(watch, Watch::Checked(_)) {
            ledger.set_checked_until(name, from, expires_at).await?;
        }
        return Ok(Vec::new());
    }
    let records = ledger
        .history(
            name,
            Query {
                since: Some(from),
                until: None,
                limit: usize::MAX,
            },
        )
        .await?;
    // A run deferred from code is no occurrence of the schedule, even at the same instant.
    let records: Vec<_> = records
        .into_iter()
        .filter(|record| record.deferral.is_none())
        .collect();
    let missed = uncovered(task, from, settled, &records);
    for &scheduled_time in &missed {
        if !recorder
            .record(Occurrence::of(name, scheduled_time), Change::Missed)
            .await
        {
            return Err(super::LedgerError::new(
                format!("marking {scheduled_time} missed"),
                None,
            ));
        }
    }
    ledger.set_checked_until(name, settled, expires_at).await?;
    Ok(missed)
}

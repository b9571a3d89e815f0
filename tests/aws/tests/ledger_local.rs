//! The ledger under the local runner on tokio's paused clock: days of schedules, a task that
//! stops being run midway, and what `status` and `history` then say, against counts worked out
//! by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::ledger::{self, Ledger, LocalLedger, Occurrence, Query, Recorder, Status};
use schedule_runtime::runner::{Clock, DeadLetterFile, Runner};
use schedule_runtime::{Dispatcher, Heartbeat, Registry, TaskContext, scheduled};

/// Midnight UTC three days before today: the days of schedules below end before now on any
/// date, so what the ledger keeps (30 days from now) holds them all.
fn start() -> Timestamp {
    let today = Timestamp::now().as_second().div_euclid(86_400) * 86_400;
    Timestamp::from_second(today - 3 * 86_400).unwrap()
}

/// Every six hours: 00:00, 06:00, 12:00, 18:00 UTC.
#[scheduled("cron(0 0/6 * * ? *)")]
async fn keeps_running(_ctx: TaskContext) {}

/// The same schedule; the second runner leaves it out, as a task disabled by hand would be.
#[scheduled("cron(0 0/6 * * ? *)")]
async fn stops_midway(_ctx: TaskContext) -> Result<u32, std::io::Error> {
    Ok(6)
}

fn registry_of(names: &[&str]) -> Registry {
    let all = Registry::load().unwrap();
    Registry::from_registrations(
        all.tasks()
            .iter()
            .copied()
            .filter(|t| names.contains(&t.name())),
    )
    .unwrap()
}

async fn run(names: &[&str], ledger: &Arc<LocalLedger>, from: Timestamp, hours: u64) {
    let recorder = Recorder::new(ledger.clone(), ledger::DEFAULT_RETENTION);
    let dispatcher = Dispatcher::new(
        registry_of(names),
        Arc::new(MemoryStore::new()),
        Heartbeat::disabled(),
        "local",
    )
    .with_ledger(recorder);
    let letters = std::env::temp_dir().join(format!("ledger-local-{}.jsonl", std::process::id()));
    Runner::new(dispatcher, DeadLetterFile::new(letters))
        .with_clock(Clock::starting_at(from))
        .run(tokio::time::sleep(Duration::from_secs(hours * 3600)))
        .await;
    // Let the last check's writes land.
    tokio::time::sleep(Duration::from_millis(10)).await;
}

#[tokio::test(start_paused = true)]
async fn a_task_left_out_midway_shows_its_missed_occurrences() {
    let path = std::env::temp_dir().join(format!("ledger-{}.jsonl", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let ledger = Arc::new(LocalLedger::open(&path));
    let both = ["keeps-running", "stops-midway"];

    // Day one, 00:00 to 23:00: both run at 06, 12 and 18 (the runner fires what is due
    // after it starts, not at that instant).
    run(&both, &ledger, start(), 23).await;
    // Then 48 hours without `stops_midway`.
    let resumed = start() + SignedDuration::from_hours(23);
    run(&["keeps-running"], &ledger, resumed, 48).await;

    let now = start() + SignedDuration::from_hours(71);
    let full = registry_of(&both);
    let statuses = ledger::status(
        &full,
        "local",
        ledger.as_ref(),
        now,
        ledger::DEFAULT_RETENTION,
    )
    .await
    .unwrap();
    let of = |name: &str| statuses.iter().find(|s| s.task == name).unwrap().clone();

    // The last check of day one moved the mark to 22:55 - 6h05m = 16:50 (max age six hours,
    // five minutes' grace). Due after it and at least 6h05m before 71:00 (= 64:55): 18:00
    // (recorded), then 24, 30, 36, 42, 48, 54 and 60 hours: seven missed.
    let stopped = of("stops-midway");
    assert_eq!(stopped.missed, 7);
    assert_eq!(
        stopped.last_success,
        Some(start() + SignedDuration::from_hours(18))
    );
    let kept = of("keeps-running");
    assert_eq!(kept.missed, 0);
    // 71:00 is 23:00 on day three; the last run was at 18:00 that day (66 hours in).
    assert_eq!(
        kept.last_run.as_ref().map(|r| r.scheduled_time),
        Some(start() + SignedDuration::from_hours(66))
    );
    assert_eq!(kept.next, Some(start() + SignedDuration::from_hours(72)));

    // The check marks them in the ledger; `status` then counts each once.
    let dispatcher = Dispatcher::new(
        full,
        Arc::new(MemoryStore::new()),
        Heartbeat::disabled(),
        "local",
    )
    .with_ledger(Recorder::new(ledger.clone(), ledger::DEFAULT_RETENTION));
    let outcome = dispatcher.check(now).await.unwrap();
    let schedule_runtime::Outcome::Checked { report } = outcome else {
        panic!("not a check: {outcome:?}");
    };
    assert_eq!(report.missed(), 7);
    let history = ledger
        .history(
            "stops-midway",
            Query {
                since: None,
                until: None,
                limit: 20,
            },
        )
        .await
        .unwrap();
    let statuses_seen: Vec<(i64, Status)> = history
        .iter()
        .map(|r| {
            (
                r.scheduled_time.duration_since(start()).as_hours(),
                r.status,
            )
        })
        .collect();
    let missed = |h| (h, Status::Missed);
    let ran = |h| (h, Status::Succeeded);
    assert_eq!(
        statuses_seen,
        [
            missed(60),
            missed(54),
            missed(48),
            missed(42),
            missed(36),
            missed(30),
            missed(24),
            ran(18),
            ran(12),
            ran(6)
        ]
    );
    assert_eq!(
        history[7].excerpt.as_deref(),
        Some("6"),
        "the result is kept"
    );
    let again = ledger::status(
        dispatcher.registry(),
        "local",
        ledger.as_ref(),
        now,
        ledger::DEFAULT_RETENTION,
    )
    .await
    .unwrap();
    assert_eq!(
        again
            .iter()
            .find(|s| s.task == "stops-midway")
            .unwrap()
            .missed,
        7
    );
    // And a second check finds nothing new.
    let schedule_runtime::Outcome::Checked { report } = dispatcher.check(now).await.unwrap() else {
        panic!("not a check");
    };
    assert_eq!(report.missed(), 0);
}

/// A week of `keeps-running` backfilled a month before the runner first starts, and one of
/// its occurrences run by hand: the runner's first check finds nothing missed. Then the runner
/// is stopped for a day: exactly the occurrences of that gap are missed, none before it.
#[tokio::test(start_paused = true)]
async fn what_operators_ran_before_the_runner_started_is_never_missed() {
    let ledger = Arc::new(LocalLedger::in_memory());
    let registry = registry_of(&["keeps-running"]);
    let task = registry.get("keeps-running").unwrap();
    let operator = Dispatcher::new(
        registry_of(&["keeps-running"]),
        Arc::new(MemoryStore::new()),
        Heartbeat::disabled(),
        "local",
    )
    .with_ledger(Recorder::new(ledger.clone(), ledger::DEFAULT_RETENTION));
    let month_before = start() - SignedDuration::from_hours(30 * 24);
    let backfilled = schedule_runtime::runner::due_between(
        task,
        month_before,
        month_before + SignedDuration::from_hours(7 * 24),
        100,
    );
    assert_eq!(backfilled.len(), 28);
    for time in backfilled
        .iter()
        .chain([&(start() - SignedDuration::from_hours(20 * 24))])
    {
        let (event, id) =
            schedule_runtime::event::operator_event("keeps-running", None, *time).unwrap();
        let invocation = schedule_runtime::Invocation {
            request_id: id,
            deadline: None,
        };
        operator.dispatch(event, invocation).await.unwrap();
    }

    // Day one, 00:00 to 23:00: 06, 12 and 18 run; the first check (at the start) and the
    // later ones find nothing missed.
    run(&["keeps-running"], &ledger, start(), 23).await;
    let day_one = start() + SignedDuration::from_hours(23);
    let statuses = ledger::status(
        &registry,
        "local",
        ledger.as_ref(),
        day_one,
        ledger::DEFAULT_RETENTION,
    )
    .await
    .unwrap();
    assert_eq!(statuses[0].missed, 0);
    let all = Query {
        since: None,
        until: None,
        limit: 1_000,
    };
    let records = ledger.history("keeps-running", all).await.unwrap();
    assert_eq!(records.len(), 29 + 3);
    assert!(records.iter().all(|r| r.status == Status::Succeeded));

    // Stopped from 23:00 until 47:00, then run to 71:00. The check at the restart looks at
    // everything due after its last mark (22:55 less 6h05m of lateness: 16:50) and at least
    // 6h05m before 47:00 (40:55): 18:00 ran, 24:00, 30:00 and 36:00 were missed; at 71:00,
    // 42:00 too (48:00 onwards ran).
    run(
        &["keeps-running"],
        &ledger,
        start() + SignedDuration::from_hours(47),
        24,
    )
    .await;
    let end = start() + SignedDuration::from_hours(71);
    let shown = ledger::history(task, "local", ledger.as_ref(), all, end)
        .await
        .unwrap();
    let missed: Vec<i64> = shown
        .iter()
        .filter(|r| r.status == Status::Missed)
        .map(|r| r.scheduled_time.duration_since(start()).as_hours())
        .collect();
    assert_eq!(missed, [42, 36, 30, 24]);
    let statuses = ledger::status(
        &registry,
        "local",
        ledger.as_ref(),
        end,
        ledger::DEFAULT_RETENTION,
    )
    .await
    .unwrap();
    assert_eq!(statuses[0].missed, 4);
}

/// Every two hours, counted from when AWS created the schedule, which only the records show.
#[scheduled("rate(2 hours)", max_age = "1h")]
async fn every_two_hours(_ctx: TaskContext) {}

#[tokio::test]
async fn a_rate_takes_its_phase_from_the_records() {
    let ledger = Arc::new(LocalLedger::in_memory());
    let recorder = Recorder::new(ledger.clone(), ledger::DEFAULT_RETENTION);
    let phase = SignedDuration::from_secs(30);
    // Runs at 00:00:30, 02:00:30, 06:00:30 and 08:00:30: the 04:00:30 one never came.
    for hour in [0, 2, 6, 8] {
        let scheduled = start() + SignedDuration::from_hours(hour) + phase;
        recorder
            .record(
                Occurrence::of("every-two-hours", scheduled),
                schedule_runtime::ledger::Change::Started(schedule_runtime::ledger::Start {
                    at: scheduled,
                    attempt: Some(1),
                    execution_id: None,
                    request_id: format!("r{hour}"),
                    environment: "local".to_owned(),
                    by_schedule: true,
                }),
            )
            .await;
    }
    let registry = registry_of(&["every-two-hours"]);
    // At 10:30 the 10:00:30 occurrence is not yet an hour and five minutes late.
    let now = start() + SignedDuration::from_mins(10 * 60 + 30);
    let statuses = ledger::status(
        &registry,
        "local",
        ledger.as_ref(),
        now,
        ledger::DEFAULT_RETENTION,
    )
    .await
    .unwrap();
    assert_eq!(statuses[0].missed, 1);
    let task = registry.get("every-two-hours").unwrap();
    let shown = ledger::history(
        task,
        "local",
        ledger.as_ref(),
        Query {
            since: None,
            until: None,
            limit: 10,
        },
        now,
    )
    .await
    .unwrap();
    let missed: Vec<Timestamp> = shown
        .iter()
        .filter(|r| r.status == Status::Missed)
        .map(|r| r.scheduled_time)
        .collect();
    assert_eq!(missed, [start() + SignedDuration::from_hours(4) + phase]);
    // Read two at a time, nothing before the oldest read is claimed missed.
    let two = ledger::history(
        task,
        "local",
        ledger.as_ref(),
        Query {
            since: None,
            until: None,
            limit: 2,
        },
        now,
    )
    .await
    .unwrap();
    assert!(two.iter().all(|r| r.status != Status::Missed), "{two:?}");
    // The console's grid reads the same from the status's one read: the newest occurrences,
    // newest first, the unrecorded miss among them, cut at the number asked.
    let report = ledger::task_report(
        task,
        "local",
        ledger.as_ref(),
        now,
        ledger::DEFAULT_RETENTION,
        3,
    )
    .await
    .unwrap();
    assert_eq!(report.status, statuses[0]);
    let times: Vec<(Timestamp, Status)> = report
        .occurrences
        .iter()
        .map(|r| (r.scheduled_time, r.status))
        .collect();
    let at = |hour| start() + SignedDuration::from_hours(hour) + phase;
    assert_eq!(
        times,
        [
            (at(8), Status::Running),
            (at(6), Status::Running),
            (at(4), Status::Missed)
        ]
    );
}

/// The local runner honours `pause` and `resume` (lines in the state directory's ledger) from
/// the next occurrence; skipped occurrences are recorded, and not missed.
#[tokio::test(start_paused = true)]
async fn the_runner_skips_a_paused_task_until_it_is_resumed() {
    let ledger = Arc::new(LocalLedger::in_memory());
    let pause = ledger::Pause {
        by: "alice".to_owned(),
        at: start(),
        reason: Some("migrating the table".to_owned()),
    };
    ledger
        .set_pause("keeps-running", Some(&pause))
        .await
        .unwrap();
    // 00:00 to 13:00: 06:00 and 12:00 are skipped.
    run(&["keeps-running"], &ledger, start(), 13).await;
    ledger.set_pause("keeps-running", None).await.unwrap();
    // 13:00 to 19:00: 18:00 runs.
    run(
        &["keeps-running"],
        &ledger,
        start() + SignedDuration::from_hours(13),
        6,
    )
    .await;

    let history = ledger
        .history(
            "keeps-running",
            Query {
                since: None,
                until: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    let seen: Vec<(i64, Status, Option<&str>)> = history
        .iter()
        .map(|r| {
            (
                r.scheduled_time.duration_since(start()).as_hours(),
                r.status,
                r.excerpt.as_deref(),
            )
        })
        .collect();
    let reason = format!(
        "paused by alice at {}: migrating the table",
        start().strftime("%Y-%m-%dT%H:%M:%SZ")
    );
    let reason = reason.as_str();
    assert_eq!(
        seen,
        [
            (18, Status::Succeeded, None),
            (12, Status::Skipped, Some(reason)),
            (6, Status::Skipped, Some(reason)),
        ]
    );
    let now = start() + SignedDuration::from_hours(19);
    let statuses = ledger::status(
        &registry_of(&["keeps-running"]),
        "local",
        ledger.as_ref(),
        now,
        ledger::DEFAULT_RETENTION,
    )
    .await
    .unwrap();
    assert_eq!(statuses[0].missed, 0);
    assert_eq!(statuses[0].paused, None);
}

/// Every minute, but a run takes 90 seconds.
#[scheduled("rate(1 minute)", overlap = "skip", timeout = "2m")]
async fn slow_every_minute(_ctx: TaskContext) {
    tokio::time::sleep(Duration::from_secs(90)).await;
}

/// Under the local runner, `overlap = "skip"` lets one occurrence run at a time: with runs of
/// 90 s every minute, every other occurrence finds the previous one still running.
#[tokio::test(start_paused = true)]
async fn the_runner_skips_an_occurrence_while_the_previous_one_runs() {
    let ledger = Arc::new(LocalLedger::in_memory());
    // Fires at 1, 2, 3, 4, 5 and 6 minutes (a rate counts from the runner's start).
    let recorder = Recorder::new(ledger.clone(), ledger::DEFAULT_RETENTION);
    let dispatcher = Dispatcher::new(
        registry_of(&["slow-every-minute"]),
        Arc::new(MemoryStore::new()),
        Heartbeat::disabled(),
        "local",
    )
    .with_ledger(recorder);
    let letters = std::env::temp_dir().join(format!("overlap-{}.jsonl", std::process::id()));
    let summary = Runner::new(dispatcher, DeadLetterFile::new(letters))
        .with_clock(Clock::starting_at(start()))
        .run(tokio::time::sleep(Duration::from_secs(6 * 60 + 30)))
        .await;
    // 1:00 runs (to 2:30), 2:00 is skipped, 3:00 runs (to 4:30), 4:00 skipped, 5:00 runs (to
    // 6:30, the runner waits for it), 6:00 skipped.
    assert_eq!((summary.succeeded, summary.skipped), (3, 3), "{summary:?}");
    let history = ledger
        .history(
            "slow-every-minute",
            Query {
                since: None,
                until: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    let seen: Vec<(i64, Status)> = history
        .iter()
        .map(|r| (r.scheduled_time.duration_since(start()).as_mins(), r.status))
        .collect();
    assert_eq!(
        seen,
        [
            (6, Status::Skipped),
            (5, Status::Succeeded),
            (4, Status::Skipped),
            (3, Status::Succeeded),
            (2, Status::Skipped),
            (1, Status::Succeeded),
        ]
    );
    assert!(
        history[0].excerpt.as_deref().unwrap().starts_with(&format!(
            "overlap: the occurrence of {} is still running",
            (start() + SignedDuration::from_mins(5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        )),
        "{:?}",
        history[0].excerpt
    );
}

/// Runs of one task deferred to the same instant under two keys: each its own record, with
/// its key, beside the schedule's own occurrence at that instant.
#[tokio::test]
async fn deliveries_deferred_to_one_instant_under_two_keys_are_two_records() {
    let ledger = Arc::new(LocalLedger::in_memory());
    let dispatcher = Dispatcher::new(
        registry_of(&["keeps-running"]),
        Arc::new(MemoryStore::new()),
        Heartbeat::disabled(),
        "local",
    )
    .with_ledger(Recorder::new(ledger.clone(), ledger::DEFAULT_RETENTION));
    let invocation = |id: &str| schedule_runtime::Invocation {
        request_id: id.to_owned(),
        deadline: None,
    };
    for (id, deferral) in [("a", Some("order-1")), ("b", Some("order-2")), ("c", None)] {
        let mut event = serde_json::json!({
            "task": "keeps-running",
            "scheduled_time": "2026-11-27T06:00:00.250Z",
        });
        if let Some(key) = deferral {
            event["deferral"] = key.into();
        }
        dispatcher.dispatch(event, invocation(id)).await.unwrap();
    }
    let all = Query {
        since: None,
        until: None,
        limit: 10,
    };
    let mut records = ledger.history("keeps-running", all).await.unwrap();
    records.sort_by(|a, b| a.deferral.cmp(&b.deferral));
    let seen: Vec<(Option<&str>, Option<&str>, Status)> = records
        .iter()
        .map(|r| (r.deferral.as_deref(), r.request_id.as_deref(), r.status))
        .collect();
    assert_eq!(
        seen,
        [
            (None, Some("c"), Status::Succeeded),
            (Some("order-1"), Some("a"), Status::Succeeded),
            (Some("order-2"), Some("b"), Status::Succeeded),
        ]
    );
}

/// `status` warns before runs overlap: a task whose recent run took more than half of its
/// interval is flagged, one whose runs are short is not.
#[tokio::test]
async fn status_flags_runs_longer_than_half_the_interval() {
    use schedule_runtime::ledger::{Change, End, LongRuns, Start};
    let ledger = Arc::new(LocalLedger::in_memory());
    let recorder = Recorder::new(ledger.clone(), ledger::DEFAULT_RETENTION);
    let now = start() + SignedDuration::from_hours(10);
    // every-two-hours ran 70 minutes; keeps-running (every six hours) one minute.
    for (task, minutes) in [("every-two-hours", 70), ("keeps-running", 1)] {
        let scheduled = start() + SignedDuration::from_hours(6);
        let occurrence = Occurrence::of(task, scheduled);
        let started = Change::Started(Start {
            at: scheduled,
            attempt: Some(1),
            execution_id: None,
            request_id: format!("{task}-run"),
            environment: "local".to_owned(),
            by_schedule: true,
        });
        let ended = Change::Finished(End {
            at: scheduled + SignedDuration::from_mins(minutes),
            status: Status::Succeeded,
            duration_ms: u64::try_from(minutes * 60_000).unwrap(),
            error_type: None,
            excerpt: None,
        });
        assert!(recorder.record(occurrence, started).await);
        assert!(recorder.record(occurrence, ended).await);
    }
    let registry = registry_of(&["every-two-hours", "keeps-running"]);
    let statuses = ledger::status(
        &registry,
        "local",
        ledger.as_ref(),
        now,
        ledger::DEFAULT_RETENTION,
    )
    .await
    .unwrap();
    let long = |task: &str| {
        statuses
            .iter()
            .find(|s| s.task == task)
            .and_then(|s| s.long_runs)
    };
    assert_eq!(
        long("every-two-hours"),
        Some(LongRuns {
            longest_ms: 70 * 60_000,
            interval_ms: 2 * 3_600_000,
        })
    );
    assert_eq!(long("keeps-running"), None);
    let table = schedule_runtime::cli::ledger::status_table(&registry, &statuses, now, false);
    assert!(
        table.contains(
            "every-two-hours: a recent run took 70 min, more than half of its 120 min interval"
        ),
        "{table}"
    );
}

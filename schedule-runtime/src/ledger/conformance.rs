//! The rules every [`Ledger`] must follow, as runnable checks.
//!
//! The local ledger's unit tests and the DynamoDB ledger's tests against moto run the same
//! checks, and so can a ledger of your own: call [`check`] in a test. Each scenario uses its own
//! task names, so one ledger (one table) serves them all. A violated rule panics with what was
//! expected. Behind the `test-util` feature, like `idempotency::conformance`.

use schedule_core::jiff::{SignedDuration, Timestamp};

use super::{Change, End, Entry, Ledger, Pause, Query, Record, StartAnswer, Status};

/// Runs every scenario against `ledger`; `prefix` keeps its tasks apart from other callers'.
pub async fn check(ledger: &dyn Ledger, prefix: &str) {
    changes_make_the_records_the_contract_describes(ledger, prefix).await;
    history_is_newest_first_within_its_bounds(ledger, prefix).await;
    the_first_delivery_by_schedule_is_found_from_a_point_on(ledger, prefix).await;
    the_check_mark_reads_back(ledger, prefix).await;
    a_pause_stops_starts_until_resumed(ledger, prefix).await;
    the_running_marker_lets_one_occurrence_run_at_a_time(ledger, prefix).await;
    runs_deferred_to_one_instant_under_two_keys_are_two_records(ledger, prefix).await;
    one_read_of_a_task_gives_its_records_pause_and_mark(ledger, prefix).await;
}

/// Minute `n` of a fixed day: the records' own times are inputs, never today's.
fn minute(n: i64) -> Timestamp {
    Timestamp::UNIX_EPOCH + SignedDuration::from_mins(29_000_000 + n)
}

fn entry(task: &str, at: i64, change: Change) -> Entry {
    Entry {
        task: task.to_owned(),
        scheduled_time: minute(at),
        deferral: None,
        // Kept for good: expiry is the table's TTL, not a rule of the ledger.
        expires_at: Timestamp::MAX,
        change,
    }
}

fn started(request_id: &str, by_schedule: bool) -> Change {
    Change::Started(super::Start {
        at: minute(0),
        attempt: Some(1),
        execution_id: Some("0123456789abcdef".to_owned()),
        request_id: request_id.to_owned(),
        environment: "production".to_owned(),
        by_schedule,
    })
}

fn finished(status: Status) -> Change {
    Change::Finished(End {
        at: minute(1),
        status,
        duration_ms: 1_500,
        error_type: status.is_failure().then(|| "TaskFailed".to_owned()),
        excerpt: Some(if status.is_failure() { "boom" } else { "42" }.to_owned()),
    })
}

fn all() -> Query {
    Query {
        since: None,
        until: None,
        limit: 1_000,
    }
}

/// Writes `change` as the dispatcher would: a start through [`Ledger::start_run`].
async fn write(ledger: &dyn Ledger, entry: &Entry) {
    if matches!(entry.change, Change::Started(_)) {
        let answer = ledger.start_run(entry, None).await;
        assert_eq!(
            answer.as_ref().ok(),
            Some(&StartAnswer::Started),
            "starting {} {}",
            entry.task,
            entry.scheduled_time
        );
    } else {
        ledger
            .write(entry)
            .await
            .unwrap_or_else(|e| panic!("writing {} {}: {e}", entry.task, entry.scheduled_time));
    }
}

async fn history(ledger: &dyn Ledger, task: &str, query: Query) -> Vec<Record> {
    ledger
        .history(task, query)
        .await
        .unwrap_or_else(|e| panic!("reading {task}: {e}"))
}

async fn changes_make_the_records_the_contract_describes(ledger: &dyn Ledger, prefix: &str) {
    let task = format!("{prefix}-changes");
    let duplicate = |by_schedule| Change::Duplicate {
        environment: "production".to_owned(),
        by_schedule,
    };
    let sequences: Vec<(i64, Vec<Change>)> = vec![
        // An operator's run fails, the schedule's retry succeeds, a duplicate follows, and a
        // late missed-run mark changes nothing.
        (
            60,
            vec![
                started("r1", false),
                finished(Status::Failed),
                started("r2", true),
                finished(Status::Succeeded),
                duplicate(false),
                Change::Missed,
            ],
        ),
        // A duplicate with no earlier record.
        (50, vec![duplicate(false)]),
        // Missed, then it arrived after all.
        (40, vec![Change::Missed, started("r3", true)]),
        // Timed out, then dead-lettered.
        (
            30,
            vec![
                started("r4", false),
                finished(Status::TimedOut),
                Change::DeadLettered {
                    error_type: "TaskTimedOut".to_owned(),
                    excerpt: "slow".to_owned(),
                },
            ],
        ),
        // Skipped by a paused task's scheduled delivery.
        (
            20,
            vec![Change::Skipped {
                reason: "paused by ops".to_owned(),
                request_id: "r5".to_owned(),
                by_schedule: true,
            }],
        ),
        // Missed, and nothing ever came.
        (10, vec![Change::Missed]),
    ];
    for (at, changes) in &sequences {
        for change in changes {
            write(ledger, &entry(&task, *at, change.clone())).await;
        }
    }
    // Written out from the ledger's contract (`docs/contracts.md`, section 5), not computed
    // by `Record::apply`, which the local ledger itself uses.
    let empty = |at| Record::empty(&task, minute(at));
    let ran = |at, request: &str| Record {
        attempt: Some(1),
        execution_id: Some("0123456789abcdef".to_owned()),
        request_id: Some(request.to_owned()),
        environment: Some("production".to_owned()),
        started: Some(minute(0)),
        ..empty(at)
    };
    let expected = vec![
        Record {
            status: Status::Succeeded,
            deliveries: 2,
            failures: 1,
            duplicates: 1,
            finished: Some(minute(1)),
            duration_ms: Some(1_500),
            error_type: None,
            excerpt: Some("42".to_owned()),
            by_schedule: true,
            ..ran(60, "r2")
        },
        Record {
            status: Status::Duplicate,
            duplicates: 1,
            environment: Some("production".to_owned()),
            ..empty(50)
        },
        Record {
            status: Status::Running,
            deliveries: 1,
            by_schedule: true,
            ..ran(40, "r3")
        },
        Record {
            status: Status::DeadLettered,
            deliveries: 1,
            failures: 1,
            finished: Some(minute(1)),
            duration_ms: Some(1_500),
            error_type: Some("TaskTimedOut".to_owned()),
            excerpt: Some("slow".to_owned()),
            ..ran(30, "r4")
        },
        Record {
            status: Status::Skipped,
            request_id: Some("r5".to_owned()),
            excerpt: Some("paused by ops".to_owned()),
            by_schedule: true,
            ..empty(20)
        },
        Record {
            status: Status::Missed,
            ..empty(10)
        },
    ];
    assert_eq!(
        history(ledger, &task, all()).await,
        expected,
        "each record must be what the contract says its changes make, newest first"
    );
    // And `Record::apply`, which folds changes the same way for every ledger, agrees.
    let folded: Vec<Record> = sequences
        .iter()
        .map(|(at, changes)| {
            let mut record = empty(*at);
            for (i, change) in changes.iter().enumerate() {
                record.apply(change, i == 0);
            }
            record
        })
        .collect();
    assert_eq!(folded, expected, "`Record::apply`");
}

async fn history_is_newest_first_within_its_bounds(ledger: &dyn Ledger, prefix: &str) {
    let task = format!("{prefix}-history");
    for at in [10, 20, 30, 40] {
        write(ledger, &entry(&task, at, started("r", true))).await;
    }
    let times = |records: Vec<Record>| -> Vec<Timestamp> {
        records.into_iter().map(|r| r.scheduled_time).collect()
    };
    assert_eq!(
        times(history(ledger, &task, all()).await),
        [minute(40), minute(30), minute(20), minute(10)],
        "newest first"
    );
    let window = Query {
        since: Some(minute(20)),
        until: Some(minute(40)),
        limit: 1_000,
    };
    assert_eq!(
        times(history(ledger, &task, window).await),
        [minute(30), minute(20)],
        "`since` included, `until` not"
    );
    let two = Query { limit: 2, ..all() };
    assert_eq!(
        times(history(ledger, &task, two).await),
        [minute(40), minute(30)],
        "at most `limit`, the newest"
    );
    assert!(
        history(ledger, &format!("{prefix}-nothing"), all())
            .await
            .is_empty()
    );
}

async fn the_first_delivery_by_schedule_is_found_from_a_point_on(
    ledger: &dyn Ledger,
    prefix: &str,
) {
    let task = format!("{prefix}-first");
    write(ledger, &entry(&task, 10, started("operator", false))).await;
    write(ledger, &entry(&task, 20, started("scheduler", true))).await;
    write(ledger, &entry(&task, 30, started("operator", false))).await;
    write(ledger, &entry(&task, 40, started("scheduler", true))).await;
    for (since, expected) in [
        (Timestamp::MIN, Some(minute(20))),
        (minute(20), Some(minute(20))),
        (minute(21), Some(minute(40))),
        (minute(41), None),
    ] {
        let found = ledger
            .first_by_schedule(&task, since)
            .await
            .unwrap_or_else(|e| panic!("reading {task}: {e}"));
        assert_eq!(
            found, expected,
            "the earliest occurrence a schedule delivered, due at or after {since}"
        );
    }
}

async fn the_check_mark_reads_back(ledger: &dyn Ledger, prefix: &str) {
    let task = format!("{prefix}-mark");
    let mark = || async {
        ledger
            .checked_until(&task)
            .await
            .expect("the ledger must answer")
    };
    assert_eq!(mark().await, None, "no mark before the first check");
    ledger
        .set_checked_until(&task, minute(15), Timestamp::MAX)
        .await
        .expect("the ledger must answer");
    ledger
        .set_checked_until(&task, minute(30), Timestamp::MAX)
        .await
        .expect("the ledger must answer");
    assert_eq!(mark().await, Some(minute(30)), "the last mark written");
    assert!(
        history(ledger, &task, all()).await.is_empty(),
        "the mark is no occurrence"
    );
}

async fn a_pause_stops_starts_until_resumed(ledger: &dyn Ledger, prefix: &str) {
    let task = format!("{prefix}-pause");
    let pause = Pause {
        by: "alice".to_owned(),
        at: minute(5),
        reason: Some("the supplier is down".to_owned()),
    };
    assert_eq!(
        ledger.pause(&task).await.expect("the ledger must answer"),
        None
    );
    ledger
        .set_pause(&task, Some(&pause))
        .await
        .expect("the ledger must answer");
    assert_eq!(
        ledger.pause(&task).await.expect("the ledger must answer"),
        Some(pause.clone())
    );
    let start = entry(&task, 10, started("r1", true));
    assert_eq!(
        ledger
            .start_run(&start, None)
            .await
            .expect("the ledger must answer"),
        StartAnswer::Paused(pause),
        "a paused task's start is refused with who paused it"
    );
    assert!(
        history(ledger, &task, all()).await.is_empty(),
        "a refused start writes nothing"
    );
    ledger
        .set_pause(&task, None)
        .await
        .expect("the ledger must answer");
    assert_eq!(
        ledger.pause(&task).await.expect("the ledger must answer"),
        None
    );
    assert_eq!(
        ledger
            .start_run(&start, None)
            .await
            .expect("the ledger must answer"),
        StartAnswer::Started
    );
    assert_eq!(history(ledger, &task, all()).await.len(), 1);
}

async fn the_running_marker_lets_one_occurrence_run_at_a_time(ledger: &dyn Ledger, prefix: &str) {
    let task = format!("{prefix}-marker");
    // The marker's lease is compared with the ledger's own clock: relative to now.
    let lease = Timestamp::now() + SignedDuration::from_mins(10);
    let first = entry(&task, 10, started("r1", true));
    let second = entry(&task, 11, started("r2", true));
    assert_eq!(
        ledger
            .start_run(&first, Some(lease))
            .await
            .expect("the ledger must answer"),
        StartAnswer::Started
    );
    match ledger
        .start_run(&second, Some(lease))
        .await
        .expect("the ledger must answer")
    {
        StartAnswer::Overlapping { running, .. } => assert_eq!(running, minute(10)),
        other => panic!("another occurrence must not start while one holds the marker: {other:?}"),
    }
    assert_eq!(
        ledger
            .start_run(&first, Some(lease))
            .await
            .expect("the ledger must answer"),
        StartAnswer::Started,
        "a retry of the holder is no overlap"
    );
    ledger
        .release(&task, minute(10))
        .await
        .expect("the ledger must answer");
    assert_eq!(
        ledger
            .start_run(&second, Some(lease))
            .await
            .expect("the ledger must answer"),
        StartAnswer::Started,
        "released, the next occurrence runs"
    );
    // Releasing for an occurrence that no longer holds it gives up nothing.
    ledger
        .release(&task, minute(10))
        .await
        .expect("the ledger must answer");
    let third = entry(&task, 12, started("r3", true));
    assert!(matches!(
        ledger.start_run(&third, Some(lease)).await.expect("the ledger must answer"),
        StartAnswer::Overlapping { running, .. } if running == minute(11)
    ));
}

async fn runs_deferred_to_one_instant_under_two_keys_are_two_records(
    ledger: &dyn Ledger,
    prefix: &str,
) {
    let task = format!("{prefix}-deferred");
    let deferred = |key: &str, change: Change| Entry {
        deferral: Some(key.to_owned()),
        ..entry(&task, 5, change)
    };
    // The schedule's occurrence, and two runs deferred to the same millisecond under two keys.
    for entry in [
        entry(&task, 5, started("scheduled", true)),
        entry(&task, 5, finished(Status::Succeeded)),
        deferred("order-1", started("one", false)),
        deferred("order-2", started("two", false)),
        deferred("order-1", finished(Status::Succeeded)),
        deferred("order-2", finished(Status::Failed)),
    ] {
        write(ledger, &entry).await;
    }
    let mut records = history(ledger, &task, all()).await;
    records.sort_by(|a, b| a.deferral.cmp(&b.deferral));
    let seen: Vec<(Option<&str>, Timestamp, Status, Option<&str>)> = records
        .iter()
        .map(|r| {
            (
                r.deferral.as_deref(),
                r.scheduled_time,
                r.status,
                r.request_id.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (None, minute(5), Status::Succeeded, Some("scheduled")),
            (Some("order-1"), minute(5), Status::Succeeded, Some("one")),
            (Some("order-2"), minute(5), Status::Failed, Some("two")),
        ],
        "each key its own record, none of them the schedule's"
    );
    assert!(records.iter().all(|r| r.deliveries == 1));
}

async fn one_read_of_a_task_gives_its_records_pause_and_mark(ledger: &dyn Ledger, prefix: &str) {
    let task = format!("{prefix}-read");
    let nothing = ledger
        .read_task(&task, Timestamp::MIN)
        .await
        .expect("the ledger must answer");
    assert_eq!(
        nothing,
        super::TaskRead::default(),
        "a task nothing was written for"
    );
    for entry in [
        entry(&task, 10, started("old", true)),
        entry(&task, 10, finished(Status::Failed)),
        entry(&task, 20, started("new", true)),
        entry(&task, 20, finished(Status::Succeeded)),
        Entry {
            deferral: Some("order-7".to_owned()),
            ..entry(&task, 30, started("deferred", false))
        },
    ] {
        write(ledger, &entry).await;
    }
    let pause = Pause {
        by: "bob".to_owned(),
        at: minute(25),
        reason: None,
    };
    ledger
        .set_pause(&task, Some(&pause))
        .await
        .expect("the ledger must answer");
    ledger
        .set_checked_until(&task, minute(22), Timestamp::MAX)
        .await
        .expect("the ledger must answer");
    let read = ledger
        .read_task(&task, minute(15))
        .await
        .expect("the ledger must answer");
    let since = Query {
        since: Some(minute(15)),
        ..all()
    };
    assert_eq!(
        read.records,
        history(ledger, &task, since).await,
        "the records due since the time asked, newest first, as `history` reads them"
    );
    let times: Vec<Timestamp> = read.records.iter().map(|r| r.scheduled_time).collect();
    assert_eq!(
        times,
        [minute(30), minute(20)],
        "the deferred run's record included"
    );
    assert_eq!(read.pause, Some(pause));
    assert_eq!(read.checked_until, Some(minute(22)));
}

//! The ledger table's contract with whoever creates it: the generated Terraform and
//! [`DynamoDbLedger::create_table`](super::DynamoDbLedger::create_table) both read these names.
//!
//! | attribute | type | meaning |
//! |---|---|---|
//! | `task` | S, partition key | the task's name |
//! | `at` | N, sort key | the occurrence's scheduled time, epoch milliseconds ([`sort_key`]: a run deferred from code under a key adds a fraction of a millisecond derived from the key); `0` holds the missed-run check's mark |
//! | `deferral` | S | a run deferred from code: its key |
//! | `scheduled_time` | S | the same instant, RFC 3339 UTC |
//! | `status` | S | `running`, `succeeded`, `failed`, `timed_out`, `panicked`, `duplicate`, `skipped`, `missed` or `dead_lettered` |
//! | `deliveries`, `failures`, `duplicates` | N | deliveries that started a run, runs that failed, deliveries that found it completed |
//! | `attempt` | N | Scheduler's attempt number of the last delivery |
//! | `execution_id`, `request_id` | S | Scheduler's execution id and Lambda's request id of the last delivery |
//! | `environment` | S | the deployment environment |
//! | `started`, `finished` | S | RFC 3339 instants of the last run |
//! | `duration_ms` | N | the last run's duration |
//! | `error_type`, `excerpt` | S | the last failure's type; the start of its error, the result, or why it was skipped |
//! | `by_schedule` | BOOL | `true` once a delivery from one of the task's schedules arrived for the occurrence (absent otherwise: only operators' or deferred deliveries); the missed-run rule starts at the earliest such occurrence before the check's first look |
//! | `checked_until` | N | on the `at = 0` item: epoch milliseconds up to which the missed-run check has looked |
//! | `paused`, `paused_by`, `paused_at`, `reason` | BOOL, S, S, S | on the `at = -1` item: whether the task is paused, by whom, when, why |
//! | `holder`, `lease_until` | N, N | on the `at = -2` item (`overlap = "skip"` tasks): the running occurrence's scheduled time and the end of its lease, epoch milliseconds |
//! | `expires_at` | N | epoch seconds; the table's TTL attribute (the retention, 30 days by default) |
//!
//! A task's occurrences, newest first, are one `Query` on `task` with `at > 0`, descending: no
//! scan, no index.

/// The table's name in a deployment: `<name_prefix>-<environment>-ledger`, as the generated
/// module names it.
pub fn name(name_prefix: &str, environment: &str) -> String {
    format!("{name_prefix}-{environment}{TABLE_SUFFIX}")
}

/// What the module appends to `<name_prefix>-<environment>` to name the table.
pub const TABLE_SUFFIX: &str = "-ledger";

/// The string partition key: the task's name.
pub const PARTITION_KEY: &str = "task";

/// The Number sort key: the occurrence's scheduled time in epoch milliseconds.
pub const SORT_KEY: &str = "at";

/// The sort key of an occurrence's record: its scheduled time in epoch milliseconds, and for a
/// run deferred from code under `deferral` a fraction of a millisecond that the key decides
/// (twelve digits of its 64-bit FNV-1a hash, never all zero). Runs of one task deferred to the
/// same millisecond under different keys are so different items, each still sorted by its
/// time, while every other record keeps the whole-millisecond key it always had.
///
/// ```
/// use schedule_runtime::ledger::table::sort_key;
/// assert_eq!(sort_key(1_764_748_800_000, None), "1764748800000");
/// let a = sort_key(1_764_748_800_000, Some("order-1"));
/// let b = sort_key(1_764_748_800_000, Some("order-2"));
/// assert!(a.starts_with("1764748800000.") && b.starts_with("1764748800000.") && a != b);
/// assert_eq!(a, sort_key(1_764_748_800_000, Some("order-1")));
/// ```
pub fn sort_key(at_ms: i64, deferral: Option<&str>) -> String {
    match deferral {
        None => at_ms.to_string(),
        Some(key) => {
            const DIGITS: u64 = 1_000_000_000_000;
            let fraction = crate::stable_hash::fnv1a(key.as_bytes()) % (DIGITS - 1) + 1;
            format!("{at_ms}.{fraction:012}")
        }
    }
}

/// The sort key of the item holding the missed-run check's mark.
pub const CHECK_MARK: i64 = 0;

/// The sort key of the item saying whether the task is paused.
pub const PAUSE_MARK: i64 = -1;

/// The sort key of the task's running marker (tasks with `overlap = "skip"`).
pub const RUNNING_MARK: i64 = -2;

/// The Number attribute (epoch seconds) that DynamoDB's time to live deletes records by.
pub const EXPIRY_ATTRIBUTE: &str = "expires_at";

/// What the dispatch Lambda does to the table: each change is one update (a run's start in a
/// transaction with a check of the task's pause item), and the missed-run check reads a
/// task's recent records with a query.
pub const DISPATCH_ACTIONS: &[&str] = &[
    "dynamodb:ConditionCheckItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
];

/// What `status` and `history` need: queries only.
pub const READ_ACTIONS: &[&str] = &["dynamodb:Query"];

/// What `pause` and `resume` need besides: one update of the task's pause item.
pub const CONTROL_ACTIONS: &[&str] = &["dynamodb:Query", "dynamodb:UpdateItem"];

//! AWS's limits and `schedule`'s defaults: the one place every crate reads them from.
//!
//! The macro checks declarations against these at compile time, the local runner and the
//! dispatcher apply the defaults at run time, and codegen writes them into Terraform; keeping
//! them here means the three can never disagree. Each constant says where AWS sets it.

use std::ops::RangeInclusive;

/// Seconds in a minute, hour and day, for readable ranges below.
const MINUTE: u32 = 60;
const HOUR: u32 = 60 * MINUTE;
const DAY: u32 = 24 * HOUR;

/// Lambda's limits on a function (and so on one run of a task).
pub mod lambda {
    use super::{HOUR, MINUTE};
    use std::ops::RangeInclusive;

    /// A Lambda function runs at most 15 minutes; a task's `timeout` cannot be longer.
    pub const MAX_TIMEOUT_SECONDS: u32 = 15 * MINUTE;
    /// Lambda retries a failed asynchronous invocation at most twice (`maximum_retry_attempts`),
    /// and EventBridge Scheduler invokes asynchronously.
    pub const MAX_RETRIES: u8 = 2;
    /// The range of an asynchronous event's maximum age (`maximum_event_age_in_seconds`).
    pub const EVENT_AGE_SECONDS: RangeInclusive<u32> = MINUTE..=MAX_EVENT_AGE_SECONDS;
    /// The longest an asynchronous event is kept, and Lambda's default when none is set: six
    /// hours. It is also the horizon in which a duplicate delivery can still arrive.
    pub const MAX_EVENT_AGE_SECONDS: u32 = 6 * HOUR;
}

/// EventBridge Scheduler's limits on a schedule.
pub mod scheduler {
    use std::ops::RangeInclusive;

    /// A flexible time window is 1 to 1440 whole minutes (`maximum_window_in_minutes`).
    pub const WINDOW_MINUTES: RangeInclusive<u16> = 1..=1_440;
    /// A schedule's description is at most 512 characters (and not empty when given).
    pub const MAX_DESCRIPTION_CHARS: usize = 512;
    /// A schedule's name: 1 to 64 of `[0-9a-zA-Z-_.]`.
    pub const MAX_NAME_CHARS: usize = 64;

    /// Whether `c` may appear in a schedule's name (`[0-9a-zA-Z-_.]`).
    pub fn name_char(c: char) -> bool {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
    }

    /// `c` where a schedule's name may have it, else `-`: a free text (a deferral's key) made
    /// fit for a name.
    pub fn name_safe(c: char) -> char {
        if name_char(c) { c } else { '-' }
    }
    /// Delivery attempts after the first that every schedule of an application sets (generated
    /// or created by a deferral): enough to ride out throttling, far from AWS's default of
    /// 185 over 24 hours.
    pub const DELIVERY_RETRIES: u32 = 10;
}

/// What an option is when the declaration leaves it out.
pub mod defaults {
    use super::DAY;

    /// Retries of a failed run: Lambda's own default for asynchronous invocations.
    pub const RETRIES: u8 = 2;
    /// Limit for one run, in seconds.
    pub const TIMEOUT_SECONDS: u32 = 60;
    /// The zone a schedule is read in.
    pub const TIMEZONE: &str = "UTC";
    /// How long an `idempotent` task's completions are remembered: a week.
    pub const IDEMPOTENCY_TTL_SECONDS: u32 = 7 * DAY;
}

/// How long an `idempotent(ttl = ...)` may be: a minute to a year (DynamoDB's TTL needs no
/// more, and a longer one is almost certainly a typo).
pub const IDEMPOTENCY_TTL_SECONDS: RangeInclusive<u32> = MINUTE..=365 * DAY;

/// `alert_after` and `pause_after`: failed occurrences in a row, 1 to 100 (Sentry's
/// `failure_issue_threshold` takes as many; more is a typo).
pub const FAILURES_IN_A_ROW: RangeInclusive<u8> = 1..=100;

/// A task's timeout: a second up to the Lambda's limit.
pub const TIMEOUT_SECONDS: RangeInclusive<u32> = 1..=lambda::MAX_TIMEOUT_SECONDS;

/// Why a name cannot name a task (or an environment).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty, longer than 64 bytes, or a character outside `0-9 A-Z a-z - _ .`.
    #[error("1 to 64 of `0-9 A-Z a-z - _ .`")]
    Charset,
    /// Only digits: a task's Lambda alias cannot be all digits (it would read as a version).
    #[error(
        "not digits only: the task's Lambda alias is named after it, and an alias of digits reads as a version"
    )]
    DigitsOnly,
}

/// Checks a task name: AWS schedule names are 1 to 64 of `0-9 A-Z a-z - _ .`, and the task's
/// Lambda alias ([`alias_name`]) may not be all digits.
///
/// ```
/// use schedule_core::limits::{NameError, check_task_name};
/// assert_eq!(check_task_name("daily-sales-report"), Ok(()));
/// assert_eq!(check_task_name("2026"), Err(NameError::DigitsOnly));
/// assert_eq!(check_task_name("sales report"), Err(NameError::Charset));
/// ```
pub fn check_task_name(name: &str) -> Result<(), NameError> {
    check_environment_name(name)?;
    if name.bytes().all(|b| b.is_ascii_digit()) {
        return Err(NameError::DigitsOnly);
    }
    Ok(())
}

/// Checks an environment name: the same characters as a task name, so that it can be part of
/// resource names.
pub fn check_environment_name(name: &str) -> Result<(), NameError> {
    let valid = !name.is_empty() && name.len() <= 64 && name.chars().all(scheduler::name_char);
    if valid {
        Ok(())
    } else {
        Err(NameError::Charset)
    }
}

/// Checks a secret's name (`#[scheduled(secrets = [...])]`, `ctx.secret(name)`): the same
/// characters as a task name, which every store takes in a parameter's or a secret's name and
/// which turn into a variable name outside Lambda.
pub fn check_secret_name(name: &str) -> Result<(), NameError> {
    check_environment_name(name)
}

/// The longest function group name: the group's function is `<name_prefix>-<environment>-<group>`,
/// and with the longest prefix (32) and environment (20) that is Lambda's and IAM's 64.
pub const MAX_FUNCTION_GROUP_CHARS: usize = 64 - (32 + 1 + 20) - 1;

/// Group names the module's own roles take (`<name>-dispatch`, `<name>-scheduler`): a group's
/// role is named like its function, `<name>-<group>`, so these would collide.
pub const RESERVED_FUNCTION_GROUPS: &[&str] = &["dispatch", "scheduler"];

/// Why a name cannot name a function group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FunctionGroupError {
    /// Empty, too long, or not `a-z 0-9 -` starting with a letter.
    #[error(
        "1 to {MAX_FUNCTION_GROUP_CHARS} of `a-z 0-9 -`, starting with a letter (it ends the names of the group's function and role, which AWS allows 64 characters)"
    )]
    Charset,
    /// A name the module's own roles take.
    #[error("other than `dispatch` and `scheduler`, the names of the module's own roles")]
    Reserved,
}

/// Checks a function group's name (`#[scheduled(function = "backup")]`).
///
/// ```
/// use schedule_core::limits::{FunctionGroupError, check_function_group};
/// assert_eq!(check_function_group("backup"), Ok(()));
/// assert_eq!(check_function_group("Backup"), Err(FunctionGroupError::Charset));
/// assert_eq!(check_function_group("dispatch"), Err(FunctionGroupError::Reserved));
/// ```
pub fn check_function_group(name: &str) -> Result<(), FunctionGroupError> {
    let valid = (1..=MAX_FUNCTION_GROUP_CHARS).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid {
        return Err(FunctionGroupError::Charset);
    }
    if RESERVED_FUNCTION_GROUPS.contains(&name) {
        return Err(FunctionGroupError::Reserved);
    }
    Ok(())
}

/// The Lambda function a task runs in: the application's default function `base`
/// (`<name_prefix>-<environment>`), or its group's, `<base>-<group>`.
///
/// ```
/// use schedule_core::limits::function_name;
/// assert_eq!(function_name("shop-production", None), "shop-production");
/// assert_eq!(function_name("shop-production", Some("backup")), "shop-production-backup");
/// ```
pub fn function_name(base: &str, group: Option<&str>) -> String {
    match group {
        Some(group) => format!("{base}-{group}"),
        None => base.to_owned(),
    }
}

/// The name of a task's Lambda alias, which carries its retry policy: Lambda aliases take
/// `[A-Za-z0-9_-]`, so the `.` that task names allow becomes `_`. Two tasks whose names differ
/// only there (`a.b`, `a_b`) would share an alias; the registry refuses them.
///
/// ```
/// assert_eq!(schedule_core::limits::alias_name("reports.daily"), "reports_daily");
/// ```
pub fn alias_name(task: &str) -> String {
    task.replace('.', "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_aws_rules() {
        for good in ["a", "daily-sales-report", "v1.2_x", &"x".repeat(64), "1a"] {
            assert_eq!(check_task_name(good), Ok(()), "{good}");
        }
        for bad in ["", "sales report", "ünïcode", &"x".repeat(65), "a/b"] {
            assert_eq!(check_task_name(bad), Err(NameError::Charset), "{bad}");
        }
        assert_eq!(check_task_name("0042"), Err(NameError::DigitsOnly));
        // An environment may be all digits: nothing is named after it alone.
        assert_eq!(check_environment_name("2026"), Ok(()));
    }

    #[test]
    fn function_groups_fit_the_longest_function_name() {
        // 32 (prefix) + `-` + 20 (environment) + `-` + 10 = 64, Lambda's and IAM's limit.
        assert_eq!(MAX_FUNCTION_GROUP_CHARS, 10);
        for good in ["a", "backup", "mail-2", "abcdefghij"] {
            assert_eq!(check_function_group(good), Ok(()), "{good}");
        }
        for bad in ["", "abcdefghijk", "2fast", "-a", "a_b", "a.b", "Backup"] {
            assert_eq!(
                check_function_group(bad),
                Err(FunctionGroupError::Charset),
                "{bad}"
            );
        }
        assert_eq!(
            check_function_group("scheduler"),
            Err(FunctionGroupError::Reserved)
        );
    }

    #[test]
    fn ranges_are_those_aws_documents() {
        // Figures from the Lambda and Scheduler API references, written out independently.
        assert_eq!(lambda::EVENT_AGE_SECONDS, 60..=21_600);
        assert_eq!(TIMEOUT_SECONDS, 1..=900);
        assert_eq!(scheduler::WINDOW_MINUTES, 1..=1_440);
    }
}

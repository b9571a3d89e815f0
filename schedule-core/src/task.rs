//! [`TaskSpec`]: everything a `#[scheduled]` attribute declares about one task, as plain data.

use jiff::tz::TimeZone;
use serde::Serialize;

use crate::error::ParseError;
use crate::limits::{defaults, lambda};
use crate::schedule::Schedule;
use crate::zone::{ZoneError, time_zone};

/// One scheduled task as declared in code.
///
/// Built in a `const` context by the `#[scheduled]` macro (so it can sit in a static
/// registration), serialised into the manifest that codegen renders Terraform from. Fields hold
/// the declaration as written; [`TaskSpec::schedule`] and [`TaskSpec::time_zone`] interpret it.
///
/// ```
/// use schedule_core::TaskSpec;
///
/// const REPORT: TaskSpec = TaskSpec {
///     timezone: "Europe/Moscow",
///     window_minutes: Some(15),
///     ..TaskSpec::new("daily-sales-report", "cron(0 8 * * ? *)")
/// };
/// let schedule = REPORT.schedule().expect("declared with an expression")?;
/// assert_eq!(schedule.describe_in(REPORT.timezone), "at 08:00 every day, Europe/Moscow");
/// assert!(TaskSpec::deferred("review-request").schedule().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskSpec {
    /// Unique name: 1-64 of `[0-9A-Za-z-_.]`, also the schedule's name in AWS.
    pub name: &'static str,
    /// The schedule expression as written: `cron(...)`, `rate(...)` or `at(...)`; `None` for a
    /// task with no schedule of its own, which runs only when code defers it
    /// (`#[scheduled(deferred)]`).
    pub expression: Option<&'static str>,
    /// IANA zone the expression is read in. Default `UTC`.
    pub timezone: &'static str,
    /// Human description; `None` means "describe the schedule".
    pub description: Option<&'static str>,
    /// Flexible time window in minutes (1-1440); `None` fires at the exact time.
    pub window_minutes: Option<u16>,
    /// Retries of a failed run, 0-2 (Lambda's limit for asynchronous invocations). Default 2.
    pub retries: u8,
    /// Give up on a run this many seconds after its scheduled time (60-21600).
    pub max_age_seconds: Option<u32>,
    /// Limit for one run, in seconds. Default 60.
    pub timeout_seconds: u32,
    /// At most one successful run per scheduled occurrence, when set.
    pub idempotency: Option<Idempotency>,
    /// Start, success and failure check-ins to a monitor.
    pub heartbeat: bool,
    /// The monitor's vendor, when the declaration names one (`heartbeat = "sentry"`); `None`
    /// means the application's default, chosen where it is deployed.
    pub monitor: Option<Monitor>,
    /// Alarm only when this many occurrences in a row have failed, and notify when one
    /// succeeds again; `None` alarms on every failure.
    pub alert_after: Option<u8>,
    /// Pause the task when this many occurrences in a row have failed.
    pub pause_after: Option<u8>,
    /// Deployment environments the task is enabled in; empty means all.
    pub environments: &'static [&'static str],
    /// The secrets the task reads (`ctx.secret(name)`): the only ones it may read, and the ones
    /// the deployed function is given.
    pub secrets: &'static [&'static str],
    /// The function group the task runs in (`function = "backup"`): a Lambda function of its
    /// own, with its own role, memory and network, built from the same zip. `None` runs it in
    /// the application's default function.
    pub function: Option<&'static str>,
    /// JSON given to the task as its input.
    pub input: Option<&'static str>,
    /// First instant of a recurring schedule, RFC 3339.
    pub start: Option<&'static str>,
    /// Last instant of a recurring schedule, RFC 3339.
    pub end: Option<&'static str>,
    /// What a delivery does while an earlier occurrence of the task is still running.
    pub overlap: Overlap,
}

/// What a delivery does while an earlier occurrence of the same task is still running.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Overlap {
    /// Run it anyway (the default, and what Scheduler and Lambda do).
    #[default]
    Allow,
    /// Record it as skipped and answer without error: one occurrence at a time.
    Skip,
}

impl Overlap {
    /// Every policy, as written in `overlap = "..."`.
    pub const ALL: [Overlap; 2] = [Overlap::Allow, Overlap::Skip];

    /// The word for it in `overlap = "..."`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Overlap::Allow => "allow",
            Overlap::Skip => "skip",
        }
    }

    /// Reads [`Overlap::as_str`]'s words.
    pub fn parse(word: &str) -> Option<Overlap> {
        Overlap::ALL.into_iter().find(|o| o.as_str() == word)
    }
}

/// A vendor of cron monitors that a `heartbeat` task checks in with, each in its own protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Monitor {
    /// Healthchecks.io (or a self-hosted Healthchecks): `/start`, success and `/fail` pings.
    Healthchecks,
    /// Sentry Crons: `in_progress`, then `ok` or `error` check-ins with one `check_in_id`.
    Sentry,
    /// Cronitor: `run`, then `complete` or `fail` telemetry events in one series.
    Cronitor,
    /// UptimeRobot heartbeat monitors: one ping per success; silence is the alert.
    #[serde(rename = "uptimerobot")]
    UptimeRobot,
}

impl Monitor {
    /// Every vendor, as written in `heartbeat = "..."`.
    pub const ALL: [Monitor; 4] = [
        Monitor::Healthchecks,
        Monitor::Sentry,
        Monitor::Cronitor,
        Monitor::UptimeRobot,
    ];

    /// The word for it in `heartbeat = "..."`, `--heartbeat-vendor` and
    /// `SCHEDULE_HEARTBEAT_MONITOR`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Monitor::Healthchecks => "healthchecks",
            Monitor::Sentry => "sentry",
            Monitor::Cronitor => "cronitor",
            Monitor::UptimeRobot => "uptimerobot",
        }
    }

    /// Reads [`Monitor::as_str`]'s words.
    pub fn parse(word: &str) -> Option<Monitor> {
        Monitor::ALL.into_iter().find(|m| m.as_str() == word)
    }
}

impl std::fmt::Display for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How long completed runs are remembered for deduplication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Idempotency {
    /// Seconds a completion record lives.
    pub ttl_seconds: u32,
}

impl TaskSpec {
    /// A task on `expression` with every option at its default.
    pub const fn new(name: &'static str, expression: &'static str) -> TaskSpec {
        TaskSpec {
            expression: Some(expression),
            ..TaskSpec::deferred(name)
        }
    }

    /// A task without a schedule, run only when code defers it, with every option at its
    /// default.
    pub const fn deferred(name: &'static str) -> TaskSpec {
        TaskSpec {
            name,
            expression: None,
            timezone: defaults::TIMEZONE,
            description: None,
            window_minutes: None,
            retries: defaults::RETRIES,
            max_age_seconds: None,
            timeout_seconds: defaults::TIMEOUT_SECONDS,
            idempotency: None,
            heartbeat: false,
            monitor: None,
            alert_after: None,
            pause_after: None,
            environments: &[],
            secrets: &[],
            function: None,
            input: None,
            start: None,
            end: None,
            overlap: Overlap::Allow,
        }
    }

    /// The parsed schedule expression; `None` for a task without one (deferred only).
    pub fn schedule(&self) -> Option<Result<Schedule, ParseError>> {
        self.expression.map(str::parse)
    }

    /// The zone the schedule is read in.
    pub fn time_zone(&self) -> Result<TimeZone, ZoneError> {
        time_zone(self.timezone)
    }

    /// Seconds after its scheduled time that a run is given up: the declared `max_age`, else
    /// Lambda's default (six hours). Both retry layers and the local runner use it.
    pub fn effective_max_age_seconds(&self) -> u32 {
        self.max_age_seconds
            .unwrap_or(lambda::MAX_EVENT_AGE_SECONDS)
    }

    /// The vendor `task` checks in with: its own, else `default` (the application's).
    pub fn monitor_or(&self, default: Monitor) -> Monitor {
        self.monitor.unwrap_or(default)
    }

    /// Whether the task runs in deployment environment `environment`.
    pub fn enabled_in(&self, environment: &str) -> bool {
        self.environments.is_empty() || self.environments.contains(&environment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_restrict_only_when_listed() {
        let everywhere = TaskSpec::new("a", "rate(1 hour)");
        assert!(everywhere.enabled_in("staging"));
        let production = TaskSpec {
            environments: &["production"],
            ..everywhere
        };
        assert!(production.enabled_in("production"));
        assert!(!production.enabled_in("staging"));
    }

    #[test]
    fn serialises_every_field_for_the_manifest() {
        let spec = TaskSpec {
            idempotency: Some(Idempotency {
                ttl_seconds: 86_400,
            }),
            ..TaskSpec::new("sync", "rate(1 hour)")
        };
        let json = serde_json::to_value(&spec).expect("serialisable");
        assert_eq!(json["name"], "sync");
        assert_eq!(json["timezone"], "UTC");
        assert_eq!(json["retries"], 2);
        assert_eq!(json["idempotency"]["ttl_seconds"], 86_400);
        assert_eq!(json["environments"], serde_json::json!([]));
    }
}

//! CloudWatch metrics from the dispatch Lambda without a CloudWatch client: each is one log
//! line in the embedded metric format (EMF), which CloudWatch Logs turns into metrics.
//!
//! Namespace [`NAMESPACE`], dimensions `Function` (the default Lambda function's name, which is
//! the module's `<name_prefix>-<environment>`; a function group's runs count under it too) and
//! `Task`. A run's values are also published under
//! `Function` alone, the application's total, which the dashboard's overview and the
//! application-wide alarms (`alarms = "application"`) read whatever the number of tasks:
//!
//! | metric | unit | published |
//! |---|---|---|
//! | `Runs` | Count | 1 per delivery that ran the task |
//! | `Failures` | Count | 1 per run that failed, timed out or panicked, or was not run because the idempotency store did not answer or the function's configuration is invalid (`InvalidConfiguration`) |
//! | `Duplicates` | Count | 1 per delivery of an occurrence that had already succeeded |
//! | `Duration` | Milliseconds | the run's duration |
//! | `MissedRuns` | Count | per task and check, the occurrences newly found missed, when there are any; per check, the application's total, 0 included |
//! | `LedgerWriteFailures` | Count | ledger writes that failed or timed out so far in this process, when there are any |
//! | `ConsecutiveFailures` | Count | tasks declared `alert_after = N` only, per task: at each failed run from the N-th failed occurrence in a row on, the count; at the first success after such a streak, 0 (the alarm's recovery) |
//!
//! **No zeros per task.** CloudWatch bills a custom metric for every hour in which a value is
//! published to it ($0.30 a metric-month, prorated by the hour), so a zero published every
//! check and every run made the metrics most of an application's cost (`BENCHMARKS.md`,
//! "Hundreds of tasks"). A per-task value is published only when it is not zero; the alarms
//! treat missing data as not breaching, so they fire and clear as before, and the graphs
//! show nothing where nothing happened. The application's `MissedRuns` total is published with
//! each check, zero or not, so that the check's own silence stays visible.
//!
//! The generated alarms watch `Failures` and `MissedRuns`, not Lambda's `Errors`: a delivery
//! that waits out a concurrent duplicate and gives it back for a retry is an error to Lambda but
//! no failure of the task.

use std::io::Write;

use schedule_core::jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::ledger::Status;

/// The metrics' namespace.
pub const NAMESPACE: &str = "Schedule";

/// A task's metric and the application's total.
const TASK_AND_TOTAL: &[&[&str]] = &[&["Function", "Task"], &["Function"]];
/// A task's metric only (its total is published on its own).
const TASK_ONLY: &[&[&str]] = &[&["Function", "Task"]];
/// The application's total only.
const TOTAL_ONLY: &[&[&str]] = &[&["Function"]];

/// Writes metric lines to stdout, where Lambda sends them to CloudWatch Logs.
#[derive(Debug, Clone)]
pub(crate) struct Metrics {
    function: String,
}

impl Metrics {
    /// Metrics of the function named `function`.
    #[cfg(feature = "app")]
    pub(crate) fn new(function: impl Into<String>) -> Metrics {
        Metrics {
            function: function.into(),
        }
    }

    /// One delivery's outcome: the values that are not zero.
    pub(crate) fn run(
        &self,
        task: &str,
        status: Status,
        duration_ms: Option<u64>,
        ledger_write_failures: u64,
    ) {
        let ran = status != Status::Duplicate && duration_ms.is_some();
        let counts = [
            ("Runs", u64::from(ran)),
            ("Failures", u64::from(status.is_failure())),
            ("Duplicates", u64::from(status == Status::Duplicate)),
            ("LedgerWriteFailures", ledger_write_failures),
        ];
        let mut values: Vec<(&str, &str, Value)> = counts
            .into_iter()
            .filter(|&(_, count)| count > 0)
            .map(|(name, count)| (name, "Count", json!(count)))
            .collect();
        if let Some(ms) = duration_ms {
            values.push(("Duration", "Milliseconds", json!(ms)));
        }
        self.emit(Some(task), TASK_AND_TOTAL, &values);
    }

    /// One check's finding for one task: published when something was missed.
    pub(crate) fn missed(&self, task: &str, count: usize) {
        if count > 0 {
            self.emit(
                Some(task),
                TASK_ONLY,
                &[("MissedRuns", "Count", json!(count))],
            );
        }
    }

    /// A task's failed occurrences in a row (`alert_after`): the count once it reaches the
    /// alarm's threshold, 0 when a success ends such a streak.
    pub(crate) fn failures_in_a_row(&self, task: &str, count: usize) {
        self.emit(
            Some(task),
            TASK_ONLY,
            &[("ConsecutiveFailures", "Count", json!(count))],
        );
    }

    /// One check's finding for the application: every check, zero included.
    pub(crate) fn missed_total(&self, count: usize) {
        self.emit(None, TOTAL_ONLY, &[("MissedRuns", "Count", json!(count))]);
    }

    fn emit(&self, task: Option<&str>, dimensions: &[&[&str]], values: &[(&str, &str, Value)]) {
        if values.is_empty() {
            return;
        }
        let line = line(&self.function, task, dimensions, Timestamp::now(), values);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
}

/// One EMF document, newline-terminated.
fn line(
    function: &str,
    task: Option<&str>,
    dimensions: &[&[&str]],
    now: Timestamp,
    values: &[(&str, &str, Value)],
) -> String {
    let definitions: Vec<Value> = values
        .iter()
        .map(|(name, unit, _)| json!({"Name": name, "Unit": unit}))
        .collect();
    let mut document = Map::new();
    document.insert(
        "_aws".to_owned(),
        json!({
            "Timestamp": now.as_millisecond(),
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": dimensions,
                "Metrics": definitions,
            }],
        }),
    );
    document.insert("Function".to_owned(), json!(function));
    if let Some(task) = task {
        document.insert("Task".to_owned(), json!(task));
    }
    for (name, _, value) in values {
        document.insert((*name).to_owned(), value.clone());
    }
    let mut text = Value::Object(document).to_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(text: &str) -> Value {
        assert!(text.ends_with('\n') && !text.trim_end().contains('\n'));
        serde_json::from_str(text).expect("JSON")
    }

    #[test]
    fn a_line_declares_each_value_it_carries() {
        let now: Timestamp = "2026-11-26T08:00:00Z".parse().expect("an instant");
        let text = line(
            "shop-production",
            Some("report"),
            TASK_AND_TOTAL,
            now,
            &[
                ("Failures", "Count", json!(1)),
                ("Duration", "Milliseconds", json!(250)),
            ],
        );
        let document = document(&text);
        let metadata = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(document["_aws"]["Timestamp"], 1_795_680_000_000_i64);
        assert_eq!(metadata["Namespace"], "Schedule");
        assert_eq!(
            metadata["Dimensions"],
            json!([["Function", "Task"], ["Function"]])
        );
        for definition in metadata["Metrics"].as_array().expect("a list") {
            let name = definition["Name"].as_str().expect("a name");
            assert!(document[name].is_number(), "{name} has no value");
        }
        assert_eq!(document["Function"], "shop-production");
        assert_eq!(document["Task"], "report");
        assert_eq!(document["Failures"], 1);
    }

    #[test]
    fn the_applications_total_has_no_task() {
        let now: Timestamp = "2026-11-26T08:00:00Z".parse().expect("an instant");
        let text = line(
            "shop-production",
            None,
            TOTAL_ONLY,
            now,
            &[("MissedRuns", "Count", json!(0))],
        );
        let document = document(&text);
        assert_eq!(
            document["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([["Function"]])
        );
        assert!(document.get("Task").is_none());
        assert_eq!(document["MissedRuns"], 0);
    }
}

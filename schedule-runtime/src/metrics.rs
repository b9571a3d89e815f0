//! CloudWatch metrics from the dispatch Lambda without a CloudWatch client: each is one log
//! line in the embedded metric format (EMF), which CloudWatch Logs turns into metrics.
//!
//! Namespace [`NAMESPACE`], dimensions `Function` (the Lambda function's name, which is the
//! module's `<name_prefix>-<environment>`) and `Task`; each value is also published under
//! `Function` alone, the application's total, which the dashboard's overview and the
//! application-wide alarms (`alarms = "application"`) read whatever the number of tasks:
//!
//! | metric | unit | when |
//! |---|---|---|
//! | `Runs` | Count | 1 per delivery that ran the task |
//! | `Failures` | Count | 1 per run that failed, timed out or panicked, or was not run because the idempotency store did not answer or the function's configuration is invalid (`InvalidConfiguration`); 0 otherwise |
//! | `Duplicates` | Count | 1 per delivery of an occurrence that had already succeeded |
//! | `Duration` | Milliseconds | the run's duration |
//! | `MissedRuns` | Count | per task and check: occurrences newly found missed (0 included, so an alarm has data) |
//! | `LedgerWriteFailures` | Count | ledger writes that failed or timed out so far in this process |
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

    /// One delivery's outcome.
    pub(crate) fn run(
        &self,
        task: &str,
        status: Status,
        duration_ms: Option<u64>,
        ledger_write_failures: u64,
    ) {
        let ran = status != Status::Duplicate;
        let mut values = vec![
            (
                "Runs",
                "Count",
                json!(u8::from(ran && duration_ms.is_some())),
            ),
            ("Failures", "Count", json!(u8::from(status.is_failure()))),
            (
                "Duplicates",
                "Count",
                json!(u8::from(status == Status::Duplicate)),
            ),
            ("LedgerWriteFailures", "Count", json!(ledger_write_failures)),
        ];
        if let Some(ms) = duration_ms {
            values.push(("Duration", "Milliseconds", json!(ms)));
        }
        self.emit(task, &values);
    }

    /// One check's finding for one task.
    pub(crate) fn missed(&self, task: &str, count: usize) {
        self.emit(task, &[("MissedRuns", "Count", json!(count))]);
    }

    fn emit(&self, task: &str, values: &[(&str, &str, Value)]) {
        let line = line(&self.function, task, Timestamp::now(), values);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
}

/// One EMF document, newline-terminated.
fn line(function: &str, task: &str, now: Timestamp, values: &[(&str, &str, Value)]) -> String {
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
                "Dimensions": [["Function", "Task"], ["Function"]],
                "Metrics": definitions,
            }],
        }),
    );
    document.insert("Function".to_owned(), json!(function));
    document.insert("Task".to_owned(), json!(task));
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

    #[test]
    fn a_line_declares_each_value_it_carries() {
        let now: Timestamp = "2026-11-26T08:00:00Z".parse().expect("an instant");
        let text = line(
            "shop-production",
            "report",
            now,
            &[
                ("Failures", "Count", json!(1)),
                ("Duration", "Milliseconds", json!(250)),
            ],
        );
        assert!(text.ends_with('\n') && !text.trim_end().contains('\n'));
        let document: Value = serde_json::from_str(&text).expect("JSON");
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
}

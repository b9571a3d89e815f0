//! The two kinds of message in the module's dead-letter queue, read into one shape.
//!
//! - **Scheduler's undelivered events**: Scheduler could not invoke the alias (throttled,
//!   permissions, a deleted function) within its retry policy. The body is the event itself;
//!   message attributes say why (`ERROR_CODE`, `ERROR_MESSAGE`, `EXHAUSTED_RETRY_CONDITION`,
//!   `RETRY_ATTEMPTS`, `IS_PAYLOAD_TRUNCATED`, ...). Legacy EventBridge rules' dead letters
//!   have the same form.
//! - **Lambda's on-failure records**: the task ran and failed on every attempt (or its event
//!   grew too old). The body is a JSON record: `requestContext` (`condition`,
//!   `approximateInvokeCount`, `functionArn`), `requestPayload` (the event) and
//!   `responsePayload` (the error the dispatcher returned: `errorType`, `errorMessage`).

use std::collections::HashMap;
use std::fmt;

use schedule_runtime::Event;
use serde_json::Value;

/// One dead letter: the event to send again and why it is here.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DeadLetter {
    /// The event as it was delivered (or was to be).
    pub(crate) event: Value,
    /// The same, decoded.
    pub(crate) decoded: Event,
    /// Why it is in the queue.
    pub(crate) why: Why,
}

/// Why an occurrence is in the queue.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Why {
    /// Scheduler (or a rule) could not deliver it.
    Undelivered {
        /// `ERROR_CODE`, e.g. `AWS.Lambda.TooManyRequestsException`.
        code: String,
        /// `ERROR_MESSAGE`.
        message: String,
        /// `EXHAUSTED_RETRY_CONDITION`: `MaximumRetryAttempts` or `MaximumEventAgeInSeconds`.
        condition: Option<String>,
    },
    /// It ran and failed for good.
    Failed {
        /// `RetriesExhausted` or `EventAgeExceeded`.
        condition: String,
        /// How many times it ran, as Lambda counts.
        attempts: u64,
        /// The dispatcher's `errorType`.
        error_type: String,
        /// The dispatcher's `errorMessage`.
        message: String,
    },
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Undelivered {
                code,
                message,
                condition,
            } => {
                write!(f, "not delivered")?;
                if let Some(condition) = condition {
                    write!(f, " ({condition})")?;
                }
                write!(f, ": {code}: {}", first_line(message))
            }
            Why::Failed {
                condition,
                attempts,
                error_type,
                message,
            } => write!(
                f,
                "failed {attempts} time(s) ({condition}): [{error_type}] {}",
                first_line(message)
            ),
        }
    }
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// Reads one message of the queue: its body and its string attributes.
pub(crate) fn of_message(message: &aws_sdk_sqs::types::Message) -> Result<DeadLetter, String> {
    let attributes: HashMap<String, String> = message
        .message_attributes()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| Some((k.clone(), v.string_value()?.to_owned())))
        .collect();
    read(message.body().unwrap_or(""), &attributes)
}

/// Reads one message: its body and its string attributes.
pub(crate) fn read(body: &str, attributes: &HashMap<String, String>) -> Result<DeadLetter, String> {
    if attributes.get("IS_PAYLOAD_TRUNCATED").map(String::as_str) == Some("true") {
        return Err(
            "Scheduler truncated its payload (too large for SQS), so it cannot be sent again as it was; send it by hand with `invoke --at`".to_owned(),
        );
    }
    let parsed: Value = serde_json::from_str(body)
        .map_err(|e| format!("the body is not JSON ({e}): not a dead letter of this module"))?;
    let (event, why) = if let Some(context) = parsed.get("requestContext") {
        let event = parsed
            .get("requestPayload")
            .cloned()
            .ok_or("a Lambda failure record without `requestPayload`")?;
        let response = parsed.get("responsePayload");
        let text = |value: Option<&Value>, key: &str| {
            value
                .and_then(|v| v.get(key))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let why = Why::Failed {
            condition: text(Some(context), "condition"),
            attempts: context
                .get("approximateInvokeCount")
                .and_then(Value::as_u64)
                .unwrap_or(0),
            error_type: text(response, "errorType"),
            message: text(response, "errorMessage"),
        };
        (event, why)
    } else if let Some(code) = attributes.get("ERROR_CODE") {
        let why = Why::Undelivered {
            code: code.clone(),
            message: attributes.get("ERROR_MESSAGE").cloned().unwrap_or_default(),
            condition: attributes.get("EXHAUSTED_RETRY_CONDITION").cloned(),
        };
        (parsed, why)
    } else {
        return Err(
            "neither a Lambda failure record (no `requestContext`) nor an undelivered event (no ERROR_CODE attribute): not a dead letter of this module".to_owned(),
        );
    };
    let decoded = Event::from_json(event.clone()).map_err(|e| e.to_string())?;
    Ok(DeadLetter {
        event,
        decoded,
        why,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attributes(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    // The record's shape is AWS's documented example of an on-failure destination record.
    #[test]
    fn a_lambda_failure_record_gives_the_event_and_the_error() {
        let body = json!({
            "version": "1.0",
            "timestamp": "2026-11-30T09:07:12.568Z",
            "requestContext": {
                "requestId": "e4b46cbf-b738-4c1a-8880-a18cdf61200e",
                "functionArn": "arn:aws:lambda:eu-west-1:123456789012:function:shop-prod:inventory-sync",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": 3
            },
            "requestPayload": {"task": "inventory-sync", "scheduled_time": "2026-11-30T09:05:00Z",
                               "execution_id": "ad06616e51cdf74a", "attempt": "1"},
            "responseContext": {"statusCode": 200, "executedVersion": "7", "functionError": "Unhandled"},
            "responsePayload": {"errorType": "TaskFailed", "errorMessage": "supplier API returned 503\nretry later"}
        });
        let letter = read(&body.to_string(), &HashMap::new()).unwrap();
        assert_eq!(letter.decoded.task, "inventory-sync");
        assert_eq!(
            letter.decoded.scheduled_time,
            Some("2026-11-30T09:05:00Z".parse().unwrap())
        );
        assert_eq!(letter.event, body["requestPayload"]);
        assert_eq!(
            letter.why.to_string(),
            "failed 3 time(s) (RetriesExhausted): [TaskFailed] supplier API returned 503"
        );
    }

    #[test]
    fn an_undelivered_event_is_the_body_with_the_reason_in_attributes() {
        let body = r#"{"task":"weekly-digest","scheduled_time":"2026-11-30T08:00:00Z","execution_id":"d32c5kddcf5bb8c3","attempt":"4","schedule_arn":"arn:aws:scheduler:eu-west-1:123456789012:schedule/shop-prod/weekly-digest"}"#;
        let letter = read(
            body,
            &attributes(&[
                ("ERROR_CODE", "AWS.Lambda.TooManyRequestsException"),
                ("ERROR_MESSAGE", "Rate Exceeded."),
                ("EXHAUSTED_RETRY_CONDITION", "MaximumRetryAttempts"),
                ("RETRY_ATTEMPTS", "3"),
                ("IS_PAYLOAD_TRUNCATED", "false"),
            ]),
        )
        .unwrap();
        assert_eq!(letter.decoded.task, "weekly-digest");
        assert_eq!(letter.decoded.attempt, Some(4));
        assert_eq!(
            letter.why.to_string(),
            "not delivered (MaximumRetryAttempts): AWS.Lambda.TooManyRequestsException: Rate Exceeded."
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_reason() {
        let plain = read(r#"{"task":"x"}"#, &HashMap::new()).unwrap_err();
        assert!(
            plain.contains("not a dead letter of this module"),
            "{plain}"
        );
        let text = read("hello", &HashMap::new()).unwrap_err();
        assert!(text.contains("not JSON"), "{text}");
        let truncated = read(
            r#"{"task":"x"}"#,
            &attributes(&[("ERROR_CODE", "X"), ("IS_PAYLOAD_TRUNCATED", "true")]),
        )
        .unwrap_err();
        assert!(truncated.contains("truncated"), "{truncated}");
        let not_an_event = read(
            r#"{"check":"missed_runs"}"#,
            &attributes(&[("ERROR_CODE", "X")]),
        )
        .unwrap_err();
        assert!(
            not_an_event.contains("not a schedule event"),
            "{not_an_event}"
        );
    }
}

//! The event every generated schedule sends (contract 1 of `docs/contracts.md`), decoded strictly.
//!
//! ```json
//! {"task": "daily-sales-report",
//!  "scheduled_time": "<aws.scheduler.scheduled-time>",
//!  "execution_id": "<aws.scheduler.execution-id>",
//!  "attempt": "<aws.scheduler.attempt-number>",
//!  "schedule_arn": "<aws.scheduler.schedule-arn>",
//!  "input": {"report_type": "daily_sales"}}
//! ```
//!
//! Only `task` is required, so a hand-made invocation may send just that. Scheduler substitutes
//! the `<aws.scheduler.*>` keywords inside the quotes, so `attempt` arrives as a string.

use schedule_core::jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One scheduled invocation, as Scheduler (or a person) sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The task to run.
    pub task: String,
    /// The occurrence: when the schedule was due. `None` for a hand-made invocation.
    pub scheduled_time: Option<Timestamp>,
    /// Scheduler's id for this delivery.
    pub execution_id: Option<String>,
    /// Which delivery of the occurrence this is, from 1.
    pub attempt: Option<u32>,
    /// The schedule that sent it.
    pub schedule_arn: Option<String>,
    /// For a run deferred from code (`schedule_runtime::defer`), its key: part of the
    /// occurrence's identity, so that runs of one task deferred to the same instant under
    /// different keys are different occurrences.
    pub deferral: Option<String>,
    /// The task's input.
    pub input: Option<Value>,
}

impl Event {
    /// Whether one of the task's schedules sent this delivery: it names the schedule (or, with
    /// `--eventbridge-rules`, the rule) and is no run deferred from code. Operators' commands
    /// send no `schedule_arn` ([`operator_event`], [`resent`]), nor does a hand-made
    /// invocation. Such a delivery shows the deployment existed when the occurrence was due,
    /// which is where the missed-run rule may start.
    pub fn by_schedule(&self) -> bool {
        self.deferral.is_none()
            && self
                .schedule_arn
                .as_deref()
                .is_some_and(|arn| !arn.is_empty())
    }
}

/// Why an event was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// Not a JSON object of the expected shape.
    #[error(
        "the event is not a schedule event: {0}; expected a JSON object like \
         {{\"task\": \"daily-sales-report\", \"scheduled_time\": \"2026-11-26T08:00:00Z\"}}"
    )]
    Shape(String),
    /// A member whose value is wrong.
    #[error("the event's `{field}` is invalid: {problem}")]
    Field {
        /// The member.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// The event's members as sent; `attempt` may be a string or a number.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    task: String,
    #[serde(default)]
    scheduled_time: Option<String>,
    #[serde(default)]
    execution_id: Option<String>,
    #[serde(default)]
    attempt: Option<Value>,
    #[serde(default)]
    schedule_arn: Option<String>,
    #[serde(default)]
    deferral: Option<String>,
    #[serde(default)]
    input: Option<Value>,
}

impl Event {
    /// Decodes an event, naming the member at fault when it is wrong.
    pub fn from_json(value: Value) -> Result<Event, EventError> {
        if !value.is_object() {
            return Err(EventError::Shape(format!("found {}", kind(&value))));
        }
        let wire: Wire =
            serde_json::from_value(value).map_err(|e| EventError::Shape(e.to_string()))?;
        if wire.task.trim().is_empty() {
            return Err(field("task", "it is empty".to_owned()));
        }
        let scheduled_time = wire
            .scheduled_time
            .map(|text| {
                unsubstituted("scheduled_time", &text)?;
                text.parse::<Timestamp>().map_err(|e| {
                    field(
                        "scheduled_time",
                        format!("`{text}` is not an RFC 3339 instant: {e}"),
                    )
                })
            })
            .transpose()?;
        let attempt = wire.attempt.as_ref().map(attempt).transpose()?;
        if let Some(id) = &wire.execution_id {
            unsubstituted("execution_id", id)?;
        }
        if let Some(arn) = &wire.schedule_arn {
            unsubstituted("schedule_arn", arn)?;
        }
        if wire.deferral.as_deref().is_some_and(str::is_empty) {
            return Err(field("deferral", "it is empty".to_owned()));
        }
        Ok(Event {
            task: wire.task,
            scheduled_time,
            execution_id: wire.execution_id,
            attempt,
            schedule_arn: wire.schedule_arn,
            deferral: wire.deferral,
            input: wire.input,
        })
    }
}

/// The `input` a schedule of `task` sends: the event above with the four context keywords
/// inside quotes, compact, members in the order shown. `input` is the task's declared input
/// JSON (already checked by `#[scheduled]`); an invalid one is the error returned.
///
/// The text goes into Terraform as a literal string: `jsonencode` would escape `<` and `>` and
/// Scheduler would no longer recognise the keywords.
///
/// ```
/// let input = schedule_runtime::event::scheduler_input("cleanup", None)?;
/// assert_eq!(
///     input,
///     r#"{"task":"cleanup","scheduled_time":"<aws.scheduler.scheduled-time>","execution_id":"<aws.scheduler.execution-id>","attempt":"<aws.scheduler.attempt-number>","schedule_arn":"<aws.scheduler.schedule-arn>"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn scheduler_input(task: &str, input: Option<&str>) -> Result<String, serde_json::Error> {
    template(task, input, None, SCHEDULER)
}

/// Scheduler's context keywords.
const SCHEDULER: Placeholders<'static> = Placeholders {
    scheduled_time: "<aws.scheduler.scheduled-time>",
    execution_id: "<aws.scheduler.execution-id>",
    attempt: Some("<aws.scheduler.attempt-number>"),
    schedule_arn: "<aws.scheduler.schedule-arn>",
};

/// The `input` of the one-time schedule of a run of `task` deferred from code under `key`:
/// [`scheduler_input`]'s event with the run's own instant as `scheduled_time` (to the
/// millisecond, where Scheduler's `at()` and its keyword have whole seconds) and the key as
/// `deferral`. `input` is the task's input, already JSON.
///
/// ```
/// let at = "2026-12-03T09:30:00.250Z".parse()?;
/// let input = serde_json::json!({"order": 42});
/// let text = schedule_runtime::event::deferred_input("review-request", at, "order-42", &input)?;
/// assert_eq!(
///     text,
///     r#"{"task":"review-request","scheduled_time":"2026-12-03T09:30:00.25Z","execution_id":"<aws.scheduler.execution-id>","attempt":"<aws.scheduler.attempt-number>","schedule_arn":"<aws.scheduler.schedule-arn>","deferral":"order-42","input":{"order":42}}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn deferred_input(
    task: &str,
    scheduled_time: Timestamp,
    key: &str,
    input: &Value,
) -> Result<String, serde_json::Error> {
    let at = scheduled_time.to_string();
    template(
        task,
        Some(&input.to_string()),
        Some(key),
        Placeholders {
            scheduled_time: &at,
            ..SCHEDULER
        },
    )
}

/// The event Scheduler delivers for a deferred run: [`deferred_input`] with its keywords
/// filled in. What the local runner sends for a deferred run.
pub fn deferred_event(
    task: &str,
    key: &str,
    input: &Value,
    delivery: Delivery<'_>,
) -> Result<Value, serde_json::Error> {
    substitute(
        &deferred_input(task, delivery.scheduled_time, key, input)?,
        delivery,
    )
}

/// The `input_template` of a legacy EventBridge rule's target for `task`: the same event, filled
/// in by the target's input transformer from the rule's event (`<time>` from `$.time`, `<id>`
/// from `$.id`, `<rule>` from `$.resources[0]`). Rules have no attempt number.
///
/// ```
/// let template = schedule_runtime::event::rule_input_template("cleanup", None)?;
/// assert_eq!(
///     template,
///     r#"{"task":"cleanup","scheduled_time":"<time>","execution_id":"<id>","schedule_arn":"<rule>"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn rule_input_template(task: &str, input: Option<&str>) -> Result<String, serde_json::Error> {
    template(
        task,
        input,
        None,
        Placeholders {
            scheduled_time: "<time>",
            execution_id: "<id>",
            attempt: None,
            schedule_arn: "<rule>",
        },
    )
}

/// One delivery of an occurrence, as Scheduler describes it in the context keywords.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// When the occurrence was due.
    pub scheduled_time: Timestamp,
    /// Scheduler's id for this delivery.
    pub execution_id: &'a str,
    /// Which delivery of the occurrence this is, from 1.
    pub attempt: u32,
    /// The schedule's ARN.
    pub schedule_arn: &'a str,
}

/// The event Scheduler delivers for `task`: [`scheduler_input`] with its keywords filled in, as
/// Scheduler fills them (the scheduled time in UTC to the second). The local runner and
/// `invoke` send exactly this.
pub fn scheduler_event(
    task: &str,
    input: Option<&str>,
    delivery: Delivery<'_>,
) -> Result<Value, serde_json::Error> {
    substitute(&scheduler_input(task, input)?, delivery)
}

/// Fills Scheduler's keywords in an event's text as Scheduler does (the scheduled time in UTC
/// to the second) and decodes it.
fn substitute(text: &str, delivery: Delivery<'_>) -> Result<Value, serde_json::Error> {
    // The values hold no quote or backslash (an RFC 3339 instant, an id, digits, an ARN), so
    // they can replace the keywords inside the JSON text as they are.
    let text = text
        .replace(
            "<aws.scheduler.scheduled-time>",
            &delivery
                .scheduled_time
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
        )
        .replace("<aws.scheduler.execution-id>", delivery.execution_id)
        .replace(
            "<aws.scheduler.attempt-number>",
            &delivery.attempt.to_string(),
        )
        .replace("<aws.scheduler.schedule-arn>", delivery.schedule_arn);
    serde_json::from_str(&text)
}

/// The event an operator's command sends for `task`'s occurrence due at `scheduled_time`
/// (`invoke`, `backfill`, locally and on a deployment), and its execution id: Scheduler's event
/// for a first delivery, with a new execution id and without `schedule_arn`, since no schedule
/// sent it. So it runs as the occurrence it names but never moves where the missed-run rule
/// starts. `input` is the task's input JSON.
///
/// ```
/// let at = "2026-11-30T09:05:00Z".parse()?;
/// let (event, execution_id) = schedule_runtime::event::operator_event("inventory-sync", None, at)?;
/// assert_eq!(event["scheduled_time"], "2026-11-30T09:05:00Z");
/// assert_eq!(event["execution_id"], execution_id.as_str());
/// assert_eq!(event["attempt"], "1");
/// assert!(event.get("schedule_arn").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn operator_event(
    task: &str,
    input: Option<&str>,
    scheduled_time: Timestamp,
) -> Result<(Value, String), serde_json::Error> {
    let execution_id = new_execution_id();
    let delivery = Delivery {
        scheduled_time,
        execution_id: &execution_id,
        attempt: 1,
        schedule_arn: "",
    };
    Ok((
        resent(scheduler_event(task, input, delivery)?),
        execution_id,
    ))
}

/// A dead letter's `event` as `replay` sends it again: as it was, less its `schedule_arn`. The
/// occurrence runs as the one the event names; an operator sent it, not its schedule.
pub fn resent(mut event: Value) -> Value {
    if let Some(members) = event.as_object_mut() {
        members.remove("schedule_arn");
    }
    event
}

/// A new execution id, like Scheduler's: 16 random hex digits. For deliveries that Scheduler
/// did not make (the local runner, an operator's `invoke`, `backfill`).
pub fn new_execution_id() -> String {
    format!("{:016x}", uuid::Uuid::new_v4().as_u128() as u64)
}

/// What the sender substitutes for each context member.
#[derive(Clone, Copy)]
struct Placeholders<'a> {
    scheduled_time: &'a str,
    execution_id: &'static str,
    attempt: Option<&'static str>,
    schedule_arn: &'static str,
}

fn template(
    task: &str,
    input: Option<&str>,
    deferral: Option<&str>,
    placeholders: Placeholders<'_>,
) -> Result<String, serde_json::Error> {
    #[derive(Serialize)]
    struct Template<'a> {
        task: &'a str,
        scheduled_time: &'a str,
        execution_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        attempt: Option<&'a str>,
        schedule_arn: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        deferral: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        input: Option<Value>,
    }
    serde_json::to_string(&Template {
        task,
        scheduled_time: placeholders.scheduled_time,
        execution_id: placeholders.execution_id,
        attempt: placeholders.attempt,
        schedule_arn: placeholders.schedule_arn,
        deferral,
        input: input.map(serde_json::from_str).transpose()?,
    })
}

fn field(field: &'static str, problem: String) -> EventError {
    EventError::Field { field, problem }
}

/// A context keyword Scheduler did not replace means the event did not come from Scheduler's
/// templated target (or the Terraform escaped it); running with it would key idempotency on
/// the literal text.
fn unsubstituted(name: &'static str, text: &str) -> Result<(), EventError> {
    if text.starts_with("<aws.scheduler.") {
        return Err(field(
            name,
            format!("`{text}` was not substituted by EventBridge Scheduler"),
        ));
    }
    Ok(())
}

fn attempt(value: &Value) -> Result<u32, EventError> {
    let parsed = match value {
        Value::String(text) => {
            unsubstituted("attempt", text)?;
            text.parse::<u32>().ok()
        }
        Value::Number(number) => number.as_u64().and_then(|n| u32::try_from(n).ok()),
        _ => None,
    };
    parsed.filter(|n| *n >= 1).ok_or_else(|| {
        field(
            "attempt",
            format!("expected a whole number from 1, such as \"1\", found {value}"),
        )
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn scheduler_input_decodes_once_scheduler_fills_in_the_keywords() {
        let template =
            scheduler_input("report", Some(r#"{ "format": "pdf", "note": "<b>&" }"#)).unwrap();
        // Scheduler replaces each keyword in the text, as documented.
        let delivered = template
            .replace("<aws.scheduler.scheduled-time>", "2026-11-26T05:00:00Z")
            .replace("<aws.scheduler.execution-id>", "ad06616e51cdf74a")
            .replace("<aws.scheduler.attempt-number>", "3")
            .replace(
                "<aws.scheduler.schedule-arn>",
                "arn:aws:scheduler:eu-west-1:123456789012:schedule/shop/report",
            );
        let event = Event::from_json(serde_json::from_str(&delivered).unwrap()).unwrap();
        assert_eq!(event.task, "report");
        assert_eq!(
            event.scheduled_time,
            Some("2026-11-26T05:00:00Z".parse().unwrap())
        );
        assert_eq!(event.execution_id.as_deref(), Some("ad06616e51cdf74a"));
        assert_eq!(event.attempt, Some(3));
        assert_eq!(
            event.schedule_arn.as_deref(),
            Some("arn:aws:scheduler:eu-west-1:123456789012:schedule/shop/report")
        );
        assert_eq!(event.input, Some(json!({"format": "pdf", "note": "<b>&"})));
        // Not escaped the way `jsonencode` would.
        assert!(!template.contains("\\u003c"));
    }

    #[test]
    fn scheduler_input_rejects_invalid_input_json() {
        assert!(scheduler_input("report", Some("{not json")).is_err());
    }

    #[test]
    fn decodes_the_full_contract_event() {
        let event = Event::from_json(json!({
            "task": "daily-sales-report",
            "scheduled_time": "2026-11-26T05:00:00Z",
            "execution_id": "ad06616e51cdf74a",
            "attempt": "2",
            "schedule_arn": "arn:aws:scheduler:eu-west-1:123456789012:schedule/shop/daily-sales-report",
            "input": {"format": "pdf"}
        }))
        .unwrap();
        assert_eq!(event.task, "daily-sales-report");
        assert_eq!(
            event.scheduled_time,
            Some("2026-11-26T05:00:00Z".parse().unwrap())
        );
        assert_eq!(event.attempt, Some(2));
        assert_eq!(event.input, Some(json!({"format": "pdf"})));
    }

    #[test]
    fn only_the_task_is_required() {
        let event = Event::from_json(json!({"task": "cleanup"})).unwrap();
        assert_eq!(event.task, "cleanup");
        assert_eq!(event.scheduled_time, None);
        assert_eq!(event.attempt, None);
        assert_eq!(
            Event::from_json(json!({"task": "x", "attempt": 3}))
                .unwrap()
                .attempt,
            Some(3)
        );
    }

    #[test]
    fn only_a_schedule_s_own_delivery_is_by_schedule() {
        let arn = "arn:aws:scheduler:eu-west-1:123456789012:schedule/shop/report";
        let scheduled = json!({"task": "report", "scheduled_time": "2026-11-26T05:00:00Z", "schedule_arn": arn});
        assert!(Event::from_json(scheduled.clone()).unwrap().by_schedule());
        let replayed = resent(scheduled.clone());
        assert!(!Event::from_json(replayed).unwrap().by_schedule());
        let mut deferred = scheduled;
        deferred["deferral"] = json!("order-42");
        assert!(!Event::from_json(deferred).unwrap().by_schedule());
        let at = "2026-11-26T05:00:00Z".parse().unwrap();
        let (invoked, _) = operator_event("report", None, at).unwrap();
        assert!(!Event::from_json(invoked).unwrap().by_schedule());
        assert!(
            !Event::from_json(json!({"task": "report"}))
                .unwrap()
                .by_schedule()
        );
    }

    #[test]
    fn every_problem_is_named() {
        let cases = [
            (
                json!([1, 2]),
                "the event is not a schedule event: found an array",
            ),
            (
                json!({}),
                "the event is not a schedule event: missing field `task`",
            ),
            (
                json!({"task": 7}),
                "the event is not a schedule event: invalid type: integer `7`, expected a string",
            ),
            (
                json!({"task": "x", "colour": "red"}),
                "the event is not a schedule event: unknown field `colour`",
            ),
            (
                json!({"task": "  "}),
                "the event's `task` is invalid: it is empty",
            ),
            (
                json!({"task": "x", "scheduled_time": "yesterday"}),
                "the event's `scheduled_time` is invalid: `yesterday` is not an RFC 3339 instant",
            ),
            (
                json!({"task": "x", "scheduled_time": "<aws.scheduler.scheduled-time>"}),
                "the event's `scheduled_time` is invalid: `<aws.scheduler.scheduled-time>` was not substituted",
            ),
            (
                json!({"task": "x", "attempt": "zero"}),
                "the event's `attempt` is invalid: expected a whole number from 1",
            ),
            (
                json!({"task": "x", "attempt": 0}),
                "the event's `attempt` is invalid: expected a whole number from 1",
            ),
            (
                json!({"task": "x", "attempt": -1}),
                "the event's `attempt` is invalid",
            ),
        ];
        for (event, expected) in cases {
            let message = Event::from_json(event.clone()).unwrap_err().to_string();
            assert!(message.starts_with(expected), "{event}: {message}");
        }
    }
}

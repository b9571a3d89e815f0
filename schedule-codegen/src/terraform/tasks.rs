//! What the module needs to know about each task, derived once from its [`TaskSpec`], and the
//! `local.tasks` table that carries it into Terraform.
//!
//! Every per-task resource iterates over `local.tasks` with `for_each`, so one task is one
//! entry of one table in `main.tf`: the place to read what will be deployed for it.

use hcl::expr::{Expression, Object, ObjectKey};
use schedule_core::limits::{alias_name, check_task_name};
use schedule_core::{Schedule, TaskSpec};
use schedule_runtime::event::{rule_input_template, scheduler_input};
use schedule_runtime::ledger::interval;

use super::hcl::strings;
use super::{RenderError, Trigger};

/// The day a task's interval is measured from: 2026-01-01T00:00:00Z.
const INTERVAL_FROM: schedule_core::jiff::Timestamp =
    schedule_core::jiff::Timestamp::constant(1_767_225_600, 0);

/// The description of a task without a schedule that declares none.
const DEFERRED_DESCRIPTION: &str = "Runs when the code defers it";

/// One task as the module deploys it.
pub(crate) struct Task<'a> {
    pub(crate) spec: &'a TaskSpec,
    /// `None` for a task that runs only when code defers it: no schedule of its own.
    pub(crate) schedule: Option<Schedule>,
    /// Name of the Lambda alias whose asynchronous settings carry this task's retry policy.
    pub(crate) alias: String,
    pub(crate) description: String,
    /// Seconds after which a run is given up, in both retry layers.
    pub(crate) max_age_seconds: u32,
    /// The event (contract 1 of `docs/contracts.md`) as the literal text Scheduler sends, or the template a rule's
    /// input transformer fills in.
    pub(crate) input: String,
}

impl<'a> Task<'a> {
    pub(crate) fn new(spec: &'a TaskSpec, trigger: Trigger) -> Result<Task<'a>, RenderError> {
        let invalid = |problem: String| RenderError::InvalidTask {
            task: spec.name.to_owned(),
            problem,
        };
        let schedule = spec
            .schedule()
            .transpose()
            .map_err(|e| invalid(e.to_string()))?;
        spec.time_zone().map_err(|e| invalid(e.to_string()))?;
        let input = match trigger {
            Trigger::Scheduler => scheduler_input(spec.name, spec.input),
            Trigger::EventBridgeRules => rule_input_template(spec.name, spec.input),
        }
        .map_err(|e| invalid(format!("its input is not JSON: {e}")))?;
        let description = match (spec.description, &schedule) {
            (Some(description), _) => description.to_owned(),
            (None, Some(schedule)) => schedule.describe_in(spec.timezone),
            (None, None) => DEFERRED_DESCRIPTION.to_owned(),
        };
        Ok(Task {
            alias: alias(spec.name).map_err(invalid)?,
            description,
            max_age_seconds: spec.effective_max_age_seconds(),
            input,
            schedule,
            spec,
        })
    }

    /// This task's entry of `local.tasks`; with `groups`, also the function it runs in.
    fn row(&self, groups: bool) -> Expression {
        let spec = self.spec;
        let optional_string =
            |value: Option<&str>| value.map_or(Expression::Null, Expression::from);
        let mut row = Object::new();
        let mut put = |key: &str, value: Expression| {
            row.insert(ObjectKey::from(hcl::Identifier::sanitized(key)), value);
        };
        put("alias", self.alias.as_str().into());
        if groups {
            // Its function group, `""` for the default function (`local.function_names`).
            put("function", spec.function.unwrap_or_default().into());
        }
        put(
            "expression",
            self.schedule
                .as_ref()
                .map_or(Expression::Null, |schedule| schedule.to_string().into()),
        );
        put("timezone", spec.timezone.into());
        put("description", self.description.as_str().into());
        put(
            "window_minutes",
            spec.window_minutes
                .map_or(Expression::Null, Expression::from),
        );
        put("start_date", optional_string(spec.start));
        put("end_date", optional_string(spec.end));
        put("environments", strings(spec.environments.iter().copied()));
        put("retries", spec.retries.into());
        put("max_age_seconds", self.max_age_seconds.into());
        put("input", self.input.as_str().into());
        // Failed occurrences in a row that fire the task's alarm (`alert_after`); null: any.
        put(
            "alert_after",
            spec.alert_after.map_or(Expression::Null, Expression::from),
        );
        // Where the dashboard's duration graph draws its warning line: half the shortest time
        // between two fire times, from a fixed day so that the output is the same every day.
        put(
            "half_interval_ms",
            interval(spec, INTERVAL_FROM).map_or(Expression::Null, |ms| (ms / 2).into()),
        );
        Expression::Object(row)
    }
}

/// The `local.tasks` table: task name to its row, in name order.
pub(crate) fn table(tasks: &[Task<'_>], groups: bool) -> Expression {
    let mut table = Object::new();
    for task in tasks {
        table.insert(
            ObjectKey::Expression(task.spec.name.into()),
            task.row(groups),
        );
    }
    Expression::Object(table)
}

/// The task's Lambda alias name. The registry refuses names that cannot name one; a hand-built
/// spec gets the same answer here.
fn alias(task: &str) -> Result<String, String> {
    check_task_name(task).map_err(|e| format!("a task name must be {e}"))?;
    Ok(alias_name(task))
}

/// Two tasks whose aliases would be the same (`a.b` and `a_b`), if any.
pub(crate) fn alias_clash<'t>(tasks: &'t [Task<'_>]) -> Option<(&'t str, &'t str)> {
    let mut seen: Vec<(&str, &str)> = Vec::with_capacity(tasks.len());
    for task in tasks {
        if let Some((_, other)) = seen.iter().find(|(alias, _)| *alias == task.alias) {
            return Some((other, task.spec.name));
        }
        seen.push((&task.alias, task.spec.name));
    }
    None
}

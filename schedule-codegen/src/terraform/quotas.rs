//! The quotas AWS enforces on what the module creates, checked when it is rendered: a module
//! that would break one is refused with the document and the quota named, before anything is
//! applied, instead of `terraform apply` failing halfway.
//!
//! How each document grows with the number of tasks `n` (AWS's quotas:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>,
//! <https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html>,
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html>,
//! <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html>):
//!
//! | document | quota | with `n` tasks |
//! |---|---|---|
//! | the operator's managed policy | 6,144 characters | constant: the function's qualifiers by one pattern |
//! | the deferrer's managed policy | 6,144 characters | constant |
//! | the dispatch role's inline policies | 10,240 characters together | constant: heartbeat parameters by one pattern |
//! | the Scheduler role's inline policy | 10,240 characters | constant |
//! | each function's environment | 4 KB, names and values | constant: no variable per task ([`environment_bytes`]); a group's own variables are checked by `plan` (`functions.tf`) |
//! | a function group's role | 10 managed policies, 10,240 characters of inline policies | checked by `plan` on what `var.functions` adds (`functions.tf`) |
//! | a dashboard page | 500 widgets, 2,500 metrics | one page per 100 tasks: at most 102 widgets, 405 metrics |
//! | an EventBridge rule's input (`--eventbridge-rules`) | 8,192 characters | each task's own |
//! | EventBridge rules | 300 per event bus, adjustable | `n` rules: a notice past 300 |
//!
//! What is constant is measured in the scale test (`examples/shop/tests/scale.rs`, on what
//! moto holds after `apply`); what depends on the declarations is checked here.

use schedule_runtime::event::rule_input_template;

use super::functions::Group;
use super::ledger::{OVERVIEW_METRICS, OVERVIEW_WIDGETS, TASKS_PER_PAGE};
use super::tasks::Task;
use super::{Options, RenderError, Trigger};

/// Lambda: every variable's name and value together.
pub(crate) const ENVIRONMENT_BYTES: usize = 4 * 1024;

/// CloudWatch: per dashboard.
pub(crate) const DASHBOARD_WIDGETS: usize = 500;
pub(crate) const DASHBOARD_METRICS: usize = 2_500;

/// Metrics of one task's row on the dashboard.
pub(crate) const METRICS_PER_TASK: usize = 4;

/// EventBridge: an input transformer's template, per target.
pub(crate) const RULE_INPUT_CHARS: usize = 8_192;

/// EventBridge: rules per event bus, AWS's default (adjustable).
pub(crate) const RULES_PER_BUS: usize = 300;

/// The quotas a module is checked against: AWS's ([`Limits::AWS`]), or smaller ones in tests,
/// where no real module can reach AWS's by design.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    pub(crate) environment_bytes: usize,
    pub(crate) dashboard_widgets: usize,
    pub(crate) dashboard_metrics: usize,
    pub(crate) rule_input_chars: usize,
}

impl Limits {
    /// What AWS enforces.
    pub(crate) const AWS: Limits = Limits {
        environment_bytes: ENVIRONMENT_BYTES,
        dashboard_widgets: DASHBOARD_WIDGETS,
        dashboard_metrics: DASHBOARD_METRICS,
        rule_input_chars: RULE_INPUT_CHARS,
    };
}

/// Refuses a module that would break a quota AWS enforces; `heartbeat` is the default vendor
/// when a task declares `heartbeat`, as the function's environment gets it.
pub(crate) fn check(
    tasks: &[Task<'_>],
    groups: &[Group<'_>],
    options: &Options,
    idempotent: bool,
    heartbeat: Option<schedule_core::Monitor>,
) -> Result<(), RenderError> {
    check_against(&Limits::AWS, tasks, groups, options, idempotent, heartbeat)
}

/// [`check`] against `limits`.
pub(crate) fn check_against(
    limits: &Limits,
    tasks: &[Task<'_>],
    groups: &[Group<'_>],
    options: &Options,
    idempotent: bool,
    heartbeat: Option<schedule_core::Monitor>,
) -> Result<(), RenderError> {
    // The default function's (the secrets of the tasks that name no group), and each group's.
    let secrets = super::secrets::declared(tasks.iter().filter(|t| t.spec.function.is_none()));
    let environment = environment_bytes(idempotent, heartbeat, options.defer, &secrets).max(
        framework_environment(idempotent, heartbeat, options.defer, groups),
    );
    if environment > limits.environment_bytes {
        return Err(exceeded(
            "the dispatch function's environment",
            format!(
                "Lambda's {} bytes of variables (up to {environment} bytes)",
                limits.environment_bytes
            ),
        ));
    }
    for (page, (widgets, metrics)) in dashboard_pages(tasks.len()).into_iter().enumerate() {
        if widgets > limits.dashboard_widgets || metrics > limits.dashboard_metrics {
            return Err(exceeded(
                &format!("page {} of the dashboard", page + 1),
                format!(
                    "CloudWatch's {} widgets and {} metrics per dashboard ({widgets} widgets, {metrics} metrics)",
                    limits.dashboard_widgets, limits.dashboard_metrics
                ),
            ));
        }
    }
    if options.trigger == Trigger::EventBridgeRules {
        for task in tasks {
            let chars = rule_input_template(task.spec.name, task.spec.input)
                .map_or(0, |input| input.chars().count());
            if chars > limits.rule_input_chars {
                return Err(exceeded(
                    &format!("the input of task `{}`'s rule", task.spec.name),
                    format!(
                        "EventBridge's {} characters of an input template ({chars} characters); deploy with EventBridge Scheduler (without --eventbridge-rules) or shorten the task's input",
                        limits.rule_input_chars
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// What the module may break where AWS raises the quota on request: said, not refused.
pub fn notices(task_count: usize, options: &Options) -> Vec<String> {
    let mut notices = Vec::new();
    if options.trigger == Trigger::EventBridgeRules && task_count > RULES_PER_BUS {
        notices.push(format!(
            "{task_count} EventBridge rules exceed AWS's default of {RULES_PER_BUS} rules per event bus: raise the quota \"Number of rules\" in Service Quotas before applying, or deploy with EventBridge Scheduler (without --eventbridge-rules)"
        ));
    }
    notices
}

/// The function's environment at its largest: every name and its longest value.
pub fn environment_bytes(
    idempotent: bool,
    heartbeat: Option<schedule_core::Monitor>,
    defer: bool,
    secrets: &[&str],
) -> usize {
    super::lambda::environment(idempotent, heartbeat, defer, secrets)
        .iter()
        .map(|variable| variable.name.len() + variable.longest)
        .sum()
}

/// The bytes the framework's variables of a group's function can take: the default function's
/// and the group's name.
pub(crate) fn framework_environment(
    idempotent: bool,
    heartbeat: Option<schedule_core::Monitor>,
    defer: bool,
    groups: &[Group<'_>],
) -> usize {
    groups
        .iter()
        .map(|group| {
            environment_bytes(idempotent, heartbeat, defer, &group.secrets)
                + schedule_runtime::environment::FUNCTION_GROUP.len()
                + group.name.len()
        })
        .max()
        .unwrap_or(0)
}

/// Each dashboard page's widgets and metrics for `tasks` tasks, as the module renders them
/// (the scale test compares it with the dashboards applied to moto).
pub fn dashboard_pages(tasks: usize) -> Vec<(usize, usize)> {
    (0..tasks.div_ceil(TASKS_PER_PAGE))
        .map(|page| {
            let rows = (tasks - page * TASKS_PER_PAGE).min(TASKS_PER_PAGE);
            let (widgets, metrics) = if page == 0 {
                (OVERVIEW_WIDGETS, OVERVIEW_METRICS)
            } else {
                (0, 0)
            };
            (widgets + rows, metrics + rows * METRICS_PER_TASK)
        })
        .collect()
}

fn exceeded(document: &str, quota: String) -> RenderError {
    RenderError::Quota {
        document: document.to_owned(),
        quota,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_fits_whatever_is_switched_on() {
        for idempotent in [false, true] {
            for heartbeat in [None, Some(schedule_core::Monitor::UptimeRobot)] {
                for defer in [false, true] {
                    let bytes = environment_bytes(idempotent, heartbeat, defer, &[]);
                    assert!(bytes < ENVIRONMENT_BYTES / 4, "{bytes} bytes");
                }
            }
        }
        // Everything on: eight names and values, the ARNs the longest.
        let monitor = Some(schedule_core::Monitor::Sentry);
        assert!(
            environment_bytes(true, monitor, true, &[])
                > environment_bytes(false, None, false, &[])
        );
    }

    #[test]
    fn dashboard_pages_hold_a_hundred_tasks_each() {
        assert_eq!(dashboard_pages(0), vec![]);
        assert_eq!(dashboard_pages(1), vec![(3, 9)]);
        assert_eq!(dashboard_pages(100), vec![(102, 405)]);
        assert_eq!(
            dashboard_pages(250),
            vec![(102, 405), (100, 400), (50, 200)]
        );
        let thousand = dashboard_pages(1_000);
        assert_eq!(thousand.len(), 10);
        assert!(
            thousand
                .iter()
                .all(|&(w, m)| w <= DASHBOARD_WIDGETS && m <= DASHBOARD_METRICS)
        );
    }

    fn options(trigger: Trigger) -> Options {
        Options {
            app: "shop".to_owned(),
            lambda_zip: String::new(),
            monitors: false,
            default_monitor: schedule_core::Monitor::Healthchecks,
            trigger,
            defer: false,
        }
    }

    fn tasks(specs: &[schedule_core::TaskSpec]) -> Vec<Task<'_>> {
        specs
            .iter()
            .map(|spec| Task::new(spec, Trigger::EventBridgeRules).unwrap())
            .collect()
    }

    #[test]
    fn an_environment_larger_than_the_quota_is_refused_and_one_as_large_is_not() {
        let specs = [schedule_core::TaskSpec::new("report", "rate(1 hour)")];
        let tasks = tasks(&specs);
        let options = options(Trigger::Scheduler);
        let bytes = environment_bytes(false, None, false, &[]);
        let at = Limits {
            environment_bytes: bytes,
            ..Limits::AWS
        };
        assert!(check_against(&at, &tasks, &[], &options, false, None).is_ok());
        let under = Limits {
            environment_bytes: bytes - 1,
            ..Limits::AWS
        };
        let error = check_against(&under, &tasks, &[], &options, false, None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("the dispatch function's environment")
                && error.contains(&format!(
                    "Lambda's {} bytes of variables (up to {bytes} bytes)",
                    bytes - 1
                )),
            "{error}"
        );
    }

    #[test]
    fn a_dashboard_page_past_its_widgets_or_metrics_is_refused_by_number() {
        let names: Vec<&'static str> = (0..150)
            .map(|i| &*Box::leak(format!("task-{i:03}").into_boxed_str()))
            .collect();
        let specs: Vec<schedule_core::TaskSpec> = names
            .iter()
            .map(|name| schedule_core::TaskSpec::new(name, "rate(1 hour)"))
            .collect();
        let tasks = tasks(&specs);
        let options = options(Trigger::Scheduler);
        // Page 1: 2 overview widgets and 100 rows; page 2: 50 rows of 4 metrics each.
        let exact = Limits {
            dashboard_widgets: 102,
            dashboard_metrics: 405,
            ..Limits::AWS
        };
        assert!(check_against(&exact, &tasks, &[], &options, false, None).is_ok());
        for (limits, said) in [
            (
                Limits {
                    dashboard_widgets: 101,
                    ..exact
                },
                "page 1 of the dashboard",
            ),
            (
                Limits {
                    dashboard_metrics: 404,
                    ..exact
                },
                "page 1 of the dashboard",
            ),
        ] {
            let error = check_against(&limits, &tasks, &[], &options, false, None)
                .unwrap_err()
                .to_string();
            assert!(error.contains(said), "{error}");
        }
        // The refusal counts the page as rendered: page 1 is the fuller one.
        let error = check_against(
            &Limits {
                dashboard_metrics: 404,
                ..exact
            },
            &tasks,
            &[],
            &options,
            false,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("(102 widgets, 405 metrics)"), "{error}");
    }

    #[test]
    fn a_rule_input_past_8192_characters_is_refused_only_with_eventbridge_rules() {
        // The event around the input: `{"task":"big","input":...}` and Scheduler's fields.
        let input: &'static str =
            Box::leak(format!("{{\"blob\":\"{}\"}}", "x".repeat(8_192)).into_boxed_str());
        let specs = [schedule_core::TaskSpec {
            input: Some(input),
            ..schedule_core::TaskSpec::new("big", "rate(1 hour)")
        }];
        let big = tasks(&specs);
        let error = check(&big, &[], &options(Trigger::EventBridgeRules), false, None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("the input of task `big`'s rule")
                && error.contains("EventBridge's 8192 characters of an input template"),
            "{error}"
        );
        assert!(check(&big, &[], &options(Trigger::Scheduler), false, None).is_ok());
        // An input that fits is not refused.
        let small = [schedule_core::TaskSpec {
            input: Some(r#"{"blob":"x"}"#),
            ..schedule_core::TaskSpec::new("small", "rate(1 hour)")
        }];
        let small = tasks(&small);
        assert!(
            check(
                &small,
                &[],
                &options(Trigger::EventBridgeRules),
                false,
                None
            )
            .is_ok()
        );
        // At the boundary: a template exactly as long as the limit passes, one longer does not.
        let length = rule_input_template("small", Some(r#"{"blob":"x"}"#))
            .unwrap()
            .chars()
            .count();
        let rules = options(Trigger::EventBridgeRules);
        let at = Limits {
            rule_input_chars: length,
            ..Limits::AWS
        };
        assert!(check_against(&at, &small, &[], &rules, false, None).is_ok());
        let under = Limits {
            rule_input_chars: length - 1,
            ..Limits::AWS
        };
        assert!(check_against(&under, &small, &[], &rules, false, None).is_err());
    }

    #[test]
    fn rules_past_the_default_quota_are_a_notice() {
        let options = Options {
            app: "shop".to_owned(),
            lambda_zip: String::new(),
            monitors: false,
            default_monitor: schedule_core::Monitor::Healthchecks,
            trigger: Trigger::EventBridgeRules,
            defer: false,
        };
        assert!(notices(RULES_PER_BUS, &options).is_empty());
        let said = notices(RULES_PER_BUS + 1, &options);
        assert!(said[0].contains("301 EventBridge rules"), "{said:?}");
        let scheduler = Options {
            trigger: Trigger::Scheduler,
            ..options
        };
        assert!(notices(10_000, &scheduler).is_empty());
    }

    #[test]
    fn each_secret_counts_its_name_and_its_longest_place() {
        let without = environment_bytes(false, None, false, &[]);
        // `SCHEDULE_SECRETS`, `{}`, and `"db-url":"<place>",` with an ARN of up to 256
        // characters (longer than the module's own parameter name for it).
        assert_eq!(
            environment_bytes(false, None, false, &["db-url"]) - without,
            16 + 2 + (6 + 6 + 256)
        );
        assert_eq!(
            environment_bytes(false, None, false, &["db-url", "supplier-api-key"]) - without,
            16 + 2 + (6 + 6 + 256) + (6 + 16 + 256)
        );
    }
}

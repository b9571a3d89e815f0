//! Phase 4: checking. The options as read, judged against AWS's limits and against each other,
//! and normalised into the task's declaration.
//!
//! Limits and defaults come from `schedule_core::limits`, the one place the macro, the runtime
//! and codegen read them from. Each check reports at the token it concerns and carries on; the
//! caller discards the task when anything was reported, so a check here only has to say what is
//! wrong, never to withhold a value.

use schedule_core::jiff::Timestamp;
use schedule_core::limits::{
    FAILURES_IN_A_ROW, IDEMPOTENCY_TTL_SECONDS, NameError, TIMEOUT_SECONDS, check_environment_name,
    check_function_group, check_secret_name, check_task_name, defaults, lambda, scheduler,
};
use schedule_core::{Monitor, Overlap, Schedule, closest, time_zone};

use crate::args::First;
use crate::attr::{Attrs, Given};
use crate::errors::Errors;
use crate::item::{TaskFn, name_span};

/// The checked declaration, values normalised for the registration: canonical expression,
/// UTC instants, defaults filled in.
pub(crate) struct Task {
    pub(crate) name: String,
    /// `None` for a task declared `deferred`.
    pub(crate) expression: Option<String>,
    pub(crate) timezone: String,
    pub(crate) description: String,
    pub(crate) window_minutes: Option<u16>,
    pub(crate) retries: u8,
    pub(crate) max_age_seconds: Option<u32>,
    pub(crate) timeout_seconds: u32,
    pub(crate) idempotency_ttl_seconds: Option<u32>,
    pub(crate) heartbeat: bool,
    /// The vendor named by `heartbeat = "..."`.
    pub(crate) monitor: Option<Monitor>,
    pub(crate) alert_after: Option<u8>,
    pub(crate) pause_after: Option<u8>,
    pub(crate) environments: Vec<String>,
    pub(crate) secrets: Vec<String>,
    /// The function group, `function = "..."`.
    pub(crate) function: Option<String>,
    pub(crate) input: Option<String>,
    pub(crate) start: Option<String>,
    pub(crate) end: Option<String>,
    pub(crate) overlap: Overlap,
}

/// Checks every option, one rule per function, in the order their messages are reported. The
/// result is meaningful only when nothing was reported to `errors`.
pub(crate) fn task(attrs: &Attrs, function: &TaskFn<'_>, errors: &mut Errors) -> Task {
    let expression = match &attrs.schedule {
        First::Expression(expression) => Some(expression),
        First::Deferred => None,
    };
    let schedule = expression.and_then(|expression| schedule(expression, errors));
    let is_at = matches!(schedule, Some(Schedule::At(_)));
    if expression.is_none() {
        deferred_has_no_schedule_options(attrs, errors);
    }
    let timezone = timezone(attrs, errors);
    if let (Some(schedule), Some(expression)) = (&schedule, expression) {
        fires_at_all(schedule, expression, &timezone, errors);
    }
    let name = name(attrs, function, errors);
    let window_minutes = window(attrs, is_at, errors);
    let retries = retries(attrs, errors);
    let max_age_seconds = max_age(attrs, errors);
    let timeout_seconds = timeout(attrs, errors);
    let idempotency_ttl_seconds = idempotency_ttl(attrs, max_age_seconds, errors);
    let environments = environments(attrs, errors);
    let secrets = secrets(attrs, errors);
    let group = function_group(attrs, errors);
    let input = input(attrs, function, errors);
    let (start, end) = start_and_end(attrs, is_at, errors);
    let description = description(attrs, function, schedule.as_ref(), &timezone, errors);
    let overlap = overlap(attrs, errors);
    let monitor = monitor(attrs, errors);
    let alert_after = failures_in_a_row(attrs.alert_after.get(), "alert_after", errors);
    let pause_after = failures_in_a_row(attrs.pause_after.get(), "pause_after", errors);
    Task {
        name,
        expression: match (schedule, expression) {
            (Some(schedule), _) => Some(schedule.to_string()),
            (None, expression) => expression.map(syn::LitStr::value),
        },
        timezone,
        description,
        window_minutes,
        retries,
        max_age_seconds,
        timeout_seconds,
        idempotency_ttl_seconds,
        heartbeat: attrs.heartbeat.get().is_some(),
        monitor,
        alert_after,
        pause_after,
        environments,
        secrets,
        function: group,
        input,
        start: start.map(|t| t.to_string()),
        end: end.map(|t| t.to_string()),
        overlap,
    }
}

/// The expression parses in AWS's dialect.
fn schedule(expression: &syn::LitStr, errors: &mut Errors) -> Option<Schedule> {
    match expression.value().parse::<Schedule>() {
        Ok(schedule) => Some(schedule),
        Err(error) => {
            // The whole literal: `proc_macro`'s `subspan`, which could point inside it, is
            // nightly-only. The message draws a caret under the offending characters instead.
            errors.at(
                expression.span(),
                format!("invalid schedule: {}", error.render(&expression.value())),
            );
            None
        }
    }
}

/// A deferred task has none of the options about a schedule: it runs at the time the code
/// gives.
fn deferred_has_no_schedule_options(attrs: &Attrs, errors: &mut Errors) {
    let refused = [
        (
            attrs.window.written(),
            attrs.window.name(),
            "it runs at the time the code gives",
        ),
        (
            attrs.start.written(),
            attrs.start.name(),
            "it has no recurring schedule",
        ),
        (
            attrs.end.written(),
            attrs.end.name(),
            "it has no recurring schedule",
        ),
        (
            attrs.heartbeat.written(),
            attrs.heartbeat.name(),
            "a monitor expects pings on a schedule, and it has none",
        ),
    ];
    for (written, option, why) in refused {
        if let Some(span) = written {
            errors.at(
                span,
                format!("a `deferred` task cannot have `{option}`: {why}"),
            );
        }
    }
}

/// The zone is an IANA name in the bundled database.
fn timezone(attrs: &Attrs, errors: &mut Errors) -> String {
    match attrs.timezone.get() {
        Some(zone) => {
            if let Err(e) = time_zone(&zone.value) {
                errors.at(zone.span, e);
            }
            zone.value.clone()
        }
        None => defaults::TIMEZONE.to_owned(),
    }
}

/// A schedule that matches no date at all can never run; say so now, not in production.
fn fires_at_all(
    schedule: &Schedule,
    expression: &syn::LitStr,
    timezone: &str,
    errors: &mut Errors,
) {
    if !matches!(schedule, Schedule::At(_))
        && let Ok(tz) = time_zone(timezone)
        && schedule.next_after(Timestamp::UNIX_EPOCH, &tz).is_none()
    {
        errors.at(
            expression.span(),
            format!(
                "the schedule `{}` never fires: no date from 1970 to 2199 matches it",
                expression.value()
            ),
        );
    }
}

/// The task's name, given or derived from the function's, is a valid schedule name.
fn name(attrs: &Attrs, function: &TaskFn<'_>, errors: &mut Errors) -> String {
    match attrs.name.get() {
        Some(name) => {
            check_name(&name.value, name.span, "", errors);
            name.value.clone()
        }
        None => {
            let ident = function.function.sig.ident.to_string();
            let derived = ident.trim_start_matches("r#").replace('_', "-");
            let hint = "; it comes from the function's name, so set `name = \"...\"`";
            check_name(&derived, name_span(function.function), hint, errors);
            derived
        }
    }
}

/// A flexible window is whole minutes within AWS's range, and not for a one-time `at()`.
fn window(attrs: &Attrs, is_at: bool, errors: &mut Errors) -> Option<u16> {
    attrs.window.get().map(|window| {
        if is_at {
            errors.at(
                window.name,
                "a one-time `at()` schedule fires at its exact time; remove `window`",
            );
        }
        let minutes = u16::try_from(window.value / 60).unwrap_or(u16::MAX);
        if window.value % 60 != 0 || !scheduler::WINDOW_MINUTES.contains(&minutes) {
            errors.at(
                window.span,
                format!(
                    "a flexible window is whole minutes from `{}m` to `{}m` (`24h`), AWS's limits",
                    scheduler::WINDOW_MINUTES.start(),
                    scheduler::WINDOW_MINUTES.end()
                ),
            );
        }
        minutes
    })
}

/// At most Lambda's asynchronous retries.
fn retries(attrs: &Attrs, errors: &mut Errors) -> u8 {
    attrs.retries.get().map_or(defaults::RETRIES, |retries| {
        let value = retries.value;
        u8::try_from(value)
            .ok()
            .filter(|r| *r <= lambda::MAX_RETRIES)
            .unwrap_or_else(|| {
                errors.at(
                    retries.span,
                    format!(
                        "`retries = {value}` is more than AWS allows: EventBridge Scheduler invokes Lambda \
                         asynchronously, and Lambda retries an asynchronous invocation at most {} times; \
                         use 0, 1 or 2",
                        lambda::MAX_RETRIES
                    ),
                );
                lambda::MAX_RETRIES
            })
    })
}

/// An event's maximum age within what Lambda accepts.
fn max_age(attrs: &Attrs, errors: &mut Errors) -> Option<u32> {
    attrs.max_age.get().map(|max_age| {
        seconds_within(max_age, &lambda::EVENT_AGE_SECONDS, errors, || {
            "`max_age` is from `1m` to `6h`, the range Lambda accepts for an event's maximum age"
                .to_owned()
        })
    })
}

/// A run's timeout within the Lambda's own limit.
fn timeout(attrs: &Attrs, errors: &mut Errors) -> u32 {
    attrs
        .timeout
        .get()
        .map_or(defaults::TIMEOUT_SECONDS, |timeout| {
            seconds_within(timeout, &TIMEOUT_SECONDS, errors, || {
                "`timeout` is from `1s` to `15m`: a run cannot outlive the Lambda, whose limit is 15 minutes"
                    .to_owned()
            })
        })
}

/// The idempotency ttl within its range, and covering the time a delivery can still arrive.
fn idempotency_ttl(
    attrs: &Attrs,
    max_age_seconds: Option<u32>,
    errors: &mut Errors,
) -> Option<u32> {
    attrs.idempotent.get().map(|idempotent| {
        let Some(ttl) = &idempotent.value.ttl else {
            return defaults::IDEMPOTENCY_TTL_SECONDS;
        };
        let seconds = seconds_within(ttl, &IDEMPOTENCY_TTL_SECONDS, errors, || {
            "the idempotency `ttl` is from `1m` to `365d`".to_owned()
        });
        // Deliveries keep coming until the event's maximum age; forgetting a completion before
        // then would let a late duplicate run the task again.
        let horizon = max_age_seconds.unwrap_or(lambda::MAX_EVENT_AGE_SECONDS);
        if IDEMPOTENCY_TTL_SECONDS.contains(&seconds) && seconds < horizon {
            errors.at(
                ttl.span,
                format!(
                    "the idempotency `ttl` must cover the time in which a delivery can still arrive, {horizon} s \
                     (`max_age`, or Lambda's 6 hours without it); a shorter ttl forgets completions while \
                     duplicates can still run the task again"
                ),
            );
        }
        seconds
    })
}

/// The environments: at least one, each a valid name, none twice.
fn environments(attrs: &Attrs, errors: &mut Errors) -> Vec<String> {
    names(
        attrs.environments.get(),
        "`environments` is empty, so the task would never be enabled; list at least one, or remove the option to enable it everywhere",
        |name| {
            check_environment_name(name)
                .map_err(|rule| format!("`{name}` is not a valid environment name: {rule}"))
        },
        errors,
    )
}

/// The secrets: at least one, each a valid name, none twice.
fn secrets(attrs: &Attrs, errors: &mut Errors) -> Vec<String> {
    names(
        attrs.secrets.get(),
        "`secrets` is empty; list the secrets the task reads, or remove the option",
        |name| {
            check_secret_name(name)
                .map_err(|rule| format!("`{name}` is not a valid secret name: {rule}"))
        },
        errors,
    )
}

/// The function group: a name that can end the group's function's and role's names.
fn function_group(attrs: &Attrs, errors: &mut Errors) -> Option<String> {
    let given = attrs.function.get()?;
    match check_function_group(&given.value) {
        Ok(()) => Some(given.value.clone()),
        Err(rule) => {
            errors.at(
                given.span,
                format!(
                    "`{}` cannot name a function group: it must be {rule}",
                    given.value
                ),
            );
            None
        }
    }
}

/// A list of names: reported when empty, each checked by `check`, none twice.
fn names(
    list: Option<&Given<Vec<Given<String>>>>,
    empty: &str,
    check: impl Fn(&str) -> Result<(), String>,
    errors: &mut Errors,
) -> Vec<String> {
    list.map_or_else(Vec::new, |list| {
        if list.value.is_empty() {
            errors.at(list.span, empty);
        }
        let mut names: Vec<String> = Vec::with_capacity(list.value.len());
        for given in &list.value {
            let name = &given.value;
            if let Err(problem) = check(name) {
                errors.at(given.span, problem);
            } else if names.contains(name) {
                errors.at(given.span, format!("`{name}` is listed twice"));
            }
            names.push(name.clone());
        }
        names
    })
}

/// A declared input is JSON, for a function that takes one.
fn input(attrs: &Attrs, function: &TaskFn<'_>, errors: &mut Errors) -> Option<String> {
    attrs.input.get().map(|input| {
        if function.input().is_none() {
            errors.at(
                input.name,
                "`input` is declared but the function takes no input parameter; \
                 add one (e.g. `input: MyInput`) or remove `input = ...`",
            );
        }
        // Kept as written (key order, spacing): it is the user's text, shown in the manifest.
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&input.value) {
            errors.at(input.span, format!("`input` is not valid JSON: {e}"));
        }
        input.value.clone()
    })
}

/// `start` and `end` only for recurring schedules, `end` after `start`.
fn start_and_end(
    attrs: &Attrs,
    is_at: bool,
    errors: &mut Errors,
) -> (Option<Timestamp>, Option<Timestamp>) {
    let start = attrs
        .start
        .get()
        .map(|start| recurring_only(start, is_at, "start", errors));
    let end = attrs
        .end
        .get()
        .map(|end| recurring_only(end, is_at, "end", errors));
    if let (Some(start), Some(end)) = (start, attrs.end.get())
        && end.value <= start
    {
        errors.at(
            end.span,
            format!("`end` ({}) must be after `start` ({start})", end.value),
        );
    }
    (start, end)
}

/// The description, given (within AWS's length) or from the doc comment or the schedule.
fn description(
    attrs: &Attrs,
    function: &TaskFn<'_>,
    schedule: Option<&Schedule>,
    timezone: &str,
    errors: &mut Errors,
) -> String {
    match attrs.description.get() {
        Some(description) => {
            let text = &description.value;
            if text.trim().is_empty() || text.chars().count() > scheduler::MAX_DESCRIPTION_CHARS {
                errors.at(
                    description.span,
                    format!(
                        "a description is 1 to {} characters, AWS's limit",
                        scheduler::MAX_DESCRIPTION_CHARS
                    ),
                );
            }
            text.clone()
        }
        None => function
            .doc_summary()
            .map(|line| {
                line.chars()
                    .take(scheduler::MAX_DESCRIPTION_CHARS)
                    .collect()
            })
            .or_else(|| Some(schedule?.describe_in(timezone)))
            .unwrap_or_default(),
    }
}

/// `heartbeat = "..."` names a vendor the runtime speaks to.
fn monitor(attrs: &Attrs, errors: &mut Errors) -> Option<Monitor> {
    let given = attrs.heartbeat.get()?;
    let word = given.value.as_deref()?;
    Monitor::parse(word).or_else(|| {
        let words: Vec<&str> = Monitor::ALL.iter().map(|m| m.as_str()).collect();
        let hint = closest(word, &words)
            .map(|w| format!("did you mean \"{w}\"? "))
            .unwrap_or_default();
        errors.at(
            given.span,
            format!(
                "`heartbeat` names the monitor's vendor: one of \"{}\" (or write `heartbeat` alone for the application's default); {hint}found \"{word}\"",
                words.join("\", \"")
            ),
        );
        None
    })
}

/// `alert_after` and `pause_after` count failed occurrences in a row, within
/// [`FAILURES_IN_A_ROW`].
fn failures_in_a_row(given: Option<&Given<u64>>, option: &str, errors: &mut Errors) -> Option<u8> {
    let given = given?;
    let count = u8::try_from(given.value)
        .ok()
        .filter(|n| FAILURES_IN_A_ROW.contains(n));
    if count.is_none() {
        errors.at(
            given.span,
            format!(
                "`{option}` counts failed occurrences in a row, from {} to {}",
                FAILURES_IN_A_ROW.start(),
                FAILURES_IN_A_ROW.end()
            ),
        );
    }
    count
}

/// `overlap` is one of its words.
fn overlap(attrs: &Attrs, errors: &mut Errors) -> Overlap {
    match attrs.overlap.get() {
        None => Overlap::Allow,
        Some(given) => Overlap::parse(&given.value).unwrap_or_else(|| {
            let words: Vec<&str> = Overlap::ALL.iter().map(|o| o.as_str()).collect();
            let hint = closest(&given.value, &words)
                .map(|word| format!("did you mean \"{word}\"? "))
                .unwrap_or_default();
            errors.at(
                given.span,
                format!(
                    "`overlap` is \"allow\" (run every occurrence, the default) or \"skip\" (skip an occurrence while an earlier one runs); {hint}found \"{}\"",
                    given.value
                ),
            );
            Overlap::Allow
        }),
    }
}

fn check_name(name: &str, span: proc_macro2::Span, hint: &str, errors: &mut Errors) {
    match check_task_name(name) {
        Ok(()) => {}
        Err(NameError::Charset) => errors.at(
            span,
            format!(
                "`{name}` is not a valid task name: AWS schedule names are {}{hint}",
                NameError::Charset
            ),
        ),
        Err(NameError::DigitsOnly) => errors.at(
            span,
            format!(
                "`{name}` is not a valid task name: it is all digits, and the task's Lambda alias is named \
                 after it, which Lambda would read as a version; add a letter{hint}"
            ),
        ),
    }
}

/// A duration's seconds, reported at its value when outside `range`.
fn seconds_within(
    given: &Given<u64>,
    range: &std::ops::RangeInclusive<u32>,
    errors: &mut Errors,
    message: impl FnOnce() -> String,
) -> u32 {
    let seconds = u32::try_from(given.value).unwrap_or(u32::MAX);
    if !range.contains(&seconds) {
        errors.at(given.span, message());
    }
    seconds
}

/// `start` or `end`: refused for a one-time `at()`, which AWS fires once at its own time.
fn recurring_only(
    instant: &Given<Timestamp>,
    is_at: bool,
    option: &str,
    errors: &mut Errors,
) -> Timestamp {
    if is_at {
        errors.at(
            instant.name,
            format!(
                "`{option}` applies only to recurring schedules; AWS ignores it for a one-time `at()`"
            ),
        );
    }
    instant.value
}

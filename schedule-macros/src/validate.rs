//! Phase 3: every option checked against AWS's rules, producing the task's declaration.
//!
//! Each check reports at the token it concerns and carries on, so one compile shows every
//! problem. Values are normalised here (canonical expression, compact JSON, UTC instants), so
//! the expansion only copies them.

use proc_macro2::Span;
use schedule_core::jiff::Timestamp;
use schedule_core::{Schedule, closest, time_zone};
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, Lit, LitInt, LitStr};

use crate::args::{Args, Opt, OptValue};
use crate::errors::Errors;
use crate::item::{TaskFn, name_span};

/// Every option's name, for "did you mean".
const OPTIONS: [&str; 13] = [
    "name",
    "description",
    "timezone",
    "window",
    "retries",
    "max_age",
    "timeout",
    "idempotent",
    "heartbeat",
    "environments",
    "input",
    "start",
    "end",
];

const DEFAULT_RETRIES: u8 = 2;
const DEFAULT_TIMEOUT_SECONDS: u64 = 60;
const DEFAULT_TTL_SECONDS: u64 = 7 * 86_400;
/// Lambda keeps retrying an asynchronous event for up to six hours unless told otherwise.
const LAMBDA_DEFAULT_MAX_AGE_SECONDS: u64 = 6 * 3_600;

/// The validated declaration, values normalised for the registration.
pub(crate) struct Task {
    pub(crate) name: String,
    pub(crate) expression: String,
    pub(crate) timezone: String,
    pub(crate) description: String,
    pub(crate) window_minutes: Option<u16>,
    pub(crate) retries: u8,
    pub(crate) max_age_seconds: Option<u32>,
    pub(crate) timeout_seconds: u32,
    pub(crate) idempotency_ttl_seconds: Option<u32>,
    pub(crate) heartbeat: bool,
    pub(crate) environments: Vec<String>,
    pub(crate) input: Option<String>,
    pub(crate) start: Option<String>,
    pub(crate) end: Option<String>,
}

/// Checks the arguments against the function; `None` when anything is wrong (the errors are in
/// `errors`).
pub(crate) fn task(args: &Args, function: &TaskFn<'_>, errors: &mut Errors) -> Option<Task> {
    let mut ok = true;
    let mut fail = |errors: &mut Errors, span: Span, message: String| {
        errors.at(span, message);
        ok = false;
    };

    // Each option at most once; unknown names get a suggestion.
    let mut seen: Vec<&Opt> = Vec::new();
    for opt in &args.options {
        let name = opt.name.to_string();
        if !OPTIONS.contains(&name.as_str()) {
            let hint = closest(&name, OPTIONS)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            fail(
                errors,
                opt.name.span(),
                format!(
                    "unknown option `{name}`; {hint}options are {}",
                    OPTIONS.join(", ")
                ),
            );
        } else if seen.iter().any(|o| o.name == opt.name) {
            fail(errors, opt.name.span(), format!("`{name}` is given twice"));
        } else {
            seen.push(opt);
        }
    }
    let find = |name: &str| seen.iter().copied().find(|o| o.name == name);

    let expression = &args.expression;
    let schedule = match expression.value().parse::<Schedule>() {
        Ok(schedule) => Some(schedule),
        Err(error) => {
            let text = expression.value();
            fail(
                errors,
                expression_span(expression, error.span()),
                format!("invalid schedule: {}", error.render(&text)),
            );
            None
        }
    };

    let timezone = match find("timezone").and_then(|o| string(o, errors)) {
        Some(lit) => match time_zone(&lit.value()) {
            Ok(_) => Some(lit.value()),
            Err(e) => {
                fail(errors, lit.span(), e.to_string());
                None
            }
        },
        None => Some("UTC".to_owned()),
    };

    // A schedule that matches no date at all can never run; say so now, not in production.
    if let (Some(schedule), Some(zone)) = (&schedule, &timezone)
        && !matches!(schedule, Schedule::At(_))
        && let Ok(tz) = time_zone(zone)
        && schedule.next_after(Timestamp::UNIX_EPOCH, &tz).is_none()
    {
        fail(
            errors,
            expression.span(),
            format!(
                "the schedule `{}` never fires: no date from 1970 to 2199 matches it",
                expression.value()
            ),
        );
    }

    let name = match find("name").and_then(|o| string(o, errors)) {
        Some(lit) => check_name(&lit.value(), lit.span(), "", errors),
        None => {
            let ident = function.function.sig.ident.to_string();
            let derived = ident.trim_start_matches("r#").replace('_', "-");
            check_name(
                &derived,
                name_span(function.function),
                "; it comes from the function's name, so set `name = \"...\"`",
                errors,
            )
        }
    };

    let is_at = matches!(schedule, Some(Schedule::At(_)));

    let window_minutes = find("window").and_then(|o| {
        let (seconds, span) = duration(o, errors)?;
        if is_at {
            errors.at(
                o.name.span(),
                "a one-time `at()` schedule fires at its exact time; remove `window`",
            );
            return None;
        }
        if seconds % 60 != 0 || !(60..=1_440 * 60).contains(&seconds) {
            errors.at(
                span,
                "a flexible window is whole minutes from `1m` to `1440m` (`24h`), AWS's limits",
            );
            return None;
        }
        Some((seconds / 60) as u16)
    });

    let retries = match find("retries") {
        Some(o) => integer(o, errors).and_then(|(value, span)| {
            if value <= 2 {
                Some(value as u8)
            } else {
                errors.at(
                    span,
                    format!(
                        "`retries = {value}` is more than AWS allows: EventBridge Scheduler invokes Lambda \
                         asynchronously, and Lambda retries an asynchronous invocation at most 2 times; \
                         use 0, 1 or 2"
                    ),
                );
                None
            }
        }),
        None => Some(DEFAULT_RETRIES),
    };

    let max_age_seconds = find("max_age").and_then(|o| {
        let (seconds, span) = duration(o, errors)?;
        if (60..=21_600).contains(&seconds) {
            Some(seconds as u32)
        } else {
            errors.at(
                span,
                "`max_age` is from `1m` to `6h`, the range Lambda accepts for an event's maximum age",
            );
            None
        }
    });

    let timeout_seconds = match find("timeout") {
        Some(o) => duration(o, errors).and_then(|(seconds, span)| {
            if (1..=900).contains(&seconds) {
                Some(seconds as u32)
            } else {
                errors.at(
                    span,
                    "`timeout` is from `1s` to `15m`: a run cannot outlive the Lambda, whose limit is 15 minutes",
                );
                None
            }
        }),
        None => Some(DEFAULT_TIMEOUT_SECONDS as u32),
    };

    let idempotency_ttl_seconds = find("idempotent").and_then(|o| {
        let ttl = match &o.value {
            OptValue::Flag => (DEFAULT_TTL_SECONDS, o.name.span()),
            OptValue::Call(inner, _) => {
                let mut ttl = None;
                for opt in inner {
                    if opt.name == "ttl" && ttl.is_none() {
                        ttl = Some(duration(opt, errors)?);
                    } else if opt.name == "ttl" {
                        errors.at(opt.name.span(), "`ttl` is given twice");
                        return None;
                    } else {
                        errors.at(
                            opt.name.span(),
                            format!("unknown `idempotent` option `{}`; the only one is `ttl`, e.g. `idempotent(ttl = \"7d\")`", opt.name),
                        );
                        return None;
                    }
                }
                ttl.unwrap_or((DEFAULT_TTL_SECONDS, o.name.span()))
            }
            OptValue::Assign(value) => {
                errors.at(
                    value.span(),
                    "write `idempotent` alone, or `idempotent(ttl = \"7d\")` to choose how long completions are remembered",
                );
                return None;
            }
        };
        let (seconds, span) = ttl;
        if !(60..=365 * 86_400).contains(&seconds) {
            errors.at(span, "the idempotency `ttl` is from `1m` to `365d`");
            return None;
        }
        let horizon = max_age_seconds.map_or(LAMBDA_DEFAULT_MAX_AGE_SECONDS, u64::from);
        if seconds < horizon {
            errors.at(
                span,
                format!(
                    "the idempotency `ttl` must cover the time in which a delivery can still arrive, {horizon} s \
                     (`max_age`, or Lambda's 6 hours without it); a shorter ttl forgets completions while \
                     duplicates can still run the task again"
                ),
            );
            return None;
        }
        Some(seconds as u32)
    });

    let heartbeat = match find("heartbeat") {
        Some(Opt {
            value: OptValue::Flag,
            ..
        }) => true,
        Some(o) => {
            fail(
                errors,
                o.name.span(),
                "write `heartbeat` alone, without a value".to_owned(),
            );
            false
        }
        None => false,
    };

    let environments = find("environments").map_or(Some(Vec::new()), |o| environments(o, errors));

    let input = find("input").and_then(|o| {
        let lit = string(o, errors)?;
        if function.input().is_none() {
            errors.at(
                o.name.span(),
                "`input` is declared but the function takes no input parameter; \
                 add one (e.g. `input: MyInput`) or remove `input = ...`",
            );
            return None;
        }
        // Kept as written (key order, spacing): it is the user's text, shown in the manifest.
        match serde_json::from_str::<serde_json::Value>(&lit.value()) {
            Ok(_) => Some(lit.value()),
            Err(e) => {
                errors.at(lit.span(), format!("`input` is not valid JSON: {e}"));
                None
            }
        }
    });

    let start = find("start").and_then(|o| instant(o, is_at, errors));
    let end = find("end").and_then(|o| instant(o, is_at, errors));
    if let (Some((start, _)), Some((end, end_span))) = (&start, &end)
        && end <= start
    {
        fail(
            errors,
            *end_span,
            format!("`end` ({end}) must be after `start` ({start})"),
        );
    }

    let description = match find("description").and_then(|o| string(o, errors)) {
        Some(lit) => {
            let text = lit.value();
            if text.trim().is_empty() || text.chars().count() > 512 {
                fail(
                    errors,
                    lit.span(),
                    "a description is 1 to 512 characters, AWS's limit".to_owned(),
                );
            }
            Some(text)
        }
        None => function
            .doc_summary()
            .map(|line| truncate(&line, 512))
            .or_else(|| Some(schedule.as_ref()?.describe_in(timezone.as_deref()?))),
    };

    // Any option that failed left its value `None`; every problem is already in `errors`.
    let task = Task {
        name: name?,
        expression: schedule?.to_string(),
        timezone: timezone?,
        description: description?,
        window_minutes: if find("window").is_some() {
            Some(window_minutes?)
        } else {
            None
        },
        retries: retries?,
        max_age_seconds: if find("max_age").is_some() {
            Some(max_age_seconds?)
        } else {
            None
        },
        timeout_seconds: timeout_seconds?,
        idempotency_ttl_seconds: if find("idempotent").is_some() {
            Some(idempotency_ttl_seconds?)
        } else {
            None
        },
        heartbeat,
        environments: environments?,
        input: if find("input").is_some() {
            Some(input?)
        } else {
            None
        },
        start: if find("start").is_some() {
            Some(start?.0.to_string())
        } else {
            None
        },
        end: if find("end").is_some() {
            Some(end?.0.to_string())
        } else {
            None
        },
    };
    ok.then_some(task)
}

/// The span of the expression's error: the offending characters where the compiler can point
/// inside a literal, else the whole literal.
fn expression_span(lit: &LitStr, range: std::ops::Range<usize>) -> Span {
    let token = lit.token();
    let text = token.to_string();
    // Only a plain literal maps byte for byte; escapes and raw-string hashes shift offsets.
    if text.starts_with('"') && !text.contains('\\') {
        token
            .subspan(range.start + 1..range.end + 1)
            .unwrap_or(lit.span())
    } else {
        lit.span()
    }
}

fn check_name(name: &str, span: Span, hint: &str, errors: &mut Errors) -> Option<String> {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if name.is_empty() || name.len() > 64 || !valid_chars {
        errors.at(
            span,
            format!(
                "`{name}` is not a valid task name: AWS schedule names are 1 to 64 of `0-9 A-Z a-z - _ .`{hint}"
            ),
        );
        return None;
    }
    Some(name.to_owned())
}

/// The option's value as a string literal.
fn string(opt: &Opt, errors: &mut Errors) -> Option<LitStr> {
    match &opt.value {
        OptValue::Assign(Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        })) => Some(lit.clone()),
        _ => {
            wrong_form(opt, "a string literal", errors);
            None
        }
    }
}

/// Reports an option whose value is missing or of the wrong form; `form` says what it takes.
fn wrong_form(opt: &Opt, form: &str, errors: &mut Errors) {
    match &opt.value {
        OptValue::Assign(value) => errors.at(
            value.span(),
            format!("`{}` takes {form}, e.g. {}", opt.name, example(opt)),
        ),
        _ => errors.at(
            opt.name.span(),
            format!("`{}` needs a value, e.g. {}", opt.name, example(opt)),
        ),
    }
}

fn example(opt: &Opt) -> &'static str {
    match opt.name.to_string().as_str() {
        "name" => "`name = \"daily-sales-report\"`",
        "description" => "`description = \"Daily sales report\"`",
        "timezone" => "`timezone = \"Europe/Berlin\"`",
        "window" => "`window = \"15m\"`",
        "max_age" => "`max_age = \"1h\"`",
        "timeout" => "`timeout = \"5m\"`",
        "ttl" => "`ttl = \"7d\"`",
        "input" => "`input = r#\"{\"format\": \"pdf\"}\"#`",
        "start" => "`start = \"2026-01-01T00:00:00Z\"`",
        "end" => "`end = \"2026-12-31T00:00:00Z\"`",
        "retries" => "`retries = 2`",
        "environments" => "`environments = [\"production\"]`",
        _ => "`option = \"value\"`",
    }
}

/// A duration literal such as `"90s"`, in seconds, with the literal's span.
fn duration(opt: &Opt, errors: &mut Errors) -> Option<(u64, Span)> {
    let lit = string(opt, errors)?;
    let text = lit.value();
    let digits = text.trim_end_matches(['s', 'm', 'h', 'd']);
    let unit = &text[digits.len()..];
    let multiplier = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => 0,
    };
    let value = digits
        .parse::<u64>()
        .ok()
        .filter(|_| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    match value
        .and_then(|v| v.checked_mul(multiplier))
        .filter(|_| multiplier > 0)
    {
        Some(seconds) => Some((seconds, lit.span())),
        None => {
            errors.at(
                lit.span(),
                format!(
                    "`{text}` is not a duration; write a whole number and a unit: `90s`, `15m`, `1h` or `7d`"
                ),
            );
            None
        }
    }
}

/// An integer literal's value, with its span.
fn integer(opt: &Opt, errors: &mut Errors) -> Option<(u64, Span)> {
    match &opt.value {
        OptValue::Assign(Expr::Lit(ExprLit {
            lit: Lit::Int(lit), ..
        })) => parse_int(lit, errors),
        _ => {
            wrong_form(opt, "a whole number", errors);
            None
        }
    }
}

fn parse_int(lit: &LitInt, errors: &mut Errors) -> Option<(u64, Span)> {
    match lit.base10_parse::<u64>() {
        Ok(value) if lit.suffix().is_empty() => Some((value, lit.span())),
        _ => {
            errors.at(lit.span(), "expected a plain whole number such as `2`");
            None
        }
    }
}

fn environments(opt: &Opt, errors: &mut Errors) -> Option<Vec<String>> {
    let OptValue::Assign(Expr::Array(ExprArray { elems, .. })) = &opt.value else {
        let span = match &opt.value {
            OptValue::Assign(value) => value.span(),
            _ => opt.name.span(),
        };
        errors.at(
            span,
            "`environments` takes a list of names, e.g. `environments = [\"production\"]`",
        );
        return None;
    };
    if elems.is_empty() {
        errors.at(
            opt.value_span(),
            "`environments` is empty, so the task would never be enabled; list at least one, or remove the option to enable it everywhere",
        );
        return None;
    }
    let mut names: Vec<String> = Vec::new();
    let mut ok = true;
    for elem in elems {
        match elem {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => {
                let name = lit.value();
                let valid = !name.is_empty()
                    && name.len() <= 64
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
                if !valid {
                    errors.at(
                        lit.span(),
                        format!("`{name}` is not a valid environment name: 1 to 64 of `0-9 A-Z a-z - _ .`"),
                    );
                    ok = false;
                } else if names.contains(&name) {
                    errors.at(lit.span(), format!("`{name}` is listed twice"));
                    ok = false;
                } else {
                    names.push(name);
                }
            }
            other => {
                errors.at(
                    other.span(),
                    "an environment is a string literal, e.g. `\"production\"`",
                );
                ok = false;
            }
        }
    }
    ok.then_some(names)
}

impl Opt {
    fn value_span(&self) -> Span {
        match &self.value {
            OptValue::Assign(value) => value.span(),
            OptValue::Call(_, span) => *span,
            OptValue::Flag => self.name.span(),
        }
    }
}

/// `start` or `end`: an RFC 3339 instant, for recurring schedules only.
fn instant(opt: &Opt, is_at: bool, errors: &mut Errors) -> Option<(Timestamp, Span)> {
    let lit = string(opt, errors)?;
    if is_at {
        errors.at(
            opt.name.span(),
            format!(
                "`{}` applies only to recurring schedules; AWS ignores it for a one-time `at()`",
                opt.name
            ),
        );
        return None;
    }
    match lit.value().parse::<Timestamp>() {
        Ok(instant) => Some((instant, lit.span())),
        Err(e) => {
            errors.at(
                lit.span(),
                format!(
                    "`{}` must be an RFC 3339 instant with an offset, e.g. `2026-01-01T00:00:00Z`: {e}",
                    lit.value()
                ),
            );
            None
        }
    }
}

/// At most `max` characters, cut on a character boundary.
fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

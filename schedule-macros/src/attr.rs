//! Phase 3: reading. Each option's value is read into a typed slot that takes one value.
//!
//! Reading checks only the *form* of a value (a string literal, a duration, a whole number, an
//! RFC 3339 instant) and that an option is known and given once. Whether the value is allowed
//! (AWS's limits, the rules between options) is `valid.rs`'s business, so that every option
//! is read before anything is judged and every problem is reported at once. As serde_derive's
//! `Attr<T>` does, a slot refuses a second value where it is set.

use proc_macro2::Span;
use schedule_core::closest;
use schedule_core::jiff::Timestamp;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, ExprLit, Lit, LitStr};

use crate::args::{Args, First, Opt, OptValue};
use crate::errors::Errors;

/// A value as written: what it is, and where, for messages about it.
pub(crate) struct Given<T> {
    pub(crate) value: T,
    /// The option's name (`window` in `window = "15m"`).
    pub(crate) name: Span,
    /// The value (`"15m"`), or the name for a bare flag.
    pub(crate) span: Span,
}

/// One option's value: empty until the option is read, then set once.
pub(crate) struct Slot<T> {
    name: &'static str,
    /// Where the option's name was written, once it was, even with a value that could not be
    /// read: messages about the option point there without looking it up by name.
    written: Option<Span>,
    value: Option<Given<T>>,
}

impl<T> Slot<T> {
    fn new(name: &'static str) -> Slot<T> {
        Slot {
            name,
            written: None,
            value: None,
        }
    }

    /// Reads `opt` into the slot with `read`, or refuses it when the option was given before.
    fn set(&mut self, opt: &Opt, read: Reader<T>, errors: &mut Errors) {
        if self.written.is_some() {
            errors.at(opt.name.span(), format!("`{}` is given twice", self.name));
            return;
        }
        self.written = Some(opt.name.span());
        self.value = read(opt, errors);
    }

    /// The option's name, as the docs and messages spell it.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Where the option's name was written, if it was.
    pub(crate) fn written(&self) -> Option<Span> {
        self.written
    }

    /// The value, when the option was given and its value could be read.
    pub(crate) fn get(&self) -> Option<&Given<T>> {
        self.value.as_ref()
    }

    /// Whether the option was written, whatever became of its value.
    pub(crate) fn is_given(&self) -> bool {
        self.written.is_some()
    }
}

/// Reads one option's value; `None` after reporting why it could not.
type Reader<T> = fn(&Opt, &mut Errors) -> Option<Given<T>>;

/// Declares the options once: the slots of [`Attrs`], the list for "did you mean", the reader
/// of each, and the example shown when a value has the wrong form.
macro_rules! options {
    ($($option:ident: $ty:ty = $read:ident, $example:literal;)*) => {
        /// Every option of one `#[scheduled]`, as read.
        pub(crate) struct Attrs {
            /// The schedule expression or `deferred`, the first argument.
            pub(crate) schedule: First,
            $(pub(crate) $option: Slot<$ty>,)*
        }

        /// Every option's name, in the order the docs list them.
        pub(crate) const OPTIONS: &[&str] = &[$(stringify!($option)),*];

        impl Attrs {
            fn empty(schedule: First) -> Attrs {
                Attrs { schedule, $($option: Slot::new(stringify!($option)),)* }
            }

            /// Reads `opt` into its slot; `false` when no option has its name.
            fn read(&mut self, opt: &Opt, errors: &mut Errors) -> bool {
                $(if opt.name == stringify!($option) {
                    self.$option.set(opt, $read, errors);
                    return true;
                })*
                false
            }
        }

        /// How to write an option, for messages about a value of the wrong form.
        fn example(option: &str) -> &'static str {
            match option {
                $(stringify!($option) => $example,)*
                "ttl" => "`ttl = \"7d\"`",
                _ => "`option = \"value\"`",
            }
        }
    };
}

// Adding an option: one line here, its check in `valid.rs`, its field in `TaskSpec` (and the
// expansion that fills it), and its row in the docs table of `schedule_runtime::scheduled`.
options! {
    name: String = string, "`name = \"daily-sales-report\"`";
    description: String = string, "`description = \"Daily sales report\"`";
    timezone: String = string, "`timezone = \"Europe/Berlin\"`";
    window: u64 = duration, "`window = \"15m\"`";
    retries: u64 = integer, "`retries = 2`";
    max_age: u64 = duration, "`max_age = \"1h\"`";
    timeout: u64 = duration, "`timeout = \"5m\"`";
    idempotent: Idempotent = idempotent, "`idempotent(ttl = \"7d\")`";
    heartbeat: Option<String> = flag_or_string, "`heartbeat` or `heartbeat = \"sentry\"`";
    environments: Vec<Given<String>> = environments, "`environments = [\"production\"]`";
    secrets: Vec<Given<String>> = secrets, "`secrets = [\"supplier-api-key\"]`";
    function: String = string, "`function = \"backup\"`";
    input: String = string, "`input = r#\"{\"format\": \"pdf\"}\"#`";
    start: Timestamp = instant, "`start = \"2026-01-01T00:00:00Z\"`";
    end: Timestamp = instant, "`end = \"2026-12-31T00:00:00Z\"`";
    overlap: String = string, "`overlap = \"skip\"`";
    alert_after: u64 = integer, "`alert_after = 3`";
    pause_after: u64 = integer, "`pause_after = 5`";
}

/// `idempotent` or `idempotent(ttl = "7d")`.
pub(crate) struct Idempotent {
    /// The ttl in seconds, when written.
    pub(crate) ttl: Option<Given<u64>>,
}

/// Reads every option of the attribute. Unknown options are reported with a suggestion.
pub(crate) fn read(args: &Args, errors: &mut Errors) -> Attrs {
    let mut attrs = Attrs::empty(args.schedule.clone());
    for opt in &args.options {
        if !attrs.read(opt, errors) {
            let name = opt.name.to_string();
            let hint = closest(&name, OPTIONS)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            errors.at(
                opt.name.span(),
                format!(
                    "unknown option `{name}`; {hint}options are {}",
                    OPTIONS.join(", ")
                ),
            );
        }
    }
    attrs
}

fn given<T>(opt: &Opt, value: T, span: Span) -> Option<Given<T>> {
    Some(Given {
        value,
        name: opt.name.span(),
        span,
    })
}

/// A string literal.
fn string(opt: &Opt, errors: &mut Errors) -> Option<Given<String>> {
    let lit = string_literal(opt, errors)?;
    given(opt, lit.value(), lit.span())
}

fn string_literal(opt: &Opt, errors: &mut Errors) -> Option<LitStr> {
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
    let name = opt.name.to_string();
    match &opt.value {
        OptValue::Assign(value) => errors.at(
            value.span(),
            format!("`{name}` takes {form}, e.g. {}", example(&name)),
        ),
        _ => errors.at(
            opt.name.span(),
            format!("`{name}` needs a value, e.g. {}", example(&name)),
        ),
    }
}

/// A bare flag, or the flag with a string: `heartbeat` or `heartbeat = "sentry"`.
fn flag_or_string(opt: &Opt, errors: &mut Errors) -> Option<Given<Option<String>>> {
    match &opt.value {
        OptValue::Assign(Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        })) => given(opt, Some(lit.value()), lit.span()),
        OptValue::Assign(value) => {
            errors.at(
                value.span(),
                format!(
                    "write `{}` alone, or with its monitor's vendor as a string, e.g. `heartbeat = \"sentry\"`",
                    opt.name
                ),
            );
            None
        }
        OptValue::Flag => given(opt, None, opt.name.span()),
        _ => {
            wrong_form(opt, "a vendor's name as a string", errors);
            None
        }
    }
}

/// A duration literal such as `"90s"`, in seconds.
fn duration(opt: &Opt, errors: &mut Errors) -> Option<Given<u64>> {
    let lit = string_literal(opt, errors)?;
    let text = lit.value();
    let digits = text.trim_end_matches(['s', 'm', 'h', 'd']);
    let multiplier = match &text[digits.len()..] {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => 0,
    };
    let seconds = digits
        .parse::<u64>()
        .ok()
        .filter(|_| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|v| v.checked_mul(multiplier))
        .filter(|_| multiplier > 0);
    match seconds {
        Some(seconds) => given(opt, seconds, lit.span()),
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

/// A plain whole number such as `2`.
fn integer(opt: &Opt, errors: &mut Errors) -> Option<Given<u64>> {
    let OptValue::Assign(Expr::Lit(ExprLit {
        lit: Lit::Int(lit), ..
    })) = &opt.value
    else {
        wrong_form(opt, "a whole number", errors);
        return None;
    };
    match lit.base10_parse::<u64>() {
        Ok(value) if lit.suffix().is_empty() => given(opt, value, lit.span()),
        _ => {
            errors.at(lit.span(), "expected a plain whole number such as `2`");
            None
        }
    }
}

/// `idempotent` alone, or with its one option, `ttl`.
fn idempotent(opt: &Opt, errors: &mut Errors) -> Option<Given<Idempotent>> {
    let mut ttl = Slot::new("ttl");
    match &opt.value {
        OptValue::Flag => {}
        OptValue::Call(inner) => {
            for inner in inner {
                if inner.name == "ttl" {
                    ttl.set(inner, duration, errors);
                } else {
                    errors.at(
                        inner.name.span(),
                        format!(
                            "unknown `idempotent` option `{}`; the only one is `ttl`, e.g. `idempotent(ttl = \"7d\")`",
                            inner.name
                        ),
                    );
                    return None;
                }
            }
            if ttl.is_given() && ttl.get().is_none() {
                return None;
            }
        }
        OptValue::Assign(value) => {
            errors.at(
                value.span(),
                "write `idempotent` alone, or `idempotent(ttl = \"7d\")` to choose how long completions are remembered",
            );
            return None;
        }
    }
    given(opt, Idempotent { ttl: ttl.value }, opt.name.span())
}

/// `environments = ["production", ...]`.
fn environments(opt: &Opt, errors: &mut Errors) -> Option<Given<Vec<Given<String>>>> {
    names(
        opt,
        errors,
        "`environments` takes a list of names, e.g. `environments = [\"production\"]`",
        "an environment is a string literal, e.g. `\"production\"`",
    )
}

/// `secrets = ["supplier-api-key", ...]`.
fn secrets(opt: &Opt, errors: &mut Errors) -> Option<Given<Vec<Given<String>>>> {
    names(
        opt,
        errors,
        "`secrets` takes a list of names, e.g. `secrets = [\"supplier-api-key\"]`",
        "a secret is named by a string literal, e.g. `\"supplier-api-key\"`",
    )
}

/// A list of string literals; `not_a_list` and `not_a_string` say what was expected.
fn names(
    opt: &Opt,
    errors: &mut Errors,
    not_a_list: &str,
    not_a_string: &str,
) -> Option<Given<Vec<Given<String>>>> {
    let OptValue::Assign(list @ Expr::Array(ExprArray { elems, .. })) = &opt.value else {
        let span = match &opt.value {
            OptValue::Assign(value) => value.span(),
            _ => opt.name.span(),
        };
        errors.at(span, not_a_list);
        return None;
    };
    let mut names = Vec::with_capacity(elems.len());
    for elem in elems {
        match elem {
            Expr::Lit(ExprLit {
                lit: Lit::Str(lit), ..
            }) => names.extend(given(opt, lit.value(), lit.span())),
            other => errors.at(other.span(), not_a_string),
        }
    }
    (names.len() == elems.len()).then_some(())?;
    given(opt, names, list.span())
}

/// An RFC 3339 instant with an offset.
fn instant(opt: &Opt, errors: &mut Errors) -> Option<Given<Timestamp>> {
    let lit = string_literal(opt, errors)?;
    match lit.value().parse::<Timestamp>() {
        Ok(instant) => given(opt, instant, lit.span()),
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

//! Phase 1: the attribute's tokens, read into a light syntax tree.
//!
//! Only the shape is checked here (a string or `deferred` first, then `name`, `name = value` or
//! `name(...)` separated by commas). What each option means, and whether its value is right, is
//! `attr.rs` and `valid.rs`'s business, so that every bad option is reported, not just the first.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Token, parenthesized};

/// `#[scheduled("<expression>", option, option = value, option(args), ...)]`, or
/// `#[scheduled(deferred, ...)]` for a task without a schedule.
pub(crate) struct Args {
    pub(crate) schedule: First,
    pub(crate) options: Vec<Opt>,
}

/// The first argument: what starts the task's runs.
#[derive(Clone)]
pub(crate) enum First {
    /// A schedule expression.
    Expression(LitStr),
    /// `deferred`: no schedule; the task runs when code defers it.
    Deferred,
}

/// The word that declares a task without a schedule.
pub(crate) const DEFERRED: &str = "deferred";

/// One option as written.
pub(crate) struct Opt {
    pub(crate) name: Ident,
    pub(crate) value: OptValue,
}

pub(crate) enum OptValue {
    /// `heartbeat`
    Flag,
    /// `retries = 2`
    Assign(Expr),
    /// `idempotent(ttl = "7d")`
    Call(Punctuated<Opt, Token![,]>),
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(input.error(
                "expected a schedule expression: `#[scheduled(\"rate(1 hour)\")]` or `#[scheduled(\"cron(0 8 * * ? *)\")]`",
            ));
        }
        let schedule = if input.peek(Ident)
            && !input.peek2(Token![=])
            && !input.peek2(syn::token::Paren)
        {
            let word: Ident = input.parse()?;
            if word != DEFERRED {
                let hint = schedule_core::closest(&word.to_string(), &[DEFERRED])
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                return Err(syn::Error::new(
                    word.span(),
                    format!(
                        "{hint}the first argument must be the schedule expression as a string, e.g. `\"cron(0 8 * * ? *)\"`, or `deferred` for a task that runs only when code defers it"
                    ),
                ));
            }
            First::Deferred
        } else {
            First::Expression(input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    "the first argument must be the schedule expression as a string, e.g. `\"cron(0 8 * * ? *)\"`, or `deferred` for a task that runs only when code defers it",
                )
            })?)
        };
        let mut options = Vec::new();
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            options.push(input.parse()?);
        }
        Ok(Args { schedule, options })
    }
}

impl Parse for Opt {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let lookahead = input.lookahead1();
        if !lookahead.peek(Ident) {
            let span = lookahead.error().span();
            let message = if input.peek(LitStr) {
                "expected an option name; only the first argument is a bare string"
            } else {
                "expected an option name, e.g. `heartbeat` or `timezone = \"Europe/Berlin\"`"
            };
            return Err(syn::Error::new(span, message));
        }
        let name = input.call(syn::ext::IdentExt::parse_any)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            OptValue::Assign(input.parse()?)
        } else if input.peek(syn::token::Paren) {
            let content;
            parenthesized!(content in input);
            OptValue::Call(content.parse_terminated(Opt::parse, Token![,])?)
        } else {
            OptValue::Flag
        };
        Ok(Opt { name, value })
    }
}

/// Parses the attribute's tokens.
pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Args> {
    syn::parse2(tokens)
}

//! The `#[scheduled]` attribute of the `schedule` framework.
//!
//! Use it through `schedule-runtime`, which re-exports it and documents its grammar in one
//! place. This crate only converts token streams; each phase lives in its own module and works
//! on `proc_macro2` tokens, so it is testable without a compiler: `args` (the attribute's
//! syntax), `item` (the function's signature), `attr` (reading each option's value into a
//! slot that takes one), `valid` (checking the values against AWS's limits and each other) and
//! `expand` (the registration).

mod args;
mod attr;
mod errors;
mod expand;
mod item;
mod valid;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::quote;

use crate::errors::Errors;

/// Declares a scheduled task. Documented in `schedule_runtime::scheduled`.
#[proc_macro_attribute]
pub fn scheduled(attr: TokenStream, item: TokenStream) -> TokenStream {
    scheduled_impl(attr.into(), &item.into()).into()
}

/// The whole attribute on `proc_macro2` tokens: the function, unchanged, then either its
/// registration or every error found. On error there is no registration, but the function is
/// still there, so the rest of the crate (and the IDE) keeps working.
fn scheduled_impl(attr: TokenStream2, item: &TokenStream2) -> TokenStream2 {
    let function = match syn::parse2::<syn::ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let error = syn::Error::new_spanned(
                item,
                "`#[scheduled]` goes on an `async fn`, e.g. `#[scheduled(\"rate(1 hour)\")] async fn cleanup() {}`",
            )
            .to_compile_error();
            return quote!(#item #error);
        }
    };
    let mut errors = Errors::new();
    let task_fn = item::read(&function, &mut errors);
    let args = match args::parse(attr) {
        Ok(args) => args,
        Err(error) => {
            errors.push(error);
            let error = errors.finish().err().map(|e| e.to_compile_error());
            return quote!(#item #error);
        }
    };
    let task = valid::task(&attr::read(&args, &mut errors), &task_fn, &mut errors);
    // Every check reports what it rejects, so the task is sound exactly when nothing was.
    match errors.finish() {
        Ok(()) => {
            let registration = expand::registration(&task_fn, &task);
            quote!(#item #registration)
        }
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#item #error)
        }
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    use super::*;

    fn expand(attr: TokenStream2, item: &TokenStream2) -> String {
        scheduled_impl(attr, item).to_string()
    }

    #[test]
    fn valid_declaration_keeps_the_function_and_adds_one_registration() {
        let item = quote!(
            async fn nightly_report() {}
        );
        let out = expand(quote!("rate(1 day)", heartbeat), &item);
        assert!(out.starts_with(&item.to_string()), "{out}");
        assert_eq!(out.matches("inventory :: submit !").count(), 1, "{out}");
        assert!(out.contains("name : \"nightly-report\""), "{out}");
        assert!(out.contains("heartbeat : true"), "{out}");
        assert!(!out.contains("compile_error"), "{out}");
    }

    #[test]
    fn errors_keep_the_function_and_register_nothing() {
        let item = quote!(
            async fn nightly() {}
        );
        let out = expand(quote!("rate(1 dya)", retries = 9, colour = "red"), &item);
        assert!(out.starts_with(&item.to_string()), "{out}");
        assert!(!out.contains("inventory"), "{out}");
        // Three problems, three errors.
        assert_eq!(out.matches("compile_error").count(), 3, "{out}");
    }

    #[test]
    fn not_a_function_is_returned_with_one_error() {
        let item = quote!(
            struct Nightly;
        );
        let out = expand(quote!("rate(1 day)"), &item);
        assert!(out.starts_with(&item.to_string()), "{out}");
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    }

    #[test]
    fn deferred_stands_where_the_expression_would() {
        let args = args::parse(quote!(deferred, retries = 1)).expect("parses");
        assert!(matches!(args.schedule, args::First::Deferred));
        assert_eq!(args.options.len(), 1);
        // An option first is not a schedule: the message says what comes first.
        let error = args::parse(quote!(retries = 1)).err().expect("refused");
        assert!(error.to_string().contains("first argument"), "{error}");
    }

    #[test]
    fn options_parse_as_flags_assignments_and_calls() {
        let args = args::parse(quote!(
            "rate(1 day)",
            heartbeat,
            retries = 1,
            idempotent(ttl = "7d"),
        ))
        .expect("parses");
        assert!(
            matches!(&args.schedule, args::First::Expression(lit) if lit.value() == "rate(1 day)")
        );
        let names: Vec<String> = args.options.iter().map(|o| o.name.to_string()).collect();
        assert_eq!(names, ["heartbeat", "retries", "idempotent"]);
        assert!(matches!(args.options[0].value, args::OptValue::Flag));
        assert!(matches!(args.options[1].value, args::OptValue::Assign(_)));
        assert!(matches!(args.options[2].value, args::OptValue::Call(_)));
    }

    #[test]
    fn an_error_sink_dropped_unreported_is_caught() {
        let result = std::panic::catch_unwind(|| {
            let mut errors = Errors::new();
            errors.at(proc_macro2::Span::call_site(), "lost");
        });
        assert!(
            result.is_err(),
            "dropping unreported errors must not pass silently"
        );
        let mut errors = Errors::new();
        errors.at(proc_macro2::Span::call_site(), "kept");
        assert_eq!(errors.finish().unwrap_err().to_string(), "kept");
    }
}

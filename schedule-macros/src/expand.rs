//! Phase 5: the registration emitted next to the unchanged function.
//!
//! ```text
//! <the function, as written>
//! <vis> struct <function's name> {}   // the task as a type: `defer::<name>(input)`
//! impl Task for <function's name> { type Input = <input type or ()>; const NAME = "<task>"; }
//! const _: () = {
//!     fn __schedule_task(ctx, input) -> TaskFuture { decode input; call; convert result }
//!     inventory::submit! { Registration::new(TaskSpec { .. }, Location { .. }, __schedule_task) }
//! };
//! ```
//!
//! Everything is named by absolute path through `::schedule_runtime::__private`, so users depend
//! on `schedule-runtime` alone. The checks on the user's types are spanned at those types, so a
//! type error lands where the fix is.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use crate::item::{Param, TaskFn, name_span};
use crate::valid::Task;
use schedule_core::{Monitor, Overlap};

pub(crate) fn registration(function: &TaskFn<'_>, task: &Task) -> TokenStream {
    let private = quote!(::schedule_runtime::__private);
    let ident = &function.function.sig.ident;

    // Decode the input first: a bad input fails the run before the task is called.
    let decode = function.input().map(|ty| {
        let decoded = match (&task.input, &task.expression) {
            (Some(json), _) => quote_spanned! {ty.span()=>
                __input.decode_or::<#ty>(#json)
            },
            // A deferred task's runs carry their input; its type needs no default.
            (None, None) => quote_spanned! {ty.span()=>
                __input.decode_required::<#ty>()
            },
            (None, Some(_)) => quote_spanned! {ty.span()=>
                __input.decode_or_default::<#ty>()
            },
        };
        quote! {
            let __input = match #decoded {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(error) => return #private::failed_run(error),
            };
        }
    });
    let discard_input = function.input().is_none().then(|| quote!(let _ = __input;));
    let discard_context = (!function.params.iter().any(|p| matches!(p, Param::Context)))
        .then(|| quote!(let _ = __context;));
    let args = function.params.iter().map(|param| match param {
        Param::Context => quote!(__context),
        Param::Input(_) => quote!(__input),
    });
    let call = quote_spanned! {name_span(function.function)=>
        #ident(#(#args),*).await
    };
    let convert = match function.output {
        Some(ty) => quote_spanned! {ty.span()=>
            <#ty as #private::IntoTaskResult>::into_task_result(__output)
        },
        None => quote!(#private::IntoTaskResult::into_task_result(__output)),
    };
    // Requiring `Send` at the call site puts "future cannot be sent between threads safely" on
    // the task's name, with the compiler's note on the value held across an `.await`.
    // The path is written out rather than interpolated: an interpolated path keeps its own
    // (call-site) span, which would move the error onto the attribute.
    let future = quote_spanned! {name_span(function.function)=>
        ::schedule_runtime::__private::task_future(async move {
            let __output = #call;
            #convert
        })
    };

    // The macro knows the declared input is JSON; whether it fits the type is checked when the
    // registry loads (codegen, Lambda start-up), before anything is deployed or run.
    let (input_check_fn, input_check) = match (function.input(), &task.input) {
        (Some(ty), Some(json)) => (
            Some(quote_spanned! {ty.span()=>
                fn __schedule_check_input() -> ::core::result::Result<(), #private::TaskError> {
                    #private::TaskInput::none().decode_or::<#ty>(#json).map(|_| ())
                }
            }),
            quote!(::core::option::Option::Some(__schedule_check_input as #private::InputCheck)),
        ),
        _ => (None, quote!(::core::option::Option::None)),
    };

    let spec = spec(task);
    let marker = marker(function, task);
    // Only an application with a task that reads secrets links the code that reads them (the
    // Lambda binary of one without stays as small as before).
    let secrets_backend = (!task.secrets.is_empty())
        .then(|| quote!(#private::inventory::submit! { #private::SECRETS_BACKEND }));
    quote! {
        #marker

        const _: () = {
            fn __schedule_task(
                __context: #private::TaskContext,
                __input: #private::TaskInput,
            ) -> #private::TaskFuture {
                #discard_input
                #discard_context
                #decode
                #future
            }

            #input_check_fn

            #secrets_backend

            #private::inventory::submit! {
                #private::Registration::new(
                    #spec,
                    #private::Location {
                        file: ::core::file!(),
                        line: ::core::line!(),
                        column: ::core::column!(),
                    },
                    __schedule_task,
                    #input_check,
                )
            }
        };
    }
}

/// The task as a type named like its function, so that code names the task by its Rust item
/// (`defer::<send_review_request>(input)`) and the compiler checks the input's type at the call.
/// A braced struct lives in the type namespace only, beside the function of the same name.
fn marker(function: &TaskFn<'_>, task: &Task) -> TokenStream {
    let ident = &function.function.sig.ident;
    let vis = &function.function.vis;
    let name = &task.name;
    let input = function
        .input()
        .map_or_else(|| quote!(()), |ty| quote!(#ty));
    let doc = format!(
        "The task `{name}` declared by `#[scheduled]` on the function `{ident}`, as a type: \
         `schedule_runtime::defer::<{ident}>(input)` runs it at a chosen time."
    );
    quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code)]
        #vis struct #ident {}

        impl ::schedule_runtime::Task for #ident {
            type Input = #input;
            const NAME: &'static str = #name;
        }
    }
}

fn spec(task: &Task) -> TokenStream {
    let private = quote!(::schedule_runtime::__private);
    let Task {
        name,
        expression,
        timezone,
        description,
        window_minutes,
        retries,
        max_age_seconds,
        timeout_seconds,
        idempotency_ttl_seconds,
        heartbeat,
        monitor,
        alert_after,
        pause_after,
        environments,
        secrets,
        function,
        input,
        start,
        end,
        overlap,
    } = task;
    let monitor = match monitor {
        Some(monitor) => {
            let variant = match monitor {
                Monitor::Healthchecks => quote!(Healthchecks),
                Monitor::Sentry => quote!(Sentry),
                Monitor::Cronitor => quote!(Cronitor),
                Monitor::UptimeRobot => quote!(UptimeRobot),
            };
            quote!(::core::option::Option::Some(#private::Monitor::#variant))
        }
        None => quote!(::core::option::Option::None),
    };
    let alert_after = option(alert_after.as_ref());
    let pause_after = option(pause_after.as_ref());
    let expression = option(expression.as_ref());
    let window_minutes = option(window_minutes.as_ref());
    let max_age_seconds = option(max_age_seconds.as_ref());
    let idempotency = match idempotency_ttl_seconds {
        Some(ttl) => {
            quote!(::core::option::Option::Some(#private::Idempotency { ttl_seconds: #ttl }))
        }
        None => quote!(::core::option::Option::None),
    };
    let input = option(input.as_ref());
    let function = option(function.as_ref());
    let start = option(start.as_ref());
    let end = option(end.as_ref());
    let overlap = match overlap {
        Overlap::Allow => quote!(#private::Overlap::Allow),
        Overlap::Skip => quote!(#private::Overlap::Skip),
    };
    quote! {
        #private::TaskSpec {
            name: #name,
            expression: #expression,
            timezone: #timezone,
            description: ::core::option::Option::Some(#description),
            window_minutes: #window_minutes,
            retries: #retries,
            max_age_seconds: #max_age_seconds,
            timeout_seconds: #timeout_seconds,
            idempotency: #idempotency,
            heartbeat: #heartbeat,
            monitor: #monitor,
            alert_after: #alert_after,
            pause_after: #pause_after,
            environments: &[#(#environments),*],
            secrets: &[#(#secrets),*],
            function: #function,
            input: #input,
            start: #start,
            end: #end,
            overlap: #overlap,
        }
    }
}

fn option<T: quote::ToTokens>(value: Option<&T>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

//! Phase 2: a light view of the annotated function, checking the signature a task must have.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, ReturnType, Type};

use crate::errors::Errors;

/// What the expansion needs to know about the task's function.
pub(crate) struct TaskFn<'a> {
    pub(crate) function: &'a ItemFn,
    /// The parameters in declaration order.
    pub(crate) params: Vec<Param<'a>>,
    /// The return type as written, when not `()`.
    pub(crate) output: Option<&'a Type>,
}

pub(crate) enum Param<'a> {
    /// `ctx: TaskContext`
    Context,
    /// `input: SomeType`
    Input(&'a Type),
}

impl TaskFn<'_> {
    /// The input parameter's type, if the function takes one.
    pub(crate) fn input(&self) -> Option<&Type> {
        self.params.iter().find_map(|p| match p {
            Param::Input(ty) => Some(*ty),
            Param::Context => None,
        })
    }

    /// The first line of the doc comment, trimmed, if there is one.
    pub(crate) fn doc_summary(&self) -> Option<String> {
        self.function
            .attrs
            .iter()
            .filter(|attr| attr.path().is_ident("doc"))
            .filter_map(|attr| match &attr.meta {
                syn::Meta::NameValue(nv) => match &nv.value {
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) => Some(s.value()),
                    _ => None,
                },
                _ => None,
            })
            .flat_map(|text| {
                text.lines()
                    .map(str::trim)
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .find(|line| !line.is_empty())
    }
}

/// Reads the function, reporting every way its signature cannot be a task's.
pub(crate) fn read<'a>(function: &'a ItemFn, errors: &mut Errors) -> TaskFn<'a> {
    let sig = &function.sig;
    if let Some(token) = &sig.constness {
        errors.at(token.span, "a scheduled task cannot be a `const fn`");
    }
    if let Some(token) = &sig.unsafety {
        errors.at(token.span, "a scheduled task cannot be an `unsafe fn`: the runtime calls it with no safety contract to uphold");
    }
    if let Some(abi) = &sig.abi {
        errors.at(abi.span(), "a scheduled task cannot have an `extern` ABI");
    }
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span,
            format!(
                "a scheduled task must be an `async fn`: write `async fn {}(...)`",
                sig.ident
            ),
        );
    }
    if let Some(param) = sig.generics.params.first() {
        errors.at(
            param.span(),
            "a scheduled task cannot be generic: the registry needs one concrete function to call",
        );
    } else if let Some(clause) = &sig.generics.where_clause {
        errors.at(
            clause.span(),
            "a scheduled task cannot have a `where` clause",
        );
    }
    if let Some(variadic) = &sig.variadic {
        errors.at(variadic.span(), "a scheduled task cannot be variadic");
    }

    let mut params = Vec::new();
    let mut context_seen = false;
    let mut input_seen = false;
    for arg in &sig.inputs {
        match arg {
            FnArg::Receiver(receiver) => errors.at(
                receiver.span(),
                "a scheduled task cannot take `self`: declare it as a free function, outside `impl` blocks",
            ),
            FnArg::Typed(typed) => match classify(&typed.ty) {
                Kind::Context if context_seen => errors.at(
                    typed.span(),
                    "a scheduled task takes at most one `TaskContext` parameter",
                ),
                Kind::Context => {
                    context_seen = true;
                    params.push(Param::Context);
                }
                Kind::ContextByReference => errors.at(
                    context_span(&typed.ty),
                    "take the context by value: `ctx: TaskContext`",
                ),
                Kind::ImplTrait => errors.at(
                    typed.ty.span(),
                    "a task's input needs a concrete type that implements `serde::Deserialize`, not `impl Trait`",
                ),
                Kind::Input if input_seen => errors.at(
                    typed.span(),
                    "a scheduled task takes at most one input parameter besides `TaskContext`; \
                     gather the values in one struct that implements `serde::Deserialize`",
                ),
                Kind::Input => {
                    input_seen = true;
                    params.push(Param::Input(&typed.ty));
                }
            },
        }
    }

    let output = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => match &**ty {
            Type::Tuple(tuple) if tuple.elems.is_empty() => None,
            Type::ImplTrait(_) => {
                errors.at(
                    ty.span(),
                    "write the task's concrete return type: `()` or `Result<T, E>`, not `impl Trait`",
                );
                None
            }
            ty => Some(ty),
        },
    };

    TaskFn {
        function,
        params,
        output,
    }
}

enum Kind {
    Context,
    ContextByReference,
    ImplTrait,
    Input,
}

/// The context is recognised by its type name, `TaskContext`, however it is imported.
fn classify(ty: &Type) -> Kind {
    match ty {
        Type::Path(path) if is_context(path) => Kind::Context,
        Type::Reference(reference) => match &*reference.elem {
            Type::Path(path) if is_context(path) => Kind::ContextByReference,
            _ => Kind::Input,
        },
        Type::ImplTrait(_) => Kind::ImplTrait,
        Type::Paren(inner) => classify(&inner.elem),
        _ => Kind::Input,
    }
}

fn is_context(path: &syn::TypePath) -> bool {
    path.qself.is_none()
        && path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "TaskContext" && segment.arguments.is_empty())
}

/// The span of the function's name, where errors about the whole task belong.
pub(crate) fn name_span(function: &ItemFn) -> Span {
    function.sig.ident.span()
}

/// The `TaskContext` inside `&TaskContext`, where a by-reference context is reported.
fn context_span(ty: &Type) -> Span {
    match ty {
        Type::Reference(reference) => reference.elem.span(),
        other => other.span(),
    }
}

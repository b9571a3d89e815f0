//! One sink for every problem found, so that all of them are reported at once.

use std::fmt::Display;

use proc_macro2::Span;

/// Accumulates errors; [`Errors::finish`] combines them into one `syn::Error`.
///
/// Dropping it without calling `finish` is a bug in this crate (a check whose errors would be
/// lost), so it panics, as serde's `Ctxt` does; tests catch the forgotten path.
pub(crate) struct Errors {
    errors: Option<syn::Error>,
    finished: bool,
}

impl Errors {
    pub(crate) fn new() -> Errors {
        Errors {
            errors: None,
            finished: false,
        }
    }

    /// Records `message` at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records an error that already carries its spans.
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.errors {
            Some(errors) => errors.combine(error),
            None => self.errors = Some(error),
        }
    }

    /// All errors combined, or `Ok` when there were none.
    pub(crate) fn finish(mut self) -> Result<(), syn::Error> {
        self.finished = true;
        match self.errors.take() {
            Some(errors) => Err(errors),
            None => Ok(()),
        }
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if !self.finished && !std::thread::panicking() {
            panic!("schedule-macros: errors were collected but never reported");
        }
    }
}

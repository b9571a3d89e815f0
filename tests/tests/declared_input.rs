//! A declared `input = ...` that is JSON but does not fit the task's input type: the macro
//! cannot know the type's shape, so the registry refuses to load, naming the task and the place,
//! before codegen renders it or Lambda runs it.

use schedule_runtime::{Registry, RegistryError, scheduled};

#[derive(serde::Deserialize)]
struct Report {
    format: String,
    pages: u32,
}

#[scheduled("rate(1 day)", input = r#"{"format": "pdf", "pages": "three"}"#)]
async fn nightly(report: Report) {
    let _ = (report.format, report.pages);
}

#[scheduled("rate(1 day)", input = r#"{"format": "csv", "pages": 3}"#)]
async fn fitting(report: Report) {
    let _ = (report.format, report.pages);
}

#[test]
fn a_declared_input_that_does_not_fit_its_type_is_refused_at_load() {
    let error = Registry::load().expect_err("the registry must refuse");
    assert!(
        matches!(error, RegistryError::DeclaredInput(ref bad) if bad.len() == 1),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the declared input of `nightly` (tests/tests/declared_input.rs:13:1) does not fit: \
         the input does not decode as `declared_input::Report`: invalid type: string \"three\", \
         expected u32 at line 1 column 34"
    );
}

//! Two tasks with one name in one binary: the registry refuses, naming both places.

use schedule_runtime::{Registry, RegistryError, scheduled};

mod billing {
    use schedule_runtime::scheduled;

    #[scheduled("rate(1 day)")]
    pub(crate) async fn nightly() {}
}

#[scheduled("cron(0 3 * * ? *)", name = "nightly")]
async fn reports() {}

#[scheduled("rate(5 minutes)")]
async fn unrelated() {}

#[test]
fn duplicate_names_are_reported_with_both_locations() {
    let error = Registry::load().unwrap_err();
    let RegistryError::Duplicates(duplicates) = &error else {
        panic!("expected duplicates, got {error:?}");
    };
    assert_eq!(duplicates.len(), 1);
    let lines = [duplicates[0].first.line, duplicates[0].second.line];
    assert_eq!(lines, [8, 12]);
    assert_eq!(
        error.to_string(),
        "task names must be unique; `nightly` is declared at tests/tests/duplicate_names.rs:8:5 \
         and at tests/tests/duplicate_names.rs:12:1 (give one of them `name = \"...\"`)"
    );
}

//! Two tasks whose names differ only by `.` and `_`: both would deploy as the Lambda alias
//! `reports_daily`, so the registry refuses them when it loads, before codegen or Lambda run.

use schedule_runtime::{Registry, RegistryError, scheduled};

#[scheduled("rate(1 day)", name = "reports.daily")]
async fn dotted() {}

#[scheduled("rate(1 day)", name = "reports_daily")]
async fn underscored() {}

#[scheduled("rate(1 day)", name = "reports-daily")]
async fn hyphenated() {}

#[test]
fn names_that_share_a_lambda_alias_are_refused_at_load() {
    let error = Registry::load().unwrap_err();
    let RegistryError::AliasClashes(clashes) = &error else {
        panic!("expected an alias clash, got {error:?}");
    };
    // `reports-daily` keeps its hyphen, so only the dotted and underscored names clash.
    assert_eq!(clashes.len(), 1, "{error}");
    assert_eq!(clashes[0].alias, "reports_daily");
    assert_eq!(clashes[0].first.0, "reports.daily");
    assert_eq!(clashes[0].second.0, "reports_daily");
    assert_eq!(
        error.to_string(),
        "tasks `reports.daily` (tests/tests/alias_clash.rs:6:1) and `reports_daily` \
         (tests/tests/alias_clash.rs:9:1) would share the Lambda alias `reports_daily` (`.` becomes \
         `_` in alias names), which carries each task's retry policy; rename one"
    );
}

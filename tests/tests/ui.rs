//! `#[scheduled]` as users meet it: declarations that must compile, and mistakes that must
//! fail with a message at the offending token (the expected messages are the `.stderr` files,
//! refreshed with `TRYBUILD=overwrite cargo test -p schedule-tests --test ui` and reviewed as
//! diffs). Diagnostics differ between compilers, so these are pinned to the toolchain in
//! `rust-toolchain.toml`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}

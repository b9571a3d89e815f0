//! A binary with no tasks: the registry says why that usually happens.

use schedule_runtime::{Registry, RegistryError};

#[test]
fn empty_registry_explains_the_linking_rule() {
    let error = Registry::load().unwrap_err();
    let RegistryError::Empty { binary, library } = &error else {
        panic!("expected an empty registry, got {error:?}");
    };
    // This test binary is `empty_registry-<hash>`; cargo ran it for package `schedule-tests`.
    assert!(binary.starts_with("empty_registry"), "{binary}");
    assert_eq!(library, "schedule_tests");
    let message = error.to_string();
    assert!(message.contains("registers itself only when the crate that declares it is linked"));
    assert!(
        message.contains(&format!(
            "`src/bin/{binary}.rs`): `use schedule_tests as _;`"
        )),
        "{message}"
    );
}

//! A binary with no tasks: the registry says why that usually happens.

use schedule_runtime::{Registry, RegistryError};

#[test]
fn empty_registry_explains_the_linking_rule() {
    let error = Registry::load().unwrap_err();
    assert_eq!(error, RegistryError::Empty);
    let message = error.to_string();
    assert!(message.contains("registers itself only when the crate that declares it is linked"));
    assert!(message.contains("use my_app as _;"));
}

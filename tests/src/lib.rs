//! Cross-crate tests: UI tests of `#[scheduled]` (trybuild) and end-to-end tests against real
//! servers live here as the crates they exercise arrive. Command-line tests of `codegen` live
//! with the example application that builds the binary (`examples/shop/tests`).

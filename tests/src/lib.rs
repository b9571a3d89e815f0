//! Cross-crate tests of the macro and the registry: UI tests of `#[scheduled]` (trybuild, in
//! `ui/`) and registry tests (`tests/`). The runtime's AWS side is tested in `tests/aws`;
//! command-line tests of `codegen` live with the example application that builds the binary
//! (`examples/shop/tests`).

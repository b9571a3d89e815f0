//! The `#[scheduled]` attribute of the `schedule` framework.
//!
//! Users reach it through `schedule-runtime`, which re-exports it and documents its grammar.
//! The attribute itself arrives with the macro issue; this crate exists now so that the
//! workspace's dependency arrows (`macros -> core`) are in place from the start.

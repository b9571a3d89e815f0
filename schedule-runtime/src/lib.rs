//! Serverless scheduled tasks on AWS: the crate an application depends on.
//!
//! It will hold the registry of `#[scheduled]` tasks, the dispatcher, idempotency, heartbeats,
//! the Lambda entry point and the local runner (see `ARCHITECTURE.md`). Today it re-exports the
//! schedule language, so applications can already parse, describe and evaluate expressions.

pub use schedule_core as core;
pub use schedule_core::{ParseError, Schedule, TaskSpec};

// The README's Rust examples are compiled and run as doctests, so the front door stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;

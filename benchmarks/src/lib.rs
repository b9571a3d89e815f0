//! Benchmarks only: see `benches/schedules.rs` and `BENCHMARKS.md`.

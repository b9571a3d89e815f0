//! The library behind an application's `codegen` binary: the infrastructure, generated from
//! the code.
//!
//! Every application gets the same command line by writing one line in `src/bin/codegen.rs`:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     schedule_codegen::main()
//! }
//! ```
//!
//! Its commands are `terraform` (write the module that deploys the tasks, or with `--check`
//! fail when the module on disk differs) and `manifest` (the registry as JSON); every flag and
//! output is in contract 2 of the repository's `docs/contracts.md`, and the module itself in
//! [`terraform`]. Both read the tasks linked into the running binary, so the binary must link
//! the crate that declares them (see `schedule_runtime::Registry::load`).
//!
//! The tasks here are the application's binary's (`schedule_runtime::main`); a deployment is
//! the operator's `ops` binary's (crate `schedule-ops`). Without an AWS SDK, this crate builds
//! fast and runs anywhere, in CI included.

mod cli;
mod registry;
pub mod terraform;
mod write;

pub use cli::{main, run};
pub use registry::manifest_json;
pub use write::{Difference, LineChange, check_module, write_module};

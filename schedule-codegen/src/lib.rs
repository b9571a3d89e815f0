//! The library behind an application's `codegen` binary.
//!
//! Every application gets the same command line by writing one line in `src/bin/codegen.rs`:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     schedule_codegen::main()
//! }
//! ```
//!
//! Commands (contract 2 in the design):
//!
//! - `codegen next '<EXPR>' [--tz ZONE] [--after RFC3339] [-n N]` prints the next N fire times
//!   (default 5) strictly after `--after` (default now), one RFC 3339 timestamp per line in the
//!   zone's offset. An invalid expression or zone exits with status 1 and the parser's message
//!   on stderr; bad usage exits with status 2.
//!
//! Terraform rendering, `list` and `manifest` arrive with the issues that build them.

mod cli;
mod next;

pub use cli::{main, run};
pub use next::{NextError, format_instant, next_fire_times};

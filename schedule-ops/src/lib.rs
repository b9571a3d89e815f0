//! The library behind an application's `ops` binary: operate a deployed environment from your
//! machine, with your own AWS credentials.
//!
//! Every application gets the same command line by writing one line in `src/bin/ops.rs`:
//!
//! ```no_run
//! fn main() -> std::process::ExitCode {
//!     // The application's name: the deployed module's default `name_prefix`.
//!     schedule_ops::main(env!("CARGO_PKG_NAME"))
//! }
//! ```
//!
//! Every command takes `--env NAME`, the deployed environment, and reads or changes that
//! deployment only; credentials and region come from the AWS SDK's standard chain
//! (`--profile`, `--region`, SSO included). What they do, in groups as `--help` shows them:
//!
//! - the ledger: `status`, `history`, `pause`, `resume`, as the application's binary shows and
//!   changes the local one, from the same code;
//! - occurrences: `invoke` sends a task's alias the event Scheduler would send (and `--wait`
//!   follows it to its outcome), `backfill` the occurrences due in an interval, `replay` the
//!   dead-letter queue's.
//!
//! Every flag and output is in contract 2 of the repository's `docs/contracts.md`. The tasks
//! are read from the registry linked into the binary, so the binary must link the crate that
//! declares them (see `schedule_runtime::Registry::load`). The SDK clients this needs (Lambda,
//! SQS, DynamoDB, the credential chain) live in this crate so that the dispatch Lambda, the
//! application's own binary, never carries them.

mod backfill;
mod cli;
mod console;
mod dead_letter;
mod deferred;
mod deployment;
mod invoke;
mod ledger;
mod replay;

pub use cli::{main, run};
#[doc(hidden)]
pub use console::{gzipped_size, overview_html};

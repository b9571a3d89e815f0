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
//! Commands (contract 2 of the repository's `docs/contracts.md`):
//!
//! - `codegen next '<EXPR>' [--tz ZONE] [--after RFC3339] [-n N]` prints the next N fire times
//!   (default 5) strictly after `--after` (default now), one RFC 3339 timestamp per line in the
//!   zone's offset. An invalid expression or zone exits with status 1 and the parser's message
//!   on stderr; bad usage exits with status 2.
//!
//! - `codegen list` prints a table of the application's tasks: name, schedule, zone,
//!   environments and next fire time in the task's zone.
//! - `codegen dst [--years N] [--after RFC3339]` lists, for every task, the scheduled minutes
//!   in the next N years (default 1) that a daylight-saving change in its zone skips or repeats.
//! - `codegen manifest` prints the registry as JSON: every task with every declared option
//!   (defaults filled in, the expression in canonical form) and where it was declared.
//!
//! - `codegen terraform [--out DIR] [--check] [--app NAME] [--healthchecks] [--eventbridge-rules]`
//!   writes the Terraform module that
//!   deploys the tasks into DIR (default `terraform`), replacing the files it generated before
//!   and leaving others alone. `--check` writes nothing and exits with status 1, listing the
//!   files and the first lines that differ, when DIR differs from what would be written: run it
//!   in CI so the deployed module cannot drift from the code. The output depends on the code,
//!   the options and the source layout only, not on where codegen was built. `--healthchecks` adds a Healthchecks.io check per `heartbeat`
//!   task; `--eventbridge-rules` uses legacy EventBridge rules instead of Scheduler. The module
//!   and the options are described in [`terraform`].
//!
//! With the default `operate` feature, the commands that act on a deployed environment, each
//! with `--env NAME [--name-prefix PREFIX] [--profile NAME]` and the AWS SDK's standard
//! credential chain (contract 2 of `docs/contracts.md` has every flag and output):
//!
//! - `codegen status`, `history <task>`, `pause <task>`, `resume <task>`: the deployed ledger,
//!   as the application's commands of those names show and change the local one.
//! - `codegen invoke <task> [--at RFC3339] [--input JSON] [--wait]`: sends the task's alias
//!   the event Scheduler would send, asynchronously, and prints the request id; `--wait`
//!   follows the run in the ledger.
//! - `codegen backfill <task> --from RFC3339 --to RFC3339 [--dry-run] [--yes]`: sends the
//!   occurrences due in the interval, each with its own scheduled time.
//! - `codegen replay [--task T] [--dry-run]`: sends the dead-letter queue's occurrences again
//!   (Lambda's failure records and Scheduler's undelivered events alike), deleting each
//!   message once accepted.
//!
//! `list`, `manifest`, `terraform` and the deployment commands read the tasks linked into the
//! running binary, so the binary must link the crate that declares them (see
//! `schedule_runtime::Registry::load`).

mod cli;
#[cfg(feature = "operate")]
mod operate;
mod registry;
pub mod terraform;
mod write;

pub use cli::{main, run};
pub use registry::manifest_json;
pub use write::{Difference, LineChange, check_module, write_module};

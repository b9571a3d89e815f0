//! The command lines and what they print for people.
//!
//! `app.rs` is the application's binary outside Lambda (feature `app`): `run`, `invoke`, `list`
//! and the rest, on the local state directory; `local.rs` is what its `invoke`, `backfill`,
//! `replay`, `pause` and `resume` do there, returning their text, so that the operator's
//! console acts through the same code. The rest is shared with the operator's `ops`
//! binary (crate `schedule-ops`), so that both take the same arguments and print the same from
//! the same code: `invoke`'s arguments and event (`invoke.rs`), `backfill`'s plan and pacing
//! (`backfill.rs`), the ledger's commands and tables (`ledger.rs`), `list`'s and `dst`'s tables
//! (`list.rs`), `--help` grouped by what commands act on (`help.rs`), and the aligned columns
//! the tables are drawn with (`table.rs`). Nothing below this module renders text for people.

#[cfg(feature = "app")]
mod app;
pub mod backfill;
#[cfg(feature = "app")]
pub mod help;
#[cfg(feature = "app")]
pub mod invoke;
pub mod ledger;
pub mod list;
#[cfg(feature = "app")]
pub mod local;
mod table;

#[cfg(feature = "app")]
pub(crate) use app::run;

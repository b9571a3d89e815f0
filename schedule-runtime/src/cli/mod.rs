//! The command lines and what they print for people.
//!
//! `app.rs` is the application's binary outside Lambda (feature `app`): `run`, `invoke`, `list`
//! and the rest, on the local state directory. The rest is shared with the operator's
//! `codegen`, so that both print the same from the same code: `list`'s tables (`list.rs`), the
//! ledger's commands and tables (`ledger.rs`), `backfill`'s plan and pacing (`backfill.rs`),
//! and the aligned columns they are all drawn with (`table.rs`). Nothing below this module
//! renders text for people.

#[cfg(feature = "app")]
mod app;
pub mod backfill;
pub mod ledger;
pub mod list;
mod table;

#[cfg(feature = "app")]
pub(crate) use app::run;

//! The shop's operator binary: `cargo run --bin ops -- status --env production`.

// The tasks live in the shop's library; naming it links it, and with it their registrations.
use example_shop as _;

fn main() -> std::process::ExitCode {
    // The application's name: the deployed module's default `name_prefix`.
    schedule_ops::main(env!("CARGO_PKG_NAME"))
}

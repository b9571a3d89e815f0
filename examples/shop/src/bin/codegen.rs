//! The shop's codegen binary: `cargo run --bin codegen -- terraform`.

// The tasks live in the shop's library; naming it links it, and with it their registrations.
use example_shop as _;

fn main() -> std::process::ExitCode {
    schedule_codegen::main()
}

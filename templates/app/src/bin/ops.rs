// The tasks live in the library; naming it links them into this binary.
use {{crate}} as _;

fn main() -> std::process::ExitCode {
    // The application's name: the deployed module's default `name_prefix`.
    schedule_ops::main(env!("CARGO_PKG_NAME"))
}

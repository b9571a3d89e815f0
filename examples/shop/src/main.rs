//! The shop's application binary: the dispatch Lambda in AWS (`cargo lambda build`), the
//! command line elsewhere (`cargo run -- list`, `cargo run -- invoke weekly-digest`).

use example_shop as _;

fn main() -> std::process::ExitCode {
    schedule_runtime::main()
}

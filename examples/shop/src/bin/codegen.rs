//! The shop's codegen binary: `cargo run --bin codegen -- next 'cron(0 8 * * ? *)'`.

fn main() -> std::process::ExitCode {
    schedule_codegen::main()
}

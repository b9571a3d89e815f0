// The tasks live in the library; naming it links them into this binary.
use {{crate}} as _;

fn main() -> std::process::ExitCode {
    schedule_runtime::main()
}

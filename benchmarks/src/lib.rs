//! Benchmarks only: see `benches/schedules.rs` and `BENCHMARKS.md`.

/// `binary` started as a Lambda function against the Runtime API at `runtime_api`: the
/// variables Lambda sets (and `lambda_runtime` requires), a region, and test credentials.
pub fn lambda_function(binary: &str, runtime_api: &str) -> std::process::Command {
    let mut command = std::process::Command::new(binary);
    command
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "shop")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    command
}

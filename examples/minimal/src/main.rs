use schedule_runtime::{TaskContext, scheduled};

/// Says hello every minute.
#[scheduled("rate(1 minute)")]
async fn hello(ctx: TaskContext) {
    println!("hello from the run due at {}", ctx.scheduled_time());
}

fn main() -> std::process::ExitCode {
    schedule_runtime::main()
}

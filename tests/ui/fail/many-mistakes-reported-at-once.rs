use schedule_runtime::scheduled;

#[scheduled(
    "cron(0 25 * * ? *)",
    timezone = "Mars/Olympus",
    retries = 5,
    window = "2d",
    colour = "blue",
)]
fn nightly(a: u32, b: u32) {
    let _ = (a, b);
}

fn main() {}

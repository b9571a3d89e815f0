//! Deferring a task with another type than its input does not compile, at the argument.

use std::time::Duration;

use schedule_runtime::scheduled;

#[derive(serde::Serialize, serde::Deserialize)]
struct Reminder {
    to: String,
}

#[derive(serde::Serialize)]
struct Invoice {
    number: u32,
}

#[scheduled(deferred)]
async fn remind(reminder: Reminder) {
    let _ = reminder.to;
}

#[scheduled("rate(1 day)")]
async fn cleanup() {}

async fn wrong() {
    let _ = schedule_runtime::defer::<remind>(Invoice { number: 7 })
        .after(Duration::from_secs(60))
        .send()
        .await;
    let _ = schedule_runtime::defer::<remind>("ops")
        .after(Duration::from_secs(60))
        .send()
        .await;
    // A task without input takes `()`.
    let _ = schedule_runtime::defer::<cleanup>(Reminder { to: String::new() })
        .after(Duration::from_secs(60))
        .send()
        .await;
    // A function that is not a task names no task.
    let _ = schedule_runtime::defer::<wrong>(());
}

fn main() {}

//! Deferring names the task by its Rust item and takes its input type: a task with an input, a
//! task without one (`()`), a public task whose input type is private to its module, and a
//! task named like a type in scope elsewhere.

use std::time::Duration;

use schedule_runtime::defer::{DeferError, Deferred};
use schedule_runtime::{Task, TaskContext, scheduled};

#[derive(serde::Serialize, serde::Deserialize)]
struct Reminder {
    to: String,
}

#[scheduled(deferred)]
async fn remind(reminder: Reminder) {
    let _ = reminder.to;
}

#[scheduled("rate(1 day)")]
async fn cleanup(_ctx: TaskContext) {}

mod billing {
    use schedule_runtime::scheduled;

    #[derive(serde::Serialize, serde::Deserialize)]
    pub struct Invoice {
        pub number: u32,
    }

    /// Public, in a module: deferred from outside it.
    #[scheduled(deferred, idempotent)]
    pub async fn send_invoice(invoice: Invoice) {
        let _ = invoice.number;
    }
}

async fn defer_all() -> Result<Vec<Deferred>, DeferError> {
    let at = schedule_runtime::core::jiff::Timestamp::now();
    Ok(vec![
        schedule_runtime::defer::<remind>(Reminder { to: "ops".to_owned() })
            .after(Duration::from_secs(60))
            .key("ops")
            .send()
            .await?,
        schedule_runtime::defer::<cleanup>(()).at(at).send().await?,
        schedule_runtime::defer::<billing::send_invoice>(billing::Invoice { number: 7 })
            .after(Duration::from_secs(3600))
            .send()
            .await?,
    ])
}

async fn cancel_one() -> Result<bool, DeferError> {
    schedule_runtime::cancel::<remind>("ops").await
}

fn main() {
    // The function is still a function.
    let _ = remind(Reminder { to: String::new() });
    let _ = (defer_all, cancel_one);
    assert_eq!(<remind as Task>::NAME, "remind");
    assert_eq!(<billing::send_invoice as Task>::NAME, "send-invoice");
}

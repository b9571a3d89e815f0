//! Review requests: three days after an order ships, the customer is asked for a review. The
//! shop's web backend calls [`order_shipped`] from its shipping webhook; the run is deferred to
//! its time (a one-time schedule in AWS, the state directory locally) and [`review_request`]
//! sends the mail then. An order returned before then cancels it ([`order_returned`]).

use std::time::Duration;

use schedule_runtime::defer::{DeferError, Deferred};
use schedule_runtime::{TaskContext, scheduled};
use serde::{Deserialize, Serialize};
use tracing::info;

use crate::data;

/// How long after shipping the review request goes out.
pub const REVIEW_DELAY: Duration = Duration::from_secs(3 * 24 * 3600);

/// The order a review is asked for: the deferred run's input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequest {
    /// The order's number.
    pub order: u64,
    /// The customer's address.
    pub email: String,
}

/// Sends the review request of one shipped order; runs only when deferred. Idempotent: a
/// redelivered run of the same order sends one mail.
#[scheduled(deferred, timezone = "Europe/Berlin", idempotent, retries = 2)]
pub async fn review_request(ctx: TaskContext, request: ReviewRequest) -> anyhow::Result<()> {
    // "Sending" appends to the mail log; a real shop would call its mail provider here.
    let log_path = data::dir()?.join("sent-mail.log");
    let mut log = std::fs::read_to_string(&log_path).unwrap_or_default();
    log.push_str(&format!(
        "{} to {}: How was your order #{}?\n",
        ctx.scheduled_time(),
        request.email,
        request.order
    ));
    data::write(&log_path, log.as_bytes())?;
    info!(order = request.order, "review request sent");
    Ok(())
}

/// What the shipping webhook calls: asks for a review [`REVIEW_DELAY`] after shipping. Keyed by
/// the order, so a webhook delivered twice defers one request.
pub async fn order_shipped(order: u64, email: &str) -> Result<Deferred, DeferError> {
    let request = ReviewRequest {
        order,
        email: email.to_owned(),
    };
    schedule_runtime::defer::<review_request>(request)
        .after(REVIEW_DELAY)
        .key(order_key(order))
        .send()
        .await
}

/// What the returns webhook calls: no review request for a returned order. Whether one was
/// still pending.
pub async fn order_returned(order: u64) -> Result<bool, DeferError> {
    schedule_runtime::cancel::<review_request>(&order_key(order)).await
}

fn order_key(order: u64) -> String {
    format!("order-{order}")
}

//! Review requests: three days after an order ships, the customer is asked for a review.
//! [`shipment_feed`] reads the warehouse's shipping confirmations and calls [`order_shipped`]
//! for each (as the shop's web backend would from a webhook); the run is deferred to its time (a
//! one-time schedule in AWS, the state directory locally) and [`review_request`] sends the mail
//! then. An order returned before then cancels it ([`order_returned`]).

use std::time::Duration;

use schedule_runtime::defer::{DeferError, Deferred};
use schedule_runtime::{TaskContext, scheduled};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

use crate::{data, outside};

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

/// Sends the review request of one shipped order through SES from `SHOP_MAIL_FROM` (locally,
/// a line in the data folder's `sent-mail.log`); runs only when deferred. It runs in function
/// group `mail`, the only function whose role may send. Idempotent: a redelivered run of the
/// same order sends one mail.
#[scheduled(
    deferred,
    timezone = "Europe/Berlin",
    idempotent,
    retries = 2,
    function = "mail"
)]
pub async fn review_request(ctx: TaskContext, request: ReviewRequest) -> anyhow::Result<()> {
    let subject = format!("How was your order #{}?", request.order);
    match outside::setting("SHOP_MAIL_FROM") {
        Some(from) => send_mail(&from, &request.email, &subject).await?,
        None => {
            let log_path = data::dir()?.join("sent-mail.log");
            let mut log = std::fs::read_to_string(&log_path).unwrap_or_default();
            log.push_str(&format!(
                "{} to {}: {subject}\n",
                ctx.scheduled_time(),
                request.email
            ));
            data::write(&log_path, log.as_bytes())?;
        }
    }
    info!(order = request.order, "review request sent");
    Ok(())
}

/// One plain-text mail through SES v2's `SendEmail`.
async fn send_mail(from: &str, to: &str, subject: &str) -> anyhow::Result<()> {
    use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
    let text = |data: &str| Content::builder().data(data).charset("UTF-8").build();
    let message = Message::builder()
        .subject(text(subject)?)
        .body(
            Body::builder()
                .text(text(
                    "Thank you for your order. Tell us how it went: https://shop.example.com/reviews",
                )?)
                .build(),
        )
        .build();
    outside::ses()
        .await
        .send_email()
        .from_email_address(from)
        .destination(Destination::builder().to_addresses(to).build())
        .content(EmailContent::builder().simple(message).build())
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "sending the review request to {to} through SES: {}",
                aws_sdk_sesv2::error::DisplayErrorContext(e)
            )
        })?;
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

/// One of the warehouse's shipping confirmations (`shipments.json` in the data folder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// The order's number.
    pub order: u64,
    /// The customer's address.
    pub email: String,
}

fn sample_shipments() -> Vec<Shipment> {
    [(1001, "ada@example.com"), (1002, "grace@example.com")]
        .into_iter()
        .map(|(order, email)| Shipment {
            order,
            email: email.to_owned(),
        })
        .collect()
}

/// The warehouse's shipping confirmations, every 15 minutes: each shipped order gets its
/// review request deferred. A confirmation leaves the feed once its request is deferred; one
/// that could not be stays for the next run, and the run fails so that it shows (the order's
/// key makes deferring it twice harmless).
#[scheduled("rate(15 minutes)", retries = 0)]
pub async fn shipment_feed() -> anyhow::Result<usize> {
    let shipments: Vec<Shipment> = data::load("shipments.json", sample_shipments)?;
    let mut waiting = Vec::new();
    let mut deferred = 0;
    for shipment in shipments {
        match order_shipped(shipment.order, &shipment.email).await {
            Ok(run) => {
                info!(order = shipment.order, at = %run.at, new = run.created, "review request deferred");
                deferred += 1;
            }
            Err(error) => {
                warn!(order = shipment.order, %error, "review request not deferred");
                waiting.push(shipment);
            }
        }
    }
    data::save("shipments.json", &waiting)?;
    anyhow::ensure!(
        waiting.is_empty(),
        "{} of the shipments' review requests could not be deferred; they stay in the feed",
        waiting.len()
    );
    Ok(deferred)
}

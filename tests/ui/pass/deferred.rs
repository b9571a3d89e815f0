//! A task without a schedule: it runs when code defers it, with every option that applies.

use schedule_runtime::{Registry, TaskContext, scheduled};

// No `Default`: a deferred task's runs carry their input.
#[derive(serde::Deserialize)]
struct ReviewRequest {
    order: u64,
}

/// Asks a customer to review an order.
#[scheduled(
    deferred,
    timezone = "Europe/Berlin",
    retries = 1,
    max_age = "1h",
    timeout = "30s",
    idempotent,
    environments = ["production"],
    overlap = "skip"
)]
async fn review_request(_ctx: TaskContext, request: ReviewRequest) -> Result<u64, std::io::Error> {
    Ok(request.order)
}

fn main() {
    let registry = Registry::load().expect("a valid registry");
    let spec = registry.get("review-request").expect("registered").spec();
    assert_eq!(spec.expression, None);
    assert!(spec.schedule().is_none());
    assert_eq!(spec.description, Some("Asks a customer to review an order."));
    assert_eq!(spec.retries, 1);
}

//! How long a run may take. Both the claim (its lease) and the delivery (the run's deadline,
//! the running marker) measure from here, so the run always ends before the Lambda does.

use std::time::Duration;

use schedule_core::jiff::{SignedDuration, Timestamp};

/// How long before the Lambda's deadline a run is cut off, so that the error response (and the
/// release of the claim) still get out.
pub(super) const DEADLINE_MARGIN: SignedDuration = SignedDuration::from_millis(500);

/// How long a run may take: its timeout, cut short to end before the Lambda's deadline.
pub(super) fn run_budget(
    timeout_seconds: u32,
    now: Timestamp,
    deadline: Option<Timestamp>,
) -> Duration {
    let timeout = Duration::from_secs(timeout_seconds.into());
    let Some(deadline) = deadline else {
        return timeout;
    };
    let remaining = deadline.duration_since(now) - DEADLINE_MARGIN;
    let remaining = Duration::try_from(remaining).unwrap_or(Duration::ZERO);
    timeout.min(remaining)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_ends_half_a_second_before_the_lambda_or_at_its_timeout() {
        let now: Timestamp = "2026-03-29T01:00:00Z".parse().unwrap();
        let at = |seconds: i64| Some(now + SignedDuration::from_secs(seconds));
        // A local run has no deadline: the timeout.
        assert_eq!(run_budget(60, now, None), Duration::from_secs(60));
        // The Lambda ends first: its remaining time less the margin.
        assert_eq!(run_budget(60, now, at(10)), Duration::from_millis(9_500));
        // The timeout ends first.
        assert_eq!(run_budget(60, now, at(900)), Duration::from_secs(60));
        // Less than the margin left, or the deadline past: nothing.
        assert_eq!(
            run_budget(60, now, Some(now + SignedDuration::from_millis(400))),
            Duration::ZERO
        );
        assert_eq!(run_budget(60, now, at(-5)), Duration::ZERO);
    }
}

//! The runner's clock: wall-clock time that advances with tokio's timer.
//!
//! Anchoring a wall-clock instant to tokio's monotonic `Instant` once, at start, lets tests run a
//! day of schedules in milliseconds with tokio's paused time (`start_paused`), and keeps a
//! running process immune to the wall clock jumping (an NTP step, a laptop waking up changes
//! nothing until the next start).

use std::time::Duration;

use schedule_core::jiff::{SignedDuration, Timestamp};
use tokio::time::Instant;

/// Wall-clock time for the runner.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin: Instant,
    wall: Timestamp,
}

impl Clock {
    /// The clock of a runner starting now.
    pub fn start() -> Clock {
        Clock::starting_at(Timestamp::now())
    }

    /// A clock that reads `wall` now: for tests, with tokio's time paused.
    pub fn starting_at(wall: Timestamp) -> Clock {
        Clock {
            origin: Instant::now(),
            wall,
        }
    }

    /// The current instant.
    pub fn now(&self) -> Timestamp {
        let elapsed =
            SignedDuration::try_from(self.origin.elapsed()).unwrap_or(SignedDuration::MAX);
        self.wall.saturating_add(elapsed).unwrap_or(self.wall)
    }

    /// Sleeps until `instant` (returns at once when it has passed).
    pub async fn sleep_until(&self, instant: Timestamp) {
        let wait = instant.duration_since(self.now());
        if let Ok(wait) = Duration::try_from(wait) {
            tokio::time::sleep(wait).await;
        }
    }
}

//! Where daylight-saving changes meet a schedule: the scheduled wall-clock minutes that a
//! spring-forward skips (AWS does not run them that day) and those that a fall-back repeats
//! (AWS runs them once, at the first pass). Teams learn it in review, not at 02:30 on a Sunday.

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::schedule::Schedule;

/// One scheduled local minute that a DST change affects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DstChange {
    /// The wall-clock minute the expression names.
    pub local: DateTime,
    /// What the change does to it.
    pub kind: DstKind,
}

/// What a DST change does to a scheduled minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DstKind {
    /// The clocks jump over it: no run at that minute that day.
    Skipped,
    /// The clocks pass it twice: one run, at the first pass.
    Repeated,
}

impl std::fmt::Display for DstChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let when = self.local.strftime("%Y-%m-%d %H:%M");
        match self.kind {
            DstKind::Skipped => write!(f, "{when} skipped (clocks go forward)"),
            DstKind::Repeated => write!(f, "{when} runs once (clocks go back)"),
        }
    }
}

impl Schedule {
    /// The scheduled minutes that the zone's DST changes strictly after `after` and up to
    /// `until` skip or repeat, in order. A `rate()` is elapsed time and an `at()` fires once
    /// (moved forward out of a gap), so only `cron()` schedules have any.
    ///
    /// ```
    /// use schedule_core::{DstKind, Schedule, time_zone};
    /// let backup: Schedule = "cron(30 2 * * ? *)".parse()?;
    /// let berlin = time_zone("Europe/Berlin")?;
    /// let changes = backup.dst_changes("2026-11-30T00:00:00Z".parse()?, "2027-12-31T00:00:00Z".parse()?, &berlin);
    /// assert_eq!(changes[0].to_string(), "2027-03-28 02:30 skipped (clocks go forward)");
    /// assert_eq!(changes[1].kind, DstKind::Repeated); // 2027-10-31 02:30
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn dst_changes(&self, after: Timestamp, until: Timestamp, tz: &TimeZone) -> Vec<DstChange> {
        let Schedule::Cron(cron) = self else {
            return Vec::new();
        };
        let mut changes = Vec::new();
        for transition in tz.following(after) {
            let at = transition.timestamp();
            if at > until {
                break;
            }
            let new = transition.offset();
            let old = tz.to_offset(at - jiff::SignedDuration::from_secs(1));
            // A gap runs from the old offset's wall time to the new one's; a fold the reverse.
            let (start, end, kind) = match new.cmp(&old) {
                std::cmp::Ordering::Greater => {
                    (old.to_datetime(at), new.to_datetime(at), DstKind::Skipped)
                }
                std::cmp::Ordering::Less => {
                    (new.to_datetime(at), old.to_datetime(at), DstKind::Repeated)
                }
                // A change of abbreviation only.
                std::cmp::Ordering::Equal => continue,
            };
            changes.extend(
                cron.local_minutes_between(start, end)
                    .into_iter()
                    .map(|local| DstChange { local, kind }),
            );
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time_zone;

    fn changes(expression: &str, zone: &str) -> Vec<String> {
        let schedule: Schedule = expression.parse().expect(expression);
        let tz = time_zone(zone).expect(zone);
        let after = "2026-01-01T00:00:00Z".parse().expect("instant");
        let until = "2026-12-31T00:00:00Z".parse().expect("instant");
        schedule
            .dst_changes(after, until, &tz)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn finds_the_minutes_that_dst_skips_or_repeats() {
        // Europe/Berlin 2026: forward 02:00 -> 03:00 on 29 March, back 03:00 -> 02:00 on
        // 25 October (EU rules: the last Sundays of March and October, at 01:00 UTC).
        assert_eq!(
            changes("cron(30 2 * * ? *)", "Europe/Berlin"),
            [
                "2026-03-29 02:30 skipped (clocks go forward)",
                "2026-10-25 02:30 runs once (clocks go back)"
            ]
        );
        // Every 20 minutes: three minutes in each changed hour.
        let every_20 = changes("cron(0/20 * * * ? *)", "Europe/Berlin");
        assert_eq!(every_20.len(), 6, "{every_20:?}");
        assert_eq!(every_20[0], "2026-03-29 02:00 skipped (clocks go forward)");
        assert_eq!(every_20[5], "2026-10-25 02:40 runs once (clocks go back)");
        // Outside the changed hours, or in a zone without DST, or not wall-clock: none.
        assert!(changes("cron(0 8 * * ? *)", "Europe/Berlin").is_empty());
        assert!(changes("cron(30 2 * * ? *)", "Asia/Tokyo").is_empty());
        assert!(changes("cron(30 2 * * ? *)", "UTC").is_empty());
        assert!(changes("rate(1 hour)", "Europe/Berlin").is_empty());
        // New York changes at 02:00 local both ways (second Sunday of March, first of November).
        assert_eq!(
            changes("cron(15 1,2 ? * SUN *)", "America/New_York"),
            [
                "2026-03-08 02:15 skipped (clocks go forward)",
                "2026-11-01 01:15 runs once (clocks go back)"
            ]
        );
    }
}

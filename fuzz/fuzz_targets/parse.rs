//! Any text: the parser never panics, errors point inside the input, accepted expressions
//! round-trip through their canonical form, and evaluating one always terminates.

#![no_main]

use libfuzzer_sys::fuzz_target;
use schedule_core::Schedule;
use schedule_core::jiff::Timestamp;
use schedule_core::jiff::tz::TimeZone;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match text.parse::<Schedule>() {
        Ok(schedule) => {
            let canonical = schedule.to_string();
            let again: Schedule = canonical.parse().expect("canonical form parses");
            assert_eq!(again, schedule);
            let _ = schedule.describe();
            let after = Timestamp::from_second(1_790_000_000).expect("in range");
            let _ = schedule.fire_times(after, &TimeZone::UTC).take(3).count();
        }
        Err(e) => {
            assert!(text.get(e.span()).is_some(), "span outside the input");
            let _ = e.render(text);
        }
    }
});

//! The same schedule in classic five-field Unix cron, for tools that read only that dialect
//! (Healthchecks.io's cron checks, for one).

use std::fmt::Write;

use super::{Base, Cron, DayOfMonth, DayOfWeek, List};

impl Cron {
    /// This schedule as `minute hour day-of-month month day-of-week` in Unix cron (Sunday = 0,
    /// numbers only, no year), or `None` when Unix cron cannot say the same thing: a year other
    /// than `*`, `L`, `W`, `#`, or a range that wraps around (`22-2`), which Unix cron lacks.
    ///
    /// AWS's one `?` becomes `*`, which keeps the meaning: when one of the two day fields is `*`,
    /// Unix cron matches on the other alone. `5/15` becomes `5-59/15`, the portable spelling.
    ///
    /// ```
    /// use schedule_core::Schedule;
    ///
    /// let Schedule::Cron(cron) = "cron(0/15 9-17 ? * MON-FRI *)".parse()? else { unreachable!() };
    /// assert_eq!(cron.to_unix().as_deref(), Some("0-59/15 9-17 * * 1-5"));
    /// # Ok::<(), schedule_core::ParseError>(())
    /// ```
    pub fn to_unix(&self) -> Option<String> {
        if !is_star(&self.year) {
            return None;
        }
        let day_of_month = match &self.day_of_month {
            DayOfMonth::NoSpecific => "*".to_owned(),
            DayOfMonth::List(list) => unix_list(list, 31, 0)?,
            DayOfMonth::Last | DayOfMonth::LastWeekday | DayOfMonth::NearestWeekday(_) => {
                return None;
            }
        };
        let day_of_week = match &self.day_of_week {
            DayOfWeek::NoSpecific => "*".to_owned(),
            // AWS counts 1 = Sunday, Unix 0 = Sunday.
            DayOfWeek::List(list) => unix_list(list, 7, 1)?,
            DayOfWeek::Last | DayOfWeek::LastOf(_) | DayOfWeek::Nth(..) => return None,
        };
        Some(format!(
            "{} {} {} {} {}",
            unix_list(&self.minutes, 59, 0)?,
            unix_list(&self.hours, 23, 0)?,
            day_of_month,
            unix_list(&self.month, 12, 0)?,
            day_of_week,
        ))
    }
}

fn is_star(list: &List) -> bool {
    matches!(list.0.as_slice(), [item] if item.base == Base::All && item.step.is_none())
}

/// A field's list in Unix spelling: numbers lowered by `shift`, `v/n` written `v-max/n`.
fn unix_list(list: &List, max: u16, shift: u16) -> Option<String> {
    let mut out = String::new();
    for (i, item) in list.0.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item.base {
            Base::All => out.push('*'),
            Base::Value(v) if item.step.is_some() => {
                let _ = write!(out, "{}-{}", v.number - shift, max - shift);
            }
            Base::Value(v) => {
                let _ = write!(out, "{}", v.number - shift);
            }
            Base::Range(a, b) if a.number > b.number => return None,
            Base::Range(a, b) => {
                let _ = write!(out, "{}-{}", a.number - shift, b.number - shift);
            }
        }
        if let Some(step) = item.step {
            let _ = write!(out, "/{step}");
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use crate::Schedule;

    fn unix(expression: &str) -> Option<String> {
        match expression.parse::<Schedule>().unwrap() {
            Schedule::Cron(cron) => cron.to_unix(),
            other => panic!("not a cron: {other}"),
        }
    }

    #[test]
    fn translates_what_unix_cron_can_say() {
        assert_eq!(unix("cron(0 8 * * ? *)").as_deref(), Some("0 8 * * *"));
        assert_eq!(unix("cron(0 9 ? * MON *)").as_deref(), Some("0 9 * * 1"));
        assert_eq!(unix("cron(0 9 ? * 1,7 *)").as_deref(), Some("0 9 * * 0,6"));
        assert_eq!(
            unix("cron(30 2 1,15 JAN-MAR ? *)").as_deref(),
            Some("30 2 1,15 1-3 *")
        );
        assert_eq!(
            unix("cron(*/10 * * * ? *)").as_deref(),
            Some("*/10 * * * *")
        );
        assert_eq!(
            unix("cron(5/15 0-6/2 * * ? *)").as_deref(),
            Some("5-59/15 0-6/2 * * *")
        );
        assert_eq!(
            unix("cron(0 12 ? * SUN-SAT *)").as_deref(),
            Some("0 12 * * 0-6")
        );
    }

    #[test]
    fn declines_what_unix_cron_cannot_say() {
        for expression in [
            "cron(0 8 * * ? 2027)",
            "cron(0 8 L * ? *)",
            "cron(0 8 LW * ? *)",
            "cron(0 8 15W * ? *)",
            "cron(0 8 ? * 6L *)",
            "cron(0 8 ? * 2#1 *)",
            "cron(0 22-2 * * ? *)",
            "cron(0 8 ? * FRI-MON *)",
        ] {
            assert_eq!(unix(expression), None, "{expression}");
        }
    }
}

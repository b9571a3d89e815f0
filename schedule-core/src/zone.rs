//! IANA time zones from the database compiled into the binary.
//!
//! Lambda images carry no `/usr/share/zoneinfo`, and two machines with different system
//! databases would compute different fire times; so every lookup goes to the copy bundled by
//! jiff's `tzdb-bundle-always` feature.

use jiff::tz::{self, TimeZone};

/// A zone name that AWS would not accept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    /// Not in the IANA database.
    #[error("unknown time zone `{name}`{}", suggestion.as_ref().map(|s| format!("; did you mean `{s}`?")).unwrap_or_default())]
    Unknown {
        /// The rejected name.
        name: String,
        /// The closest known name, when one is close.
        suggestion: Option<String>,
    },
    /// A known zone spelled in the wrong case; AWS matches names exactly.
    #[error("time zone names are case-sensitive: write `{canonical}`, not `{name}`")]
    Case {
        /// The rejected name.
        name: String,
        /// The name as the database spells it.
        canonical: String,
    },
}

/// Looks up an IANA zone name (`Europe/London`, `UTC`) exactly as AWS would accept it.
///
/// ```
/// assert!(schedule_core::time_zone("Europe/Moscow").is_ok());
/// let err = schedule_core::time_zone("Europe/Londn").unwrap_err();
/// assert_eq!(err.to_string(), "unknown time zone `Europe/Londn`; did you mean `Europe/London`?");
/// ```
pub fn time_zone(name: &str) -> Result<TimeZone, ZoneError> {
    match tz::db().get(name) {
        Ok(zone) => match zone.iana_name() {
            Some(canonical) if canonical != name => Err(ZoneError::Case {
                name: name.to_owned(),
                canonical: canonical.to_owned(),
            }),
            _ => Ok(zone),
        },
        Err(_) => Err(ZoneError::Unknown {
            name: name.to_owned(),
            suggestion: closest(name, tz::db().available().map(|n| n.as_str().to_owned())),
        }),
    }
}

/// RFC 3339 to the second, with `tz`'s UTC offset at that instant:
/// `2026-03-29T02:00:00+01:00`. Fire times are whole minutes; a fraction (from a `rate()`
/// counted from an instant that has one) is dropped.
///
/// ```
/// let tz = schedule_core::time_zone("Europe/London")?;
/// let t: schedule_core::jiff::Timestamp = "2026-07-01T08:00:00.5Z".parse()?;
/// assert_eq!(schedule_core::format_instant(t, &tz), "2026-07-01T09:00:00+01:00");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn format_instant(instant: jiff::Timestamp, tz: &TimeZone) -> String {
    format_zoned(&instant.to_zoned_datetime(tz.clone()))
}

/// [`format_instant`] of a zoned instant: RFC 3339 to the second, in its zone's offset.
pub fn format_zoned(zoned: &jiff::ZonedDateTime) -> String {
    zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

/// The candidate within a small edit distance of `name`, if any: a "did you mean" for typos.
pub fn closest<I, S>(name: &str, candidates: I) -> Option<S>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let limit = (name.chars().count() / 3).clamp(1, 4);
    candidates
        .into_iter()
        .map(|c| {
            (
                edit_distance(&name.to_lowercase(), &c.as_ref().to_lowercase()),
                c,
            )
        })
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_names_resolve_and_near_misses_are_explained() {
        assert!(time_zone("UTC").is_ok());
        assert!(time_zone("America/Los_Angeles").is_ok());
        assert_eq!(
            time_zone("europe/london").unwrap_err(),
            ZoneError::Case {
                name: "europe/london".into(),
                canonical: "Europe/London".into()
            }
        );
        assert!(matches!(
            time_zone("Mars/Olympus_Mons"),
            Err(ZoneError::Unknown {
                suggestion: None,
                ..
            })
        ));
    }

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}

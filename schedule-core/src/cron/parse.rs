//! The parser for the inside of `cron(...)`.
//!
//! Grammar (AWS's documented dialect, as the crate docs summarise it):
//!
//! ```text
//! fields    := min " " hour " " dom " " month " " dow " " year
//! list      := item ("," item)*          ; `*` and `*/n` only alone
//! item      := base ("/" step)?
//! base      := "*" | value | value "-" value   ; a range may wrap around: 20-2
//! dom       := "?" | "L" | "LW" | n "W" | list
//! dow       := "?" | "L" | d "L" | d "#" n | list   ; no steps in day-of-week
//! ```
//!
//! Names (`JAN`, `mon`) and the letters `L` and `W` are case-insensitive, as on AWS. Choices
//! where AWS is silent, all on the strict side: exactly one space between fields; no `L-n`;
//! `L`, `LW`, `nW`, `nL` and `d#n` stand alone; a step is at most the field's largest value
//! (Quartz's limits), and 229 in years.

use super::sets::{Compiled, MAX_YEAR, MIN_YEAR};
use super::{Base, Cron, DayOfMonth, DayOfWeek, Item, List, MONTH_NAMES, Value, WEEKDAY_NAMES};
use crate::error::{ErrorKind, Field, ParseError};

/// Parses the text between the parentheses of `cron(...)`, which starts at byte `offset` of the
/// whole expression (so that error spans index the expression).
pub(crate) fn parse(body: &str, offset: usize) -> Result<Cron, ParseError> {
    let fields = split_fields(body, offset)?;
    let [min, hour, dom, month, dow, year] = fields;
    let minutes = FieldText::new(Field::Minutes, min).list()?;
    let hours = FieldText::new(Field::Hours, hour).list()?;
    let day_of_month = FieldText::new(Field::DayOfMonth, dom).day_of_month()?;
    let month = FieldText::new(Field::Month, month).list()?;
    let day_of_week = FieldText::new(Field::DayOfWeek, dow).day_of_week()?;
    let year = FieldText::new(Field::Year, year).list()?;

    let dom_span = dom.1..dom.1 + dom.0.len();
    let both = dom.1..dow.1 + dow.0.len();
    match (&day_of_month, &day_of_week) {
        (DayOfMonth::NoSpecific, DayOfWeek::NoSpecific) => {
            return Err(ParseError::new(ErrorKind::BothDayFieldsAreQuestion, both));
        }
        (DayOfMonth::NoSpecific, _) | (_, DayOfWeek::NoSpecific) => {}
        _ => {
            let span = if dom.0 == "*" { dom_span } else { both };
            return Err(ParseError::new(ErrorKind::NeitherDayFieldIsQuestion, span));
        }
    }

    let compiled = Compiled::new(&minutes, &hours, &day_of_month, &month, &day_of_week, &year);
    Ok(Cron {
        minutes,
        hours,
        day_of_month,
        month,
        day_of_week,
        year,
        compiled,
    })
}

/// Splits the body into its six fields, each with its byte offset in the expression.
fn split_fields(body: &str, offset: usize) -> Result<[(&str, usize); 6], ParseError> {
    if body.is_empty() {
        // Point at the empty parentheses.
        return Err(ParseError::new(
            ErrorKind::FieldCount { found: 0 },
            offset - 1..offset + 1,
        ));
    }
    if let Some(at) = body.find(|c: char| c.is_whitespace() && c != ' ') {
        let len = body[at..].chars().next().map_or(1, char::len_utf8);
        return Err(ParseError::new(
            ErrorKind::Spacing,
            offset + at..offset + at + len,
        ));
    }
    let mut fields = [("", 0); 6];
    let mut found = 0;
    let mut start = 0;
    for part in body.split(' ') {
        if part.is_empty() {
            // A doubled, leading or trailing space: point at it.
            let at = offset + start.min(body.len().saturating_sub(1));
            return Err(ParseError::new(ErrorKind::Spacing, at..at + 1));
        }
        if let Some(slot) = fields.get_mut(found) {
            *slot = (part, offset + start);
        }
        found += 1;
        start += part.len() + 1;
    }
    if found != 6 {
        return Err(ParseError::new(
            ErrorKind::FieldCount { found },
            offset..offset + body.len(),
        ));
    }
    Ok(fields)
}

/// One field's text and where it starts in the expression.
struct FieldText<'a> {
    field: Field,
    text: &'a str,
    offset: usize,
}

impl<'a> FieldText<'a> {
    fn new(field: Field, (text, offset): (&'a str, usize)) -> Self {
        FieldText {
            field,
            text,
            offset,
        }
    }

    fn error(&self, kind: ErrorKind, at: usize, len: usize) -> ParseError {
        ParseError::new(kind, self.offset + at..self.offset + at + len)
    }

    fn whole(&self, kind: ErrorKind) -> ParseError {
        self.error(kind, 0, self.text.len())
    }

    /// The field's text in upper case, in `buffer`: the letters `L`, `W` and names are
    /// case-insensitive, and parsing happens often enough (every registry load, every
    /// benchmark) that it should not allocate for it.
    fn upper<'b>(&self, buffer: &'b mut [u8; crate::MAX_EXPRESSION_LEN]) -> &'b str {
        // The expression is at most MAX_EXPRESSION_LEN bytes, so the field fits.
        let upper = &mut buffer[..self.text.len()];
        upper.copy_from_slice(self.text.as_bytes());
        upper.make_ascii_uppercase();
        // Upper-casing ASCII letters keeps UTF-8 valid; the fallback is unreachable.
        std::str::from_utf8(upper).unwrap_or_default()
    }

    /// Rejects any character the field never accepts, pointing at it.
    fn check_chars(&self) -> Result<(), ParseError> {
        for (at, ch) in self.text.char_indices() {
            let ok = match ch.to_ascii_uppercase() {
                '0'..='9' | ',' | '-' | '*' => true,
                '/' => self.field != Field::DayOfWeek,
                '?' => matches!(self.field, Field::DayOfMonth | Field::DayOfWeek),
                '#' => self.field == Field::DayOfWeek,
                'L' => matches!(
                    self.field,
                    Field::DayOfMonth | Field::DayOfWeek | Field::Month
                ),
                'W' => matches!(self.field, Field::DayOfMonth | Field::DayOfWeek),
                'A'..='Z' => matches!(self.field, Field::Month | Field::DayOfWeek),
                _ => false,
            };
            if !ok {
                // Letters outside named fields read better as a bad value than a bad character.
                if ch.is_ascii_alphabetic() && !matches!(ch.to_ascii_uppercase(), 'L' | 'W') {
                    return Err(self.whole(ErrorKind::InvalidValue {
                        field: self.field,
                        found: self.text.to_owned(),
                    }));
                }
                return Err(self.error(
                    ErrorKind::CharNotAllowed {
                        field: self.field,
                        ch,
                    },
                    at,
                    ch.len_utf8(),
                ));
            }
        }
        Ok(())
    }

    fn day_of_month(&self) -> Result<DayOfMonth, ParseError> {
        self.check_chars()?;
        let mut buffer = [0; crate::MAX_EXPRESSION_LEN];
        let upper = self.upper(&mut buffer);
        match upper {
            "?" => return Ok(DayOfMonth::NoSpecific),
            "L" => return Ok(DayOfMonth::Last),
            "LW" => return Ok(DayOfMonth::LastWeekday),
            _ => {}
        }
        if upper.starts_with("L-") {
            return Err(self.whole(ErrorKind::LastOffset));
        }
        if let Some(special) = self.misplaced_special(upper, &["LW", "L", "W"]) {
            return Err(special);
        }
        if let Some(day) = upper.strip_suffix('W') {
            let value = self.number(day, 0, 1, 31)?;
            return Ok(DayOfMonth::NearestWeekday(value as u8));
        }
        if upper.contains('L') {
            // `5L` and the like: `L` has no prefix in day-of-month.
            return Err(self.whole(ErrorKind::InvalidValue {
                field: self.field,
                found: self.text.to_owned(),
            }));
        }
        Ok(DayOfMonth::List(self.list_unchecked()?))
    }

    fn day_of_week(&self) -> Result<DayOfWeek, ParseError> {
        self.check_chars()?;
        let mut buffer = [0; crate::MAX_EXPRESSION_LEN];
        let upper = self.upper(&mut buffer);
        match upper {
            "?" => return Ok(DayOfWeek::NoSpecific),
            "L" => return Ok(DayOfWeek::Last),
            _ => {}
        }
        if let Some(special) = self.misplaced_special(upper, &["#", "L"]) {
            return Err(special);
        }
        if let Some((day, nth)) = self.text.split_once('#') {
            let weekday = self.value(day, 0)?;
            let at = day.len() + 1;
            let n = match nth.parse::<u8>() {
                Ok(n @ 1..=5) if nth.bytes().all(|b| b.is_ascii_digit()) => n,
                // With nothing after `#`, point at the `#` itself.
                _ if nth.is_empty() => {
                    return Err(self.error(
                        ErrorKind::InvalidOccurrence {
                            found: nth.to_owned(),
                        },
                        at - 1,
                        1,
                    ));
                }
                _ => {
                    return Err(self.error(
                        ErrorKind::InvalidOccurrence {
                            found: nth.to_owned(),
                        },
                        at,
                        nth.len(),
                    ));
                }
            };
            return Ok(DayOfWeek::Nth(weekday, n));
        }
        if upper.ends_with('L') && !upper.ends_with("JUL") {
            let day = &self.text[..self.text.len() - 1];
            return Ok(DayOfWeek::LastOf(self.value(day, 0)?));
        }
        Ok(DayOfWeek::List(self.list_unchecked()?))
    }

    /// When one of the stand-alone forms appears inside a list, range or step, the error for it.
    fn misplaced_special(&self, upper: &str, specials: &[&'static str]) -> Option<ParseError> {
        if !upper.contains([',', '-', '/']) {
            return None;
        }
        // In day-of-week, `L` may legitimately end the name `JUL`: months are not allowed there,
        // but the error for that is a clearer "not a valid value", so do not claim it here.
        let special = specials.iter().find(|s| {
            upper
                .match_indices(**s)
                .any(|(at, _)| !(at >= 2 && &upper[at - 2..at + 1] == "JUL"))
        })?;
        Some(self.whole(ErrorKind::MustStandAlone {
            field: self.field,
            special,
        }))
    }

    fn list(&self) -> Result<List, ParseError> {
        self.check_chars()?;
        self.list_unchecked()
    }

    fn list_unchecked(&self) -> Result<List, ParseError> {
        let mut items = Vec::new();
        let mut at = 0;
        for part in self.text.split(',') {
            if part.is_empty() {
                return Err(self.error(
                    ErrorKind::EmptyValue {
                        field: self.field,
                        found: self.text.to_owned(),
                    },
                    at.min(self.text.len().saturating_sub(1)),
                    1,
                ));
            }
            items.push(self.item(part, at)?);
            at += part.len() + 1;
        }
        if items.len() > 1 && items.iter().any(|item| item.base == Base::All) {
            return Err(self.whole(ErrorKind::MustStandAlone {
                field: self.field,
                special: "*",
            }));
        }
        Ok(List(items))
    }

    /// One list item starting at byte `at` of the field.
    fn item(&self, text: &str, at: usize) -> Result<Item, ParseError> {
        let (base_text, step) = match text.split_once('/') {
            Some((base, step)) => {
                let step_at = at + base.len() + 1;
                (base, Some(self.step(step, step_at)?))
            }
            None => (text, None),
        };
        let base = if base_text == "*" {
            Base::All
        } else if let Some((from, to)) = base_text.split_once('-') {
            let a = self.value(from, at)?;
            let b = self.value(to, at + from.len() + 1)?;
            if self.field == Field::Year && b.number < a.number {
                return Err(self.error(
                    ErrorKind::YearRangeBackwards {
                        found: base_text.to_owned(),
                    },
                    at,
                    base_text.len(),
                ));
            }
            Base::Range(a, b)
        } else {
            Base::Value(self.value(base_text, at)?)
        };
        Ok(Item { base, step })
    }

    fn step(&self, text: &str, at: usize) -> Result<u16, ParseError> {
        let max = match self.field {
            Field::Minutes => 59,
            Field::Hours => 23,
            Field::DayOfMonth => 31,
            Field::Month => 12,
            Field::DayOfWeek => 7,
            Field::Year => (MAX_YEAR - MIN_YEAR) as u16,
        };
        match text.parse::<u16>() {
            Ok(step) if (1..=max).contains(&step) && text.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(step)
            }
            _ => Err(self.error(
                ErrorKind::InvalidStep {
                    field: self.field,
                    found: text.to_owned(),
                    max,
                },
                at,
                text.len().max(1),
            )),
        }
    }

    /// A number or, in month and day-of-week, a name, starting at byte `at` of the field.
    fn value(&self, text: &str, at: usize) -> Result<Value, ParseError> {
        let names: &[&str] = match self.field {
            Field::Month => &MONTH_NAMES,
            Field::DayOfWeek => &WEEKDAY_NAMES,
            _ => &[],
        };
        if let Some(index) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
            return Ok(Value {
                number: index as u16 + 1,
                named: true,
            });
        }
        let (min, max) = match self.field {
            Field::Minutes => (0, 59),
            Field::Hours => (0, 23),
            Field::DayOfMonth => (1, 31),
            Field::Month => (1, 12),
            Field::DayOfWeek => (1, 7),
            Field::Year => (MIN_YEAR as u16, MAX_YEAR as u16),
        };
        let number = self.number(text, at, min, max)?;
        Ok(Value {
            number,
            named: false,
        })
    }

    fn number(&self, text: &str, at: usize, min: u16, max: u16) -> Result<u16, ParseError> {
        if text == "*" {
            return Err(self.whole(ErrorKind::MustStandAlone {
                field: self.field,
                special: "*",
            }));
        }
        if text.is_empty() {
            return Err(self.error(
                ErrorKind::EmptyValue {
                    field: self.field,
                    found: self.text.to_owned(),
                },
                at.min(self.text.len().saturating_sub(1)),
                1,
            ));
        }
        if !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.error(
                ErrorKind::InvalidValue {
                    field: self.field,
                    found: text.to_owned(),
                },
                at,
                text.len(),
            ));
        }
        // Leading zeros are accepted (`05`), as AWS does; more than four digits is out of range
        // in every field, which also keeps the parse from overflowing.
        let number = text.parse::<u16>().ok().filter(|n| (min..=max).contains(n));
        number.ok_or_else(|| {
            self.error(
                ErrorKind::OutOfRange {
                    field: self.field,
                    value: text.to_owned(),
                },
                at,
                text.len(),
            )
        })
    }
}

//! Parse errors that a person can act on: what is wrong, where, and what would be valid.

use std::fmt;
use std::ops::Range;

/// One field of a `cron(...)` expression, in the order AWS expects them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// Field 1: minutes, 0-59.
    Minutes,
    /// Field 2: hours, 0-23.
    Hours,
    /// Field 3: day of the month, 1-31.
    DayOfMonth,
    /// Field 4: month, 1-12 or `JAN`-`DEC`.
    Month,
    /// Field 5: day of the week, 1-7 or `SUN`-`SAT`, where 1 is Sunday.
    DayOfWeek,
    /// Field 6: year, 1970-2199.
    Year,
}

impl Field {
    /// All fields in expression order.
    pub const ALL: [Field; 6] = [
        Field::Minutes,
        Field::Hours,
        Field::DayOfMonth,
        Field::Month,
        Field::DayOfWeek,
        Field::Year,
    ];

    /// The field's name as used in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Field::Minutes => "minutes",
            Field::Hours => "hours",
            Field::DayOfMonth => "day-of-month",
            Field::Month => "month",
            Field::DayOfWeek => "day-of-week",
            Field::Year => "year",
        }
    }

    /// What the field accepts, as a sentence fragment for messages.
    pub const fn allowed(self) -> &'static str {
        match self {
            Field::Minutes => "0-59 and `, - * /`",
            Field::Hours => "0-23 and `, - * /`",
            Field::DayOfMonth => "1-31 and `, - * ? / L W`",
            Field::Month => "1-12 or JAN-DEC and `, - * /`",
            Field::DayOfWeek => "1-7 or SUN-SAT (1 is Sunday) and `, - * ? L #`",
            Field::Year => "1970-2199 and `, - * /`",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why an expression was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Nothing to parse.
    #[error("the expression is empty; write `cron(...)`, `rate(...)` or `at(...)`")]
    Empty,
    /// AWS limits `schedule_expression` to 256 characters.
    #[error("the expression is {len} characters long; AWS accepts at most 256")]
    TooLong {
        /// Length of the rejected expression.
        len: usize,
    },
    /// The text does not start with a known schedule type.
    #[error("unknown schedule type `{found}`; write `cron(...)`, `rate(...)` or `at(...)`")]
    UnknownType {
        /// The offending prefix.
        found: String,
    },
    /// `CRON(`, `Rate(` and the like: AWS documents only the lower-case keyword.
    #[error("write `{keyword}(` in lower case; AWS documents only the lower-case keyword")]
    KeywordCase {
        /// The keyword, in lower case.
        keyword: &'static str,
    },
    /// No `)` closes the expression.
    #[error("missing `)` at the end of the expression")]
    MissingCloseParen,
    /// Something follows the closing parenthesis.
    #[error("unexpected `{}` after the closing `)`", found.escape_debug())]
    TrailingText {
        /// The text after `)`.
        found: String,
    },
    /// Spaces other than exactly one between fields.
    #[error("separate the fields with exactly one space, with none after `(` or before `)`")]
    Spacing,
    /// A cron expression with the wrong number of fields.
    #[error(
        "cron takes 6 fields (minutes hours day-of-month month day-of-week year), found {found}{}",
        if *found == 5 { "; add the year field, e.g. `cron(0 8 * * ? *)`" } else { "" }
    )]
    FieldCount {
        /// How many fields were found.
        found: usize,
    },
    /// A character that this field never accepts.
    #[error("`{ch}` is not allowed in the {field} field, which takes {}", field.allowed())]
    CharNotAllowed {
        /// The field.
        field: Field,
        /// The character.
        ch: char,
    },
    /// A value that is neither a number nor a name the field knows.
    #[error("`{found}` is not a valid {field} value; {field} takes {}", field.allowed())]
    InvalidValue {
        /// The field.
        field: Field,
        /// The offending text.
        found: String,
    },
    /// A number outside the field's range.
    #[error("{value} is out of range for {field}, which takes {}", field.allowed())]
    OutOfRange {
        /// The field.
        field: Field,
        /// The offending text.
        value: String,
    },
    /// Something missing around `,`, `-` or `/`.
    #[error("empty value in the {field} field near `{found}`")]
    EmptyValue {
        /// The field.
        field: Field,
        /// The text around the gap.
        found: String,
    },
    /// A step after `/` that is zero, not a number, or larger than the field.
    #[error(
        "the step after `/` in {field} must be a whole number from 1 to {max}, found `{found}`"
    )]
    InvalidStep {
        /// The field.
        field: Field,
        /// The offending text.
        found: String,
        /// The largest step the field accepts.
        max: u16,
    },
    /// `*`, `L`, `LW`, `nW`, `nL` or `d#n` combined with other items.
    #[error(
        "`{special}` must stand alone in the {field} field; it cannot be combined with `,`, `-` or `/`"
    )]
    MustStandAlone {
        /// The field.
        field: Field,
        /// The special form, e.g. `#`.
        special: &'static str,
    },
    /// `2027-2026`: years cannot wrap around.
    #[error("the year range `{found}` runs backwards; write the earlier year first")]
    YearRangeBackwards {
        /// The range as written.
        found: String,
    },
    /// `d#n` with n outside 1-5.
    #[error(
        "the occurrence after `#` must be 1-5 (a month has at most five of each weekday), found `{found}`"
    )]
    InvalidOccurrence {
        /// The offending text.
        found: String,
    },
    /// `L-3`: Quartz supports it, AWS does not document it.
    #[error(
        "`L-n` (days before the last day) is not documented by AWS; use `L` alone or list the days"
    )]
    LastOffset,
    /// Neither day field is `?`.
    #[error(
        "one of day-of-month and day-of-week must be `?`; write `cron(0 8 * * ? *)` for every day or `cron(0 8 ? * MON-FRI *)` for weekdays"
    )]
    NeitherDayFieldIsQuestion,
    /// Both day fields are `?`.
    #[error(
        "day-of-month and day-of-week cannot both be `?`; put `*` in one of them for every day"
    )]
    BothDayFieldsAreQuestion,
    /// `rate(...)` without the `value unit` shape.
    #[error("write `rate(<value> <unit>)` with one space, e.g. `rate(5 minutes)`")]
    RateFormat,
    /// The rate's value is not a positive whole number.
    #[error("the rate value must be a whole number from 1 to 4294967295, found `{found}`")]
    RateValue {
        /// The offending text.
        found: String,
    },
    /// Not one of the six unit spellings.
    #[error("unknown rate unit `{found}`; use `minute(s)`, `hour(s)` or `day(s)` in lower case")]
    RateUnit {
        /// The offending text.
        found: String,
    },
    /// `rate(5 minute)`: a value above 1 takes the plural unit.
    #[error("a value above 1 takes the plural unit: write `rate({value} {plural})`")]
    RatePlural {
        /// The value.
        value: u32,
        /// The unit's plural spelling.
        plural: &'static str,
    },
    /// `at(...)` whose content is not `yyyy-mm-ddThh:mm:ss`.
    #[error(
        "write `at(yyyy-mm-ddThh:mm:ss)`, a local date and time such as `at(2026-05-01T09:00:00)`, found `{found}`"
    )]
    AtFormat {
        /// The offending text.
        found: String,
    },
    /// `at(...Z)` or `at(...+02:00)`: the zone is set separately.
    #[error(
        "`at()` takes a local date and time without `Z` or an offset; set the time zone separately"
    )]
    AtOffset,
    /// A well-formed but impossible date or time, like February 30th.
    #[error("`{found}` is not a valid date and time: {reason}")]
    AtInvalid {
        /// The offending text.
        found: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// A rejected schedule expression: what is wrong and the byte range it concerns.
///
/// The range indexes the expression as given to the parser, so a caller that holds the expression
/// inside a larger text (a proc macro's string literal, a line of Terraform) can point at the exact
/// characters. [`ParseError::render`] draws that pointer for a terminal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    kind: ErrorKind,
    span: Range<usize>,
    field: Option<Field>,
}

impl ParseError {
    pub(crate) fn new(kind: ErrorKind, span: Range<usize>) -> Self {
        let field = match &kind {
            ErrorKind::CharNotAllowed { field, .. }
            | ErrorKind::InvalidValue { field, .. }
            | ErrorKind::OutOfRange { field, .. }
            | ErrorKind::EmptyValue { field, .. }
            | ErrorKind::InvalidStep { field, .. }
            | ErrorKind::MustStandAlone { field, .. } => Some(*field),
            ErrorKind::YearRangeBackwards { .. } => Some(Field::Year),
            ErrorKind::InvalidOccurrence { .. } => Some(Field::DayOfWeek),
            ErrorKind::LastOffset => Some(Field::DayOfMonth),
            _ => None,
        };
        ParseError { kind, span, field }
    }

    /// What is wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Byte range of the offending text within the expression.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// The cron field at fault, when the error concerns one field.
    pub fn field(&self) -> Option<Field> {
        self.field
    }

    /// The message followed by the expression with the offending text underlined, for terminals.
    ///
    /// ```
    /// let expr = "cron(0 9 ? * 0 *)";
    /// let err = expr.parse::<schedule_core::Schedule>().unwrap_err();
    /// assert_eq!(
    ///     err.render(expr),
    ///     "0 is out of range for day-of-week, which takes 1-7 or SUN-SAT (1 is Sunday) and `, - * ? L #`\n  \
    ///      cron(0 9 ? * 0 *)\n               ^"
    /// );
    /// ```
    pub fn render(&self, expression: &str) -> String {
        // Columns count characters, not bytes, so the caret lines up under non-ASCII input.
        let column = |byte: usize| {
            expression
                .get(..byte.min(expression.len()))
                .map_or(byte, |prefix| prefix.chars().count())
        };
        let start = column(self.span.start);
        let width = column(self.span.end).saturating_sub(start).max(1);
        format!(
            "{}\n  {expression}\n  {}{}",
            self.kind,
            " ".repeat(start),
            "^".repeat(width)
        )
    }
}

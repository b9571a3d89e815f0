//! What the parser accepts (and how it spells it back) and what it rejects (and where it points).

use schedule_core::{ErrorKind, Field, Schedule};

/// `input` parses and prints as `canonical`, which parses back to the same value.
#[track_caller]
fn accepts(input: &str, canonical: &str) {
    let schedule: Schedule = input
        .parse()
        .unwrap_or_else(|e: schedule_core::ParseError| {
            panic!("{input} rejected: {}", e.render(input))
        });
    assert_eq!(schedule.to_string(), canonical, "canonical form of {input}");
    let again: Schedule = canonical.parse().expect("canonical form parses");
    assert_eq!(again, schedule, "round trip of {input}");
}

/// `input` is rejected with an error matching `kind`, pointing at the text `at`.
#[track_caller]
fn rejects(input: &str, kind: impl Fn(&ErrorKind) -> bool, at: &str) {
    let err = match input.parse::<Schedule>() {
        Ok(s) => panic!("{input} accepted as {s}"),
        Err(e) => e,
    };
    assert!(
        kind(err.kind()),
        "{input}: unexpected error {:?}",
        err.kind()
    );
    assert_eq!(
        &input[err.span()],
        at,
        "{input}: span of {}",
        err.render(input)
    );
}

#[test]
fn accepts_aws_documented_expressions() {
    let expressions = [
        "cron(0 8 * * ? *)",
        "cron(0 18 ? * MON-FRI *)",
        "cron(0/15 * * * ? *)",
        "cron(0 8 1 * ? *)",
        "cron(15 10 ? * 6L 2022-2023)",
        "cron(0 9 ? * 2#1 *)",
        "cron(0 12 L * ? *)",
        "cron(0 12 15W * ? *)",
        "cron(0 10 * * ? *)",
        "cron(15 12 * * ? *)",
        "cron(0/10 * ? * MON-FRI *)",
        "cron(0/5 8-17 ? * MON-FRI *)",
        "cron(0 20-2 ? * MON-FRI *)",
        "cron(0 0 ? JAN,FEB,MAR * *)",
        "cron(* * * * ? *)",
        "cron(0 12 LW * ? *)",
        "cron(0 0 1-15 * ? *)",
        "cron(0-15/1 * * * ? *)",
        "cron(0 0 1-31/30 * ? *)",
        "cron(*/5 * * * ? *)",
        "cron(59 23 31 12 ? 2199)",
        "cron(0 0 1 1 ? 1970)",
        "rate(1 minute)",
        "rate(5 minutes)",
        "rate(1 hour)",
        "rate(12 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "at(2022-11-20T13:00:00)",
        "at(2026-02-28T23:59:59)",
    ];
    for (i, expression) in expressions.iter().enumerate() {
        assert!(
            !expressions[..i].contains(expression),
            "{expression} is listed twice"
        );
        accepts(expression, expression);
    }
}

#[test]
fn canonical_form_normalises_spelling() {
    accepts("cron(0 18 ? * mon-fri *)", "cron(0 18 ? * MON-FRI *)");
    accepts("cron(0 0 ? jan,Feb,MAR * *)", "cron(0 0 ? JAN,FEB,MAR * *)");
    accepts("cron(05 08 01 * ? *)", "cron(5 8 1 * ? *)");
    accepts("cron(0 12 l * ? *)", "cron(0 12 L * ? *)");
    accepts("cron(0 12 lw * ? *)", "cron(0 12 LW * ? *)");
    accepts("cron(0 12 15w * ? *)", "cron(0 12 15W * ? *)");
    accepts("cron(0 9 ? * fri#3 *)", "cron(0 9 ? * FRI#3 *)");
    accepts("cron(0 9 ? * 6l *)", "cron(0 9 ? * 6L *)");
    accepts("cron(0 9 ? * friL *)", "cron(0 9 ? * FRIL *)");
    accepts("cron(0 9 ? * l *)", "cron(0 9 ? * L *)");
    accepts(
        "cron(0 0 ? * sun,SAT 2026,2028-2030)",
        "cron(0 0 ? * SUN,SAT 2026,2028-2030)",
    );
    accepts("cron(0 0 1 nov-feb ? *)", "cron(0 0 1 NOV-FEB ? *)");
    accepts("cron(0 0 1 1/3 ? 2030/5)", "cron(0 0 1 1/3 ? 2030/5)");
    accepts("rate(1 hours)", "rate(1 hour)");
    accepts("rate(1 minutes)", "rate(1 minute)");
    accepts("rate(1 days)", "rate(1 day)");
    accepts("rate(05 minutes)", "rate(5 minutes)");
}

#[test]
fn rejects_what_aws_documents_as_invalid() {
    rejects(
        "cron(0 9 * * MON *)",
        |k| matches!(k, ErrorKind::NeitherDayFieldIsQuestion),
        "*",
    );
    rejects(
        "cron(0 9 * * * *)",
        |k| matches!(k, ErrorKind::NeitherDayFieldIsQuestion),
        "*",
    );
    rejects(
        "cron(0 9 ? * ? *)",
        |k| matches!(k, ErrorKind::BothDayFieldsAreQuestion),
        "? * ?",
    );
    rejects(
        "cron(0 9 * * *)",
        |k| matches!(k, ErrorKind::FieldCount { found: 5 }),
        "0 9 * * *",
    );
    rejects(
        "cron(0 9 ? * 0 *)",
        |k| {
            matches!(
                k,
                ErrorKind::OutOfRange {
                    field: Field::DayOfWeek,
                    ..
                }
            )
        },
        "0",
    );
    rejects(
        "cron(0 9 ? * 3#1,6#3 *)",
        |k| matches!(k, ErrorKind::MustStandAlone { special: "#", .. }),
        "3#1,6#3",
    );
}

#[test]
fn rejects_values_outside_each_fields_range() {
    let out = |field| move |k: &ErrorKind| matches!(k, ErrorKind::OutOfRange { field: f, .. } if *f == field);
    rejects("cron(60 * * * ? *)", out(Field::Minutes), "60");
    rejects("cron(0 24 * * ? *)", out(Field::Hours), "24");
    rejects("cron(0 0 0 * ? *)", out(Field::DayOfMonth), "0");
    rejects("cron(0 0 32 * ? *)", out(Field::DayOfMonth), "32");
    rejects("cron(0 0 1 0 ? *)", out(Field::Month), "0");
    rejects("cron(0 0 1 13 ? *)", out(Field::Month), "13");
    rejects("cron(0 0 ? * 8 *)", out(Field::DayOfWeek), "8");
    rejects("cron(0 0 1 * ? 1969)", out(Field::Year), "1969");
    rejects("cron(0 0 1 * ? 2200)", out(Field::Year), "2200");
    rejects("cron(0 0 1 * ? 2026-2200)", out(Field::Year), "2200");
    rejects("cron(0 0 1 * ? 99999)", out(Field::Year), "99999");
    rejects(
        "cron(0 0 1 * ? 18446744073709551617)",
        out(Field::Year),
        "18446744073709551617",
    );
    rejects("cron(5,70 0 1 * ? *)", out(Field::Minutes), "70");
    rejects("cron(0 0 32W * ? *)", out(Field::DayOfMonth), "32");
    rejects("cron(0 0 0W * ? *)", out(Field::DayOfMonth), "0");
    rejects("cron(0 0 ? * 8L *)", out(Field::DayOfWeek), "8");
    rejects("cron(0 0 ? * 0#2 *)", out(Field::DayOfWeek), "0");
}

#[test]
fn rejects_special_characters_where_aws_does_not_allow_them() {
    let ch = |c: char, field: Field| move |k: &ErrorKind| matches!(k, ErrorKind::CharNotAllowed { ch, field: f } if *ch == c && *f == field);
    rejects("cron(? 0 * * ? *)", ch('?', Field::Minutes), "?");
    rejects("cron(0 ? * * ? *)", ch('?', Field::Hours), "?");
    rejects("cron(0 0 * ? ? *)", ch('?', Field::Month), "?");
    rejects("cron(0 0 * * ? ?)", ch('?', Field::Year), "?");
    rejects("cron(0 0 * * ? L)", ch('L', Field::Year), "L");
    rejects("cron(L 0 * * ? *)", ch('L', Field::Minutes), "L");
    rejects("cron(0 0 ? * 1/2 *)", ch('/', Field::DayOfWeek), "/");
    rejects("cron(0 0 ? * MON-FRI/2 *)", ch('/', Field::DayOfWeek), "/");
    rejects("cron(0 0 1#2 * ? *)", ch('#', Field::DayOfMonth), "#");
    rejects("cron(0 0 1 * ? 2026#1)", ch('#', Field::Year), "#");
    rejects("cron(0 0 1 * ? *!)", ch('!', Field::Year), "!");
    rejects("cron(0 0 1 * ? 2026é)", ch('é', Field::Year), "é");
}

#[test]
fn rejects_misused_special_forms() {
    rejects(
        "cron(0 0 L-3 * ? *)",
        |k| matches!(k, ErrorKind::LastOffset),
        "L-3",
    );
    rejects(
        "cron(0 0 1,L * ? *)",
        |k| matches!(k, ErrorKind::MustStandAlone { special: "L", .. }),
        "1,L",
    );
    rejects(
        "cron(0 0 LW,15 * ? *)",
        |k| matches!(k, ErrorKind::MustStandAlone { special: "LW", .. }),
        "LW,15",
    );
    rejects(
        "cron(0 0 1W-5 * ? *)",
        |k| matches!(k, ErrorKind::MustStandAlone { special: "W", .. }),
        "1W-5",
    );
    rejects(
        "cron(0 0 5L * ? *)",
        |k| {
            matches!(
                k,
                ErrorKind::InvalidValue {
                    field: Field::DayOfMonth,
                    ..
                }
            )
        },
        "5L",
    );
    rejects(
        "cron(0 0 ? * 6L,2 *)",
        |k| matches!(k, ErrorKind::MustStandAlone { special: "L", .. }),
        "6L,2",
    );
    rejects(
        "cron(0 0 ? * 2#6 *)",
        |k| matches!(k, ErrorKind::InvalidOccurrence { .. }),
        "6",
    );
    rejects(
        "cron(0 0 ? * 2#0 *)",
        |k| matches!(k, ErrorKind::InvalidOccurrence { .. }),
        "0",
    );
    rejects(
        "cron(0 0 ? * 2# *)",
        |k| matches!(k, ErrorKind::InvalidOccurrence { .. }),
        "#",
    );
    rejects(
        "cron(0,*/5 * * * ? *)",
        |k| matches!(k, ErrorKind::MustStandAlone { special: "*", .. }),
        "0,*/5",
    );
    rejects(
        "cron(*-5 * * * ? *)",
        |k| matches!(k, ErrorKind::MustStandAlone { special: "*", .. }),
        "*-5",
    );
    rejects(
        "cron(0 0 1 * ? 2027-2026)",
        |k| matches!(k, ErrorKind::YearRangeBackwards { .. }),
        "2027-2026",
    );
}

#[test]
fn rejects_bad_steps_and_empty_values() {
    let step = |k: &ErrorKind| matches!(k, ErrorKind::InvalidStep { .. });
    rejects("cron(*/0 * * * ? *)", step, "0");
    rejects("cron(*/60 * * * ? *)", step, "60");
    rejects("cron(0 */24 * * ? *)", step, "24");
    rejects("cron(0 0 1 */13 ? *)", step, "13");
    rejects("cron(0/ * * * ? *)", step, " ");
    rejects(
        "cron(0/x * * * ? *)",
        |k| matches!(k, ErrorKind::InvalidValue { .. }),
        "0/x",
    );
    let empty = |k: &ErrorKind| matches!(k, ErrorKind::EmptyValue { .. });
    rejects("cron(1,,2 * * * ? *)", empty, ",");
    rejects("cron(1, * * * ? *)", empty, ",");
    rejects("cron(5- * * * ? *)", empty, "-");
    rejects(
        "cron(0 0 1 JANUARY ? *)",
        |k| {
            matches!(
                k,
                ErrorKind::InvalidValue {
                    field: Field::Month,
                    ..
                }
            )
        },
        "JANUARY",
    );
    rejects(
        "cron(0 0 ? * MONDAY *)",
        |k| {
            matches!(
                k,
                ErrorKind::InvalidValue {
                    field: Field::DayOfWeek,
                    ..
                }
            )
        },
        "MONDAY",
    );
    rejects(
        "cron(0 0 ? JAN MON-XYZ *)",
        |k| {
            matches!(
                k,
                ErrorKind::InvalidValue {
                    field: Field::DayOfWeek,
                    ..
                }
            )
        },
        "XYZ",
    );
    rejects(
        "cron(0 0 MON * ? *)",
        |k| {
            matches!(
                k,
                ErrorKind::InvalidValue {
                    field: Field::DayOfMonth,
                    ..
                }
            )
        },
        "MON",
    );
    rejects(
        "cron(0 0 1 * ? twenty)",
        |k| {
            matches!(
                k,
                ErrorKind::InvalidValue {
                    field: Field::Year,
                    ..
                }
            )
        },
        "twenty",
    );
}

#[test]
fn rejects_malformed_structure() {
    rejects("", |k| matches!(k, ErrorKind::Empty), "");
    rejects("   ", |k| matches!(k, ErrorKind::Empty), "   ");
    rejects(
        "every day",
        |k| matches!(k, ErrorKind::UnknownType { .. }),
        "every day",
    );
    rejects(
        "cron 0 8 * * ? *",
        |k| matches!(k, ErrorKind::UnknownType { .. }),
        "cron 0 8 * * ? *",
    );
    rejects(
        "daily(8)",
        |k| matches!(k, ErrorKind::UnknownType { .. }),
        "daily",
    );
    rejects(
        " cron(0 8 * * ? *)",
        |k| matches!(k, ErrorKind::UnknownType { .. }),
        " cron",
    );
    rejects(
        "CRON(0 8 * * ? *)",
        |k| matches!(k, ErrorKind::KeywordCase { keyword: "cron" }),
        "CRON",
    );
    rejects(
        "Rate(5 minutes)",
        |k| matches!(k, ErrorKind::KeywordCase { keyword: "rate" }),
        "Rate",
    );
    rejects(
        "AT(2026-01-01T00:00:00)",
        |k| matches!(k, ErrorKind::KeywordCase { keyword: "at" }),
        "AT",
    );
    rejects(
        "cron(0 8 * * ? *",
        |k| matches!(k, ErrorKind::MissingCloseParen),
        "*",
    );
    // Found by the fuzzer: spans fall on character boundaries. Here 17 ASCII bytes are
    // followed by 3-byte characters, so byte 256 is inside one; the span starts at 254.
    rejects(
        "cron(0 8 * * ? 묵",
        |k| matches!(k, ErrorKind::MissingCloseParen),
        "묵",
    );
    let long = format!("cron(0 8 * * ? *){}", "묵".repeat(80));
    rejects(
        &long,
        |k| matches!(k, ErrorKind::TooLong { .. }),
        &long[254..],
    );
    rejects(
        "cron(0 8 * * ? *) ",
        |k| matches!(k, ErrorKind::TrailingText { .. }),
        " ",
    );
    rejects(
        "cron(0 8 * * ? *))",
        |k| matches!(k, ErrorKind::TrailingText { .. }),
        ")",
    );
    rejects(
        "cron(0 8 * * ? * *)",
        |k| matches!(k, ErrorKind::FieldCount { found: 7 }),
        "0 8 * * ? * *",
    );
    rejects(
        "cron()",
        |k| matches!(k, ErrorKind::FieldCount { found: 0 }),
        "()",
    );
    rejects(
        "cron(0  8 * * ? *)",
        |k| matches!(k, ErrorKind::Spacing),
        " ",
    );
    rejects(
        "cron( 0 8 * * ? *)",
        |k| matches!(k, ErrorKind::Spacing),
        " ",
    );
    rejects(
        "cron(0 8 * * ? * )",
        |k| matches!(k, ErrorKind::Spacing),
        " ",
    );
    rejects(
        "cron(0\t8 * * ? *)",
        |k| matches!(k, ErrorKind::Spacing),
        "\t",
    );
    let long = format!("cron(0 0 1 * ? {})", vec!["2026"; 60].join(","));
    assert!(long.len() > 256);
    rejects(
        &long,
        |k| matches!(k, ErrorKind::TooLong { .. }),
        &long[256..],
    );
}

#[test]
fn rejects_malformed_rates() {
    rejects(
        "rate(0 minutes)",
        |k| matches!(k, ErrorKind::RateValue { .. }),
        "0",
    );
    rejects(
        "rate(-1 minutes)",
        |k| matches!(k, ErrorKind::RateValue { .. }),
        "-1",
    );
    rejects(
        "rate(1.5 hours)",
        |k| matches!(k, ErrorKind::RateValue { .. }),
        "1.5",
    );
    rejects(
        "rate(99999999999 minutes)",
        |k| matches!(k, ErrorKind::RateValue { .. }),
        "99999999999",
    );
    rejects(
        "rate(5 minute)",
        |k| {
            matches!(
                k,
                ErrorKind::RatePlural {
                    value: 5,
                    plural: "minutes"
                }
            )
        },
        "minute",
    );
    rejects(
        "rate(2 day)",
        |k| matches!(k, ErrorKind::RatePlural { plural: "days", .. }),
        "day",
    );
    rejects(
        "rate(1 second)",
        |k| matches!(k, ErrorKind::RateUnit { .. }),
        "second",
    );
    rejects(
        "rate(1 week)",
        |k| matches!(k, ErrorKind::RateUnit { .. }),
        "week",
    );
    rejects(
        "rate(5 Minutes)",
        |k| matches!(k, ErrorKind::RateUnit { .. }),
        "Minutes",
    );
    rejects(
        "rate(5 mins)",
        |k| matches!(k, ErrorKind::RateUnit { .. }),
        "mins",
    );
    rejects("rate(5)", |k| matches!(k, ErrorKind::RateFormat), "5");
    rejects("rate()", |k| matches!(k, ErrorKind::RateFormat), ")");
    rejects(
        "rate(5  minutes)",
        |k| matches!(k, ErrorKind::Spacing),
        "5  minutes",
    );
    rejects(
        "rate( 5 minutes)",
        |k| matches!(k, ErrorKind::Spacing),
        " 5 minutes",
    );
}

#[test]
fn rejects_malformed_one_time_schedules() {
    let format = |k: &ErrorKind| matches!(k, ErrorKind::AtFormat { .. });
    rejects("at(2026-01-01 09:00:00)", format, "2026-01-01 09:00:00");
    rejects("at(2026-01-01T09:00)", format, "2026-01-01T09:00");
    rejects("at(2026-1-01T09:00:00)", format, "2026-1-01T09:00:00");
    rejects("at(2026-01-01T09:00:00.5)", format, "2026-01-01T09:00:00.5");
    rejects("at()", format, ")");
    rejects(
        "at(2026-01-01T09:00:00Z)",
        |k| matches!(k, ErrorKind::AtOffset),
        "Z",
    );
    rejects(
        "at(2026-01-01T09:00:00+02:00)",
        |k| matches!(k, ErrorKind::AtOffset),
        "+02:00",
    );
    let invalid = |k: &ErrorKind| matches!(k, ErrorKind::AtInvalid { .. });
    rejects("at(2026-02-30T00:00:00)", invalid, "2026-02-30T00:00:00");
    rejects("at(2026-13-01T00:00:00)", invalid, "2026-13-01T00:00:00");
    rejects("at(2026-01-01T24:00:00)", invalid, "2026-01-01T24:00:00");
    rejects("at(2026-01-01T23:60:00)", invalid, "2026-01-01T23:60:00");
}

#[test]
fn errors_name_the_field_and_what_is_allowed() {
    let err = "cron(0 9 ? * 0 *)".parse::<Schedule>().unwrap_err();
    assert_eq!(err.field(), Some(Field::DayOfWeek));
    assert_eq!(
        err.to_string(),
        "0 is out of range for day-of-week, which takes 1-7 or SUN-SAT (1 is Sunday) and `, - * ? L #`"
    );
    let err = "cron(0 9 * * *)".parse::<Schedule>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "cron takes 6 fields (minutes hours day-of-month month day-of-week year), found 5; add the year field, e.g. `cron(0 8 * * ? *)`"
    );
    let err = "rate(5 minute)".parse::<Schedule>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "a value above 1 takes the plural unit: write `rate(5 minutes)`"
    );
    let expression = "cron(0 0 ? * MON-FRI/2 *)";
    assert_eq!(
        expression
            .parse::<Schedule>()
            .unwrap_err()
            .render(expression),
        "`/` is not allowed in the day-of-week field, which takes 1-7 or SUN-SAT (1 is Sunday) and `, - * ? L #`\n  \
         cron(0 0 ? * MON-FRI/2 *)\n                      ^"
    );
}

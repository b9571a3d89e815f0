//! The ledger commands (`status`, `history`, `pause`, `resume`) and their tables, as text: what the
//! application's binary prints for its state directory and the operator's `codegen` prints for a
//! deployment, from the same code.

use schedule_core::jiff::Timestamp;
use schedule_core::jiff::tz::TimeZone;
use schedule_core::{format_instant, time_zone};

use super::table;
use crate::causes::with_causes;
use crate::environment;
use crate::ledger::{self, Ledger, Pause, Query, Record, Status, TaskStatus, shown_status};
use crate::registry::Registry;
use crate::task::Registration;

/// `status`: one line per task (or one JSON document), for `environment`.
pub async fn status(
    registry: &Registry,
    environment: &str,
    ledger: &dyn Ledger,
    json: bool,
    colour: bool,
) -> Result<String, String> {
    let retention = environment::ledger_retention()?;
    let now = Timestamp::now();
    let statuses = ledger::status(registry, environment, ledger, now, retention)
        .await
        .map_err(|e| with_causes(&e))?;
    if json {
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&statuses).map_err(|e| e.to_string())?
        ));
    }
    Ok(status_table(registry, &statuses, now, colour))
}

/// What `history` is asked: the command line's arguments, wherever the ledger is.
#[cfg(feature = "app")]
#[derive(Debug, Clone, clap::Args)]
pub struct HistoryRequest {
    /// The task's name (see `list`).
    pub task: String,
    /// How many occurrences.
    #[arg(short = 'n', default_value_t = 20, value_name = "N")]
    pub count: usize,
    /// Only occurrences due at or after this RFC 3339 instant.
    #[arg(long, value_name = "RFC3339")]
    pub since: Option<Timestamp>,
    /// Print JSON (one document) instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[cfg(feature = "app")]
impl HistoryRequest {
    /// [`history`] for this request; colour when stdout is a terminal.
    pub async fn run(
        &self,
        registry: &Registry,
        environment: &str,
        ledger: &dyn Ledger,
    ) -> Result<String, String> {
        use std::io::IsTerminal;
        let query = Query {
            since: self.since,
            until: None,
            limit: self.count,
        };
        let colour = std::io::stdout().is_terminal();
        history(
            registry,
            environment,
            ledger,
            &self.task,
            query,
            self.json,
            colour,
        )
        .await
    }
}

/// `history`: one line per occurrence of `task` (or one JSON document), newest first.
pub async fn history(
    registry: &Registry,
    environment: &str,
    ledger: &dyn Ledger,
    task: &str,
    query: Query,
    json: bool,
    colour: bool,
) -> Result<String, String> {
    let registration = registry
        .get(task)
        .ok_or_else(|| unknown_task(registry, task))?;
    let now = Timestamp::now();
    let records = ledger::history(registration, environment, ledger, query, now)
        .await
        .map_err(|e| with_causes(&e))?;
    if json {
        return Ok(format!(
            "{}\n",
            serde_json::to_string_pretty(&records).map_err(|e| e.to_string())?
        ));
    }
    if records.is_empty() {
        return Ok(format!("no occurrence of `{task}` is recorded\n"));
    }
    Ok(history_table(registration, &records, now, colour))
}

/// `pause` (with `reason`) and `resume` (`pause: None`): sets the switch and says from when it
/// holds; `takes_effect` completes "takes effect ...".
pub async fn set_pause(
    registry: &Registry,
    ledger: &dyn Ledger,
    task: &str,
    pause: Option<&Pause>,
    takes_effect: &str,
) -> Result<String, String> {
    if registry.get(task).is_none() {
        return Err(unknown_task(registry, task));
    }
    ledger
        .set_pause(task, pause)
        .await
        .map_err(|e| with_causes(&e))?;
    Ok(match pause {
        Some(pause) => format!("{task}: {pause}; takes effect {takes_effect}\n"),
        None => format!("{task}: resumed; takes effect {takes_effect}\n"),
    })
}

/// A pause by the operator running the command (their user name, as the shell says), now.
pub fn pause_by_operator(reason: Option<String>) -> Pause {
    let by = ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned());
    Pause {
        by,
        at: Timestamp::now(),
        reason,
    }
}

/// The error for a task name the registry does not know, listing the names it does.
pub fn unknown_task(registry: &Registry, task: &str) -> String {
    let known: Vec<&str> = registry.names().collect();
    format!(
        "no task named `{task}`; the tasks are: {} (see `list`)",
        known.join(", ")
    )
}

/// `status` as aligned columns; `colour` paints outcomes for a terminal.
pub fn status_table(
    registry: &Registry,
    statuses: &[TaskStatus],
    now: Timestamp,
    colour: bool,
) -> String {
    let header = [
        "TASK",
        "ENABLED",
        "LAST RUN",
        "OUTCOME",
        "LAST SUCCESS",
        "NEXT",
        "MISSED",
    ];
    let rows: Vec<Vec<String>> = statuses
        .iter()
        .map(|s| {
            let tz = time_zone(&s.zone).unwrap_or(TimeZone::UTC);
            let spec = registry.get(&s.task).map(Registration::spec);
            // Minutes and the zone's abbreviation keep the table within a terminal's width.
            let when = |t: Option<Timestamp>| {
                t.map_or_else(
                    || "-".to_owned(),
                    |t| {
                        t.to_zoned_datetime(tz.clone())
                            .strftime("%Y-%m-%d %H:%M %Z")
                            .to_string()
                    },
                )
            };
            let enabled = match (s.enabled, &s.paused) {
                (false, _) => "no",
                (true, Some(_)) => "paused",
                (true, None) => "yes",
            };
            vec![
                s.task.clone(),
                enabled.to_owned(),
                when(s.last_run.as_ref().map(|r| r.scheduled_time)),
                s.last_run.as_ref().zip(spec).map_or_else(
                    || "-".to_owned(),
                    |(r, spec)| shown_status(r, spec, now).to_owned(),
                ),
                when(s.last_success),
                when(s.next),
                s.missed.to_string(),
            ]
        })
        .collect();
    let paint = |column: usize, cell: &str| match column {
        1 if cell == "paused" => Some("33"),
        3 => outcome_colour(cell),
        6 if cell != "0" => Some("33"),
        _ => None,
    };
    let mut table = table::render(&header, &rows, colour.then_some(&paint as table::Paint<'_>));
    for s in statuses {
        if let Some(pause) = &s.paused {
            table.push_str(&format!("{}: {pause}\n", s.task));
        }
    }
    for s in statuses {
        if let Some(long) = &s.long_runs {
            table.push_str(&format!(
                "{}: a recent run took {}, more than half of its {} interval: runs will overlap if they grow (see `overlap`)\n",
                s.task,
                seconds(long.longest_ms),
                seconds(long.interval_ms)
            ));
        }
    }
    table
}

/// Milliseconds as seconds, `1.5 s`, or minutes past ten of them, `12 min`.
fn seconds(ms: u64) -> String {
    if ms >= 600_000 {
        format!("{} min", ms / 60_000)
    } else {
        format!("{:.1} s", ms as f64 / 1_000.0)
    }
}

/// `history` as aligned columns: one line per occurrence, newest first.
pub fn history_table(
    task: &'static Registration,
    records: &[Record],
    now: Timestamp,
    colour: bool,
) -> String {
    let spec = task.spec();
    let tz = time_zone(spec.timezone).unwrap_or(TimeZone::UTC);
    let header = [
        "SCHEDULED",
        "UTC",
        "STATUS",
        "ATTEMPTS",
        "DURATION",
        "ERROR",
    ];
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| {
            let attempts = match r.duplicates {
                0 => r.deliveries.to_string(),
                n => format!("{} (+{n} duplicate)", r.deliveries),
            };
            let error = match (&r.error_type, &r.excerpt) {
                (Some(kind), Some(text)) => format!("{kind}: {}", first_line(text)),
                (None, Some(text)) if r.status == Status::Skipped => first_line(text),
                _ => "-".to_owned(),
            };
            vec![
                format_instant(r.scheduled_time, &tz),
                format_instant(r.scheduled_time, &TimeZone::UTC),
                shown_status(r, spec, now).to_owned(),
                attempts,
                r.duration_ms.map_or_else(|| "-".to_owned(), duration),
                error,
            ]
        })
        .collect();
    let paint = |column: usize, cell: &str| {
        if column == 2 {
            outcome_colour(cell)
        } else {
            None
        }
    };
    table::render(&header, &rows, colour.then_some(&paint as table::Paint<'_>))
}

fn outcome_colour(word: &str) -> Option<&'static str> {
    match Status::parse(word)? {
        Status::Succeeded => Some("32"),
        Status::Missed | Status::Skipped | Status::Running => Some("33"),
        status if status.is_failure() => Some("31"),
        _ => None,
    }
}

/// The first line of `text`, at most 80 characters.
fn first_line(text: &str) -> String {
    ledger::cut(text.lines().next().unwrap_or_default(), 80)
}

/// `850ms`, `12.3s`, `4m05s`.
fn duration(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms}ms"),
        1_000..60_000 => format!("{:.1}s", ms as f64 / 1_000.0),
        _ => format!("{}m{:02}s", ms / 60_000, (ms / 1_000) % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(duration(850), "850ms");
        assert_eq!(duration(12_345), "12.3s");
        assert_eq!(duration(245_000), "4m05s");
    }
}

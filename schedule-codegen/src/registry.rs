//! `codegen list` and `codegen manifest`: the application's registry, for people and for tools.

use std::fmt::Write as _;

use schedule_core::jiff::Timestamp;
use schedule_core::time_zone;
use schedule_runtime::Registry;

use crate::next::format_instant;

/// The registry as pretty-printed JSON: every task with every declared option.
pub fn manifest_json(registry: &Registry) -> String {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(&registry.manifest()).unwrap_or_default()
}

/// A table of the tasks: name, schedule, zone, environments, and the next fire time after
/// `now` in the task's zone.
pub fn list_table(registry: &Registry, now: Timestamp) -> String {
    let header = ["TASK", "SCHEDULE", "ZONE", "ENVIRONMENTS", "NEXT"];
    let rows: Vec<[String; 5]> = registry
        .tasks()
        .iter()
        .map(|task| {
            let spec = task.spec();
            // The macro validated both at compile time; a failure here means a hand-built spec.
            let next = match (spec.schedule(), time_zone(spec.timezone)) {
                (Ok(schedule), Ok(tz)) => schedule
                    .next_after(now, &tz)
                    .map_or_else(|| "never".to_owned(), |t| format_instant(t, &tz)),
                (Err(e), _) => format!("invalid: {e}"),
                (_, Err(e)) => format!("invalid: {e}"),
            };
            let environments = if spec.environments.is_empty() {
                "all".to_owned()
            } else {
                spec.environments.join(",")
            };
            [
                spec.name.to_owned(),
                spec.expression.to_owned(),
                spec.timezone.to_owned(),
                environments,
                next,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut table = String::new();
    let mut line = |cells: &[&str]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ");
            }
        }
        table.push_str(text.trim_end());
        table.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    table
}

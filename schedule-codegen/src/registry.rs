//! `codegen manifest`: the application's registry as JSON, for tools. (The application's `list`
//! prints it for people: [`schedule_runtime::cli::list::tasks_table`].)

use schedule_runtime::Registry;

/// The registry as pretty-printed JSON: every task with every declared option.
pub fn manifest_json(registry: &Registry) -> String {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(&registry.manifest()).unwrap_or_default()
}

//! `--help` with the commands grouped by what they act on. clap lists subcommands under one
//! heading; this renders the groups into the help template from the commands' own `about`
//! lines, so a command's text lives in one place (its doc comment).

use clap::Command;

/// `command` with its subcommands listed under `groups` (heading, command names) in `--help`.
/// A subcommand no group names (clap's own `help`) is listed last, so none is ever hidden.
pub fn grouped(mut command: Command, groups: &[(&str, &[&str])]) -> Command {
    // Building adds clap's `help` subcommand, which must be listed too.
    command.build();
    let about = |name: &str| {
        command
            .find_subcommand(name)
            .and_then(|sub| sub.get_about())
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    let grouped_names: Vec<&str> = groups
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    let others: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .filter(|name| !grouped_names.contains(&name.as_str()))
        .collect();
    let width = grouped_names
        .iter()
        .map(|name| name.len())
        .chain(others.iter().map(String::len))
        .max()
        .unwrap_or(0);
    let mut sections = String::new();
    let mut section = |heading: &str, names: &mut dyn Iterator<Item = &str>| {
        sections.push_str(heading);
        sections.push_str(":\n");
        for name in names {
            sections.push_str(&format!("  {name:<width$}  {}\n", about(name)));
        }
        sections.push('\n');
    };
    for (heading, names) in groups {
        section(heading, &mut names.iter().copied());
    }
    if !others.is_empty() {
        section("Other", &mut others.iter().map(String::as_str));
    }
    // The about lines are ours and hold no `{`, which the template would read as a tag.
    let template = format!(
        "{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{sections}Options:\n{{options}}{{after-help}}"
    );
    command.help_template(template)
}

/// The subcommands of `command` that `groups` leaves out or names twice, or names that are no
/// subcommand: for the tests of each binary, so that a new command cannot be forgotten.
pub fn ungrouped(command: &Command, groups: &[(&str, &[&str])]) -> Vec<String> {
    let names: Vec<&str> = groups
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    let mut problems: Vec<String> = command
        .get_subcommands()
        .map(Command::get_name)
        .filter(|name| *name != "help" && names.iter().filter(|n| *n == name).count() != 1)
        .map(|name| format!("`{name}` is in no group, or in several"))
        .collect();
    problems.extend(
        names
            .iter()
            .filter(|name| command.find_subcommand(name).is_none())
            .map(|name| format!("`{name}` is no command")),
    );
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_commands() -> Command {
        Command::new("tool")
            .subcommand(Command::new("status").about("Shows the status"))
            .subcommand(Command::new("pause").about("Pauses a task"))
    }

    #[test]
    fn a_forgotten_twice_named_or_unknown_command_is_reported() {
        let groups: &[(&str, &[&str])] = &[("Ledger", &["status", "status", "purge"])];
        assert_eq!(
            ungrouped(&two_commands(), groups),
            [
                "`status` is in no group, or in several",
                "`pause` is in no group, or in several",
                "`purge` is no command",
            ]
        );
    }

    #[test]
    fn help_shows_each_group_with_its_commands_aligned_and_clap_s_help_last() {
        let groups: &[(&str, &[&str])] = &[("Read", &["status"]), ("Change", &["pause"])];
        let help = grouped(two_commands(), groups).render_help().to_string();
        assert!(
            help.contains(
                "Read:\n  status  Shows the status\n\nChange:\n  pause   Pauses a task\n\nOther:\n  help    Print this message"
            ),
            "{help}"
        );
    }
}

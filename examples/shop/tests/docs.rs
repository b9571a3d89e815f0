//! What the docs state that can drift mechanically, checked against the shop's compiled
//! binaries: every command line the README, the guide and the contracts show names a command
//! its binary has, with flags that command takes; the command reference lists each binary's
//! commands, all of them and no other; the shop's task counts in words are the shop's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// The docs a user reads, relative to the repository's root.
const DOCS: &[&str] = &[
    "README.md",
    "docs/guide.md",
    "docs/contracts.md",
    "ARCHITECTURE.md",
];

fn read(doc: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(doc)).unwrap_or_else(|e| panic!("{doc}: {e}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Binary {
    App,
    Codegen,
    Ops,
}

impl Binary {
    fn path(self) -> &'static str {
        match self {
            Binary::App => env!("CARGO_BIN_EXE_example-shop"),
            Binary::Codegen => env!("CARGO_BIN_EXE_codegen"),
            Binary::Ops => env!("CARGO_BIN_EXE_ops"),
        }
    }

    /// `--help`'s text, or the command's with `command`.
    fn help(self, command: Option<&str>) -> Result<String, String> {
        let state_dir = concat!(env!("CARGO_TARGET_TMPDIR"), "/docs-state");
        let mut run = Command::new(self.path());
        run.args(command).arg("--help");
        if self == Binary::App {
            run.args(["--state-dir", state_dir]);
        }
        let out = run.output().unwrap();
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// The commands `--help` lists, clap's own `help` left out.
    fn commands(self) -> BTreeSet<String> {
        let help = self.help(None).unwrap();
        help[..help.find("\nOptions:").unwrap()]
            .lines()
            .filter_map(|line| line.strip_prefix("  "))
            .filter_map(|line| line.split_whitespace().next())
            .filter(|name| *name != "help")
            .map(str::to_owned)
            .collect()
    }
}

/// One `cargo run … -- COMMAND --flag …` a doc shows.
#[derive(Debug)]
struct Shown {
    doc: &'static str,
    line: usize,
    binary: Binary,
    command: Option<String>,
    flags: Vec<String>,
}

/// Every `cargo run` with arguments in the docs, in code blocks and in prose alike; a shell
/// comment or the end of an inline code span ends it.
fn shown_commands() -> Vec<Shown> {
    let mut shown = Vec::new();
    for doc in DOCS {
        for (number, text) in read(doc).lines().enumerate() {
            let mut rest = text;
            while let Some(at) = rest.find("cargo run") {
                let tail = &rest[at..];
                let end = tail.find(['`', '#', '|', ')']).unwrap_or(tail.len());
                let (invocation, after) = tail.split_at(end);
                rest = after;
                let Some((cargo, args)) = invocation.split_once(" -- ") else {
                    continue;
                };
                let binary = if cargo.contains("--bin codegen") {
                    Binary::Codegen
                } else if cargo.contains("--bin ops") {
                    Binary::Ops
                } else {
                    Binary::App
                };
                let mut tokens = args.split_whitespace().peekable();
                // The application's options before the command.
                while tokens
                    .peek()
                    .is_some_and(|t| *t == "--env" || *t == "--state-dir")
                {
                    tokens.next();
                    tokens.next();
                }
                let command = tokens.next().map(str::to_owned);
                // A placeholder (`COMMAND`, `…`, `[--env NAME]`) is not a command line.
                if command.as_deref().is_some_and(|c| {
                    !c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-') || c.starts_with('-')
                }) {
                    continue;
                }
                let flags = tokens
                    .filter(|t| t.starts_with("--"))
                    .map(|t| t.split('=').next().unwrap().to_owned())
                    .collect();
                shown.push(Shown {
                    doc,
                    line: number + 1,
                    binary,
                    command,
                    flags,
                });
            }
        }
    }
    shown
}

#[test]
fn every_command_line_the_docs_show_runs_a_command_its_binary_has() {
    let shown = shown_commands();
    // The docs show about forty; far fewer means the reading broke.
    assert!(shown.len() > 30, "only {} command lines found", shown.len());
    let mut problems = Vec::new();
    for line in &shown {
        let Some(command) = &line.command else {
            continue;
        };
        match line.binary.help(Some(command)) {
            Err(error) => problems.push(format!(
                "{}:{}: {:?} has no command `{command}`: {}",
                line.doc,
                line.line,
                line.binary,
                error.lines().next().unwrap_or("")
            )),
            Ok(help) => {
                for flag in &line.flags {
                    if !help.contains(&format!("{flag} ")) && !help.contains(&format!("{flag}\n")) {
                        problems.push(format!(
                            "{}:{}: `{command}` of {:?} takes no {flag}",
                            line.doc, line.line, line.binary
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The commands of the rows of the table under `heading` in the command reference.
fn reference_commands(heading: &str) -> BTreeSet<String> {
    let contracts = read("docs/contracts.md");
    let start = contracts
        .find(heading)
        .unwrap_or_else(|| panic!("{heading}"));
    let section = &contracts[start + heading.len()..];
    let section = &section[..section.find("\n#").unwrap_or(section.len())];
    section
        .lines()
        .filter(|line| line.starts_with("| `"))
        .flat_map(|line| {
            let cell = line.split('|').nth(1).unwrap();
            cell.split('`')
                .skip(1)
                .step_by(2)
                .filter_map(|code| code.split_whitespace().next())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_command_reference_lists_every_command_of_each_binary_and_no_other() {
    for (heading, binary) in [
        ("### The application's binary", Binary::App),
        ("### The codegen binary", Binary::Codegen),
        ("### The operator's binary", Binary::Ops),
    ] {
        assert_eq!(
            reference_commands(heading),
            binary.commands(),
            "{heading} of docs/contracts.md against {binary:?} --help"
        );
    }
}

/// The shop's tasks: all of them, and those `cargo run -p example-shop` runs (a schedule, and
/// enabled in every environment), from `list`.
fn shop_task_counts() -> (usize, usize) {
    let state_dir = concat!(env!("CARGO_TARGET_TMPDIR"), "/docs-state");
    let out = Command::new(Binary::App.path())
        .args(["list", "--state-dir", state_dir])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list = String::from_utf8(out.stdout).unwrap();
    let environments = list.find("ENVIRONMENTS").unwrap();
    let rows: Vec<&str> = list.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    let local = rows
        .iter()
        .filter(|row| !row.contains("deferred only"))
        .filter(|row| row[environments..].split_whitespace().next() == Some("all"))
        .count();
    (rows.len(), local)
}

fn number(word: &str) -> Option<usize> {
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    WORDS
        .iter()
        .position(|w| *w == word)
        .or_else(|| word.parse().ok())
}

/// The number written as the word right after `phrase` wherever a doc says it.
fn stated(phrase: &str) -> Vec<(String, Option<usize>)> {
    DOCS.iter()
        .flat_map(|doc| {
            let text = read(doc).replace('\n', " ");
            text.match_indices(phrase)
                .map(|(at, _)| {
                    let word = text[at + phrase.len()..]
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .to_owned();
                    (format!("{doc}: {phrase}{word}"), number(&word))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn the_shops_task_counts_in_the_docs_are_the_shops() {
    let (all, local) = shop_task_counts();
    let total = [stated("a web shop with "), stated("flagship, ")].concat();
    assert!(total.len() >= 2, "{total:?}");
    for (place, count) in total {
        assert_eq!(count, Some(all), "{place}");
    }
    let runs = stated("tasks, and runs the ");
    assert!(!runs.is_empty());
    for (place, count) in runs {
        assert_eq!(count, Some(local), "{place}");
    }
}

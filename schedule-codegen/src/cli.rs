//! The command line: parse arguments, call the library, print, choose the exit status.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use schedule_core::Monitor;
use schedule_runtime::Registry;

use crate::registry::manifest_json;
use crate::terraform::{Options, Trigger, notices, render};
use crate::write::{check_module, write_module};

/// The infrastructure of a `schedule` application, generated from its code: the Terraform
/// module that deploys its tasks, and the registry it is generated from.
///
/// The tasks here are the application's binary's (`cargo run -- --help`); a deployment is the
/// `ops` binary's (`cargo run --bin ops -- --help`).
#[derive(Debug, Parser)]
#[command(name = "codegen", version, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write the Terraform module that deploys the application's tasks.
    Terraform {
        /// Directory of the module.
        #[arg(long, default_value = "terraform", value_name = "DIR")]
        out: PathBuf,
        /// Write nothing; exit 1 when DIR differs from what would be written (for CI).
        #[arg(long)]
        check: bool,
        /// Application name: the default prefix of resource names and the binary whose
        /// `cargo lambda` zip is deployed. Default: the package `cargo run` runs.
        #[arg(long, value_name = "NAME")]
        app: Option<String>,
        /// Also create the monitor of each `heartbeat` task at its vendor (Healthchecks.io,
        /// Sentry Crons, Cronitor or UptimeRobot, through the vendor's Terraform provider) and
        /// give the function its ping URL. `--healthchecks` is the older spelling.
        #[arg(long, alias = "healthchecks")]
        monitors: bool,
        /// The vendor of tasks declared `heartbeat` without naming one (`heartbeat = "..."`
        /// names a task's own): healthchecks, sentry, cronitor or uptimerobot.
        #[arg(long, value_name = "VENDOR", default_value = "healthchecks", value_parser = monitor)]
        heartbeat_vendor: Monitor,
        /// Fire the tasks with legacy EventBridge rules instead of EventBridge Scheduler
        /// (UTC only: refuses tasks with zones, windows, `at()` or start/end dates).
        #[arg(long)]
        eventbridge_rules: bool,
    },
    /// Print the application's registry as JSON: every task with every declared option.
    Manifest,
}

/// The commands `codegen` answered before 0.2, and how to run each now.
const MOVED: &[(&str, &str)] = &[
    ("list", "cargo run -- list"),
    ("next", "cargo run -- next 'cron(0 8 * * ? *)'"),
    ("dst", "cargo run -- dst"),
    ("status", "cargo run --bin ops -- status --env NAME"),
    ("history", "cargo run --bin ops -- history TASK --env NAME"),
    ("pause", "cargo run --bin ops -- pause TASK --env NAME"),
    ("resume", "cargo run --bin ops -- resume TASK --env NAME"),
    ("invoke", "cargo run --bin ops -- invoke TASK --env NAME"),
    (
        "backfill",
        "cargo run --bin ops -- backfill TASK --from .. --to .. --env NAME",
    ),
    ("replay", "cargo run --bin ops -- replay --env NAME"),
];

/// The error for a command that moved out of `codegen`, naming where it is now.
fn moved(command: &str) -> Option<String> {
    MOVED.iter().find(|(name, _)| *name == command).map(|(name, now)| {
        format!(
            "`codegen {name}` moved in schedule 0.2: codegen writes the infrastructure only; run `{now}`\n"
        )
    })
}

/// Runs the command line of the process and returns its exit status.
pub fn main() -> ExitCode {
    run(
        std::env::args_os(),
        &mut std::io::stdout().lock(),
        &mut std::io::stderr().lock(),
    )
}

/// Runs the command line on `args` (program name first), writing to `out` and `err`.
///
/// Exit status: 0 on success, 1 when the command fails (an invalid registry, a module out of
/// date with `--check`), 2 on bad usage.
pub fn run<I, T>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let args: Vec<T> = args.into_iter().collect();
    let first = args.get(1).map(|arg| arg.clone().into());
    if let Some(message) = first.as_ref().and_then(|arg| arg.to_str()).and_then(moved) {
        let _ = write!(err, "error: {message}");
        return ExitCode::from(2);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // `--help` and `--version` are not errors: they go to stdout and succeed.
            if e.use_stderr() {
                let _ = write!(err, "{}", e.render());
                return ExitCode::from(2);
            }
            let _ = write!(out, "{}", e.render());
            return ExitCode::SUCCESS;
        }
    };
    let result = match cli.command {
        Command::Manifest => Registry::load()
            .map_err(|e| e.to_string())
            .and_then(|registry| write_all(out, &(manifest_json(&registry) + "\n"))),
        Command::Terraform {
            out: dir,
            check,
            app,
            monitors,
            heartbeat_vendor,
            eventbridge_rules,
        } => {
            let trigger = if eventbridge_rules {
                Trigger::EventBridgeRules
            } else {
                Trigger::Scheduler
            };
            let heartbeat = Heartbeat {
                monitors,
                default_monitor: heartbeat_vendor,
            };
            terraform(&dir, check, app, heartbeat, trigger, out, err)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `--monitors` and `--heartbeat-vendor`.
#[derive(Debug, Clone, Copy)]
struct Heartbeat {
    monitors: bool,
    default_monitor: Monitor,
}

/// Reads `--heartbeat-vendor`.
fn monitor(word: &str) -> Result<Monitor, String> {
    Monitor::parse(word).ok_or_else(|| {
        let words: Vec<&str> = Monitor::ALL.iter().map(|m| m.as_str()).collect();
        format!("one of {}", words.join(", "))
    })
}

fn terraform(
    dir: &Path,
    check: bool,
    app: Option<String>,
    heartbeat: Heartbeat,
    trigger: Trigger,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), String> {
    let app = app
        .or_else(|| std::env::var("CARGO_PKG_NAME").ok())
        .ok_or("pass --app NAME: the application's package (its binary is the dispatch Lambda)")?;
    let registry = Registry::load().map_err(|e| e.to_string())?;
    let options = Options {
        lambda_zip: default_lambda_zip(dir, &app),
        app,
        monitors: heartbeat.monitors,
        default_monitor: heartbeat.default_monitor,
        trigger,
        defer: schedule_runtime::environment::DEFER_FEATURE,
    };
    let specs: Vec<_> = registry.tasks().iter().map(|t| t.spec().clone()).collect();
    let files = render(&specs, &options).map_err(|e| e.to_string())?;
    for notice in notices(specs.len(), &options) {
        let _ = writeln!(err, "warning: {notice}");
    }
    let shown = dir.display();
    if check {
        let differences = check_module(dir, &files).map_err(|e| format!("reading {shown}: {e}"))?;
        if differences.is_empty() {
            return write_all(out, &format!("{shown} is up to date\n"));
        }
        let list: Vec<String> = differences.iter().map(|d| format!("  {d}")).collect();
        return Err(format!(
            "{shown} is out of date with the code:\n{}\nrun `cargo run --bin codegen -- terraform --out {shown}`",
            list.join("\n")
        ));
    }
    write_module(dir, &files).map_err(|e| format!("writing {shown}: {e}"))?;
    write_all(out, &format!("wrote {} files to {shown}\n", files.len()))
}

/// Where `cargo lambda build` puts the zip of binary `app` with Cargo's default target
/// directory, relative to the module directory: `<workspace root>/target/lambda/<app>/bootstrap.zip`.
///
/// It depends on the source layout only, never on where this binary was built
/// (`CARGO_TARGET_DIR`), so that `--check` agrees on every machine; a build elsewhere sets the
/// module's `lambda_zip` variable. The package is `CARGO_MANIFEST_DIR` under `cargo run`, else
/// the nearest directory up from here with a `Cargo.toml`; its workspace root is the nearest
/// directory from there up whose `Cargo.toml` declares `[workspace]`, as Cargo decides it.
fn default_lambda_zip(dir: &Path, app: &str) -> String {
    let fallback = format!("../target/lambda/{app}/bootstrap.zip");
    let Ok(cwd) = std::env::current_dir() else {
        return fallback;
    };
    let package = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            cwd.ancestors()
                .find(|d| d.join("Cargo.toml").is_file())
                .map(Path::to_path_buf)
        });
    let Some(package) = package else {
        return fallback;
    };
    let declares_workspace = |d: &Path| {
        std::fs::read_to_string(d.join("Cargo.toml")).is_ok_and(|text| {
            text.lines()
                .any(|l| l.trim_start().starts_with("[workspace"))
        })
    };
    let root = package
        .ancestors()
        .find(|d| declares_workspace(d))
        .unwrap_or(&package);
    let zip = root
        .join("target")
        .join("lambda")
        .join(app)
        .join("bootstrap.zip");
    relative(&cwd.join(dir), &zip).unwrap_or(fallback)
}

/// `to` relative to directory `from`, both absolute, with `/` separators.
fn relative(from: &Path, to: &Path) -> Option<String> {
    use std::path::Component;
    let clean = |p: &Path| -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
                Component::ParentDir => {
                    parts.pop();
                }
                _ => {}
            }
        }
        parts
    };
    let (from, to) = (clean(from), clean(to));
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return None;
    }
    let ups = std::iter::repeat_n("..".to_owned(), from.len() - common);
    Some(
        ups.chain(to[common..].iter().cloned())
            .collect::<Vec<_>>()
            .join("/"),
    )
}

fn write_all(out: &mut dyn Write, text: &str) -> Result<(), String> {
    out.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

//! `ops console`: a web page on loopback that shows every task, its occurrences, the dead
//! letters and the deferred runs, and acts on them, for the local state directory or (with
//! `--env`) a deployment with the operator's credentials. Nothing to host: the page, its style
//! and its script are compiled into the binary.
//!
//! `source.rs` is where it reads and acts (each action the code of its command), `pages.rs`
//! the HTML, `guard.rs` the checks that keep actions the operator's own, `routes.rs` the
//! server's routes.

mod guard;
pub(crate) mod pages;
mod pictures;
mod routes;
pub(crate) mod source;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use maud::Markup;
use schedule_core::jiff::Timestamp;
use schedule_runtime::Registry;
use schedule_runtime::ledger::Ledger;

use crate::deployment::{Deployment, Target, say};
use source::Source;

/// `console`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Console {
    /// A deployed environment to show (the module's `environment` variable); without it, the
    /// local state directory.
    #[arg(long = "env", value_name = "NAME")]
    pub(crate) environment: Option<String>,
    /// The local state directory (without `--env`), as the application's binary's
    /// `--state-dir`.
    #[arg(
        long,
        default_value = ".schedule",
        value_name = "DIR",
        conflicts_with = "environment"
    )]
    state_dir: PathBuf,
    /// With `--env`: the module's `name_prefix`. Default: the application's name.
    #[arg(long, value_name = "PREFIX", requires = "environment")]
    pub(crate) name_prefix: Option<String>,
    /// With `--env`: the AWS profile. Default: `AWS_PROFILE`, else the standard chain.
    #[arg(long, value_name = "NAME", requires = "environment")]
    profile: Option<String>,
    /// With `--env`: the deployment's AWS region. Default: `AWS_REGION`, else the profile's.
    #[arg(long, value_name = "REGION", requires = "environment")]
    region: Option<String>,
    /// The address to listen on. Anything but loopback lets other machines act on your tasks
    /// with your credentials: the console warns.
    #[arg(long, default_value = "127.0.0.1:8470", value_name = "ADDRESS:PORT")]
    listen: SocketAddr,
    /// Serve the views only: no pause, run, backfill, replay or cancel.
    #[arg(long)]
    read_only: bool,
}

/// Serves the console until the process is stopped.
pub(crate) async fn console(args: Console, out: &mut dyn Write) -> Result<(), String> {
    // The runs started here (locally) log as the application's binary does, on stderr.
    let _ = tracing_subscriber::fmt()
        .compact()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
    let registry = Registry::load().map_err(|e| e.to_string())?;
    let source = match &args.environment {
        Some(environment) => {
            let deployment = Deployment::connect(&Target {
                environment: environment.clone(),
                name_prefix: args.name_prefix.clone(),
                profile: args.profile.clone(),
                region: args.region.clone(),
            })
            .await?;
            // Who acts through this console: shown on every page, recorded with each pause.
            deployment.caller().await?;
            Source::Deployed(Box::new(deployment))
        }
        None => Source::local(
            args.state_dir.clone(),
            schedule_runtime::environment::deployment(),
        ),
    };
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    if !address.ip().is_loopback() {
        say(
            out,
            &format!(
                "warning: listening on {address}, not loopback: anyone who reaches it can act on these tasks with your credentials{}\n",
                if args.read_only {
                    " (read-only: they can see them)"
                } else {
                    ""
                }
            ),
        )?;
    }
    let mode = if args.read_only { ", read-only" } else { "" };
    say(
        out,
        &format!(
            "console for {} ({}{mode}): http://{address}/\n",
            source.place(),
            source.environment()
        ),
    )?;
    out.flush().map_err(|e| e.to_string())?;
    let app = routes::router(routes::Console::new(
        registry,
        source,
        guard::Guard::new(address),
        args.read_only,
    ));
    axum::serve(listener, app)
        .await
        .map_err(|e| format!("the console's server stopped: {e}"))
}

/// The overview page of every task of `registry` in `environment` (or of those in the health
/// group `only`), from `ledger`: one [`Ledger::read_task`] per task, whose records give both
/// the task's status and its grid. What `/` serves.
pub(crate) async fn overview(
    registry: &Registry,
    environment: &str,
    ledger: &dyn Ledger,
    frame: &pages::Frame<'_>,
    only: Option<pictures::Health>,
    now: Timestamp,
) -> Result<Markup, String> {
    let retention = schedule_runtime::environment::ledger_retention()?;
    let mut reports = Vec::with_capacity(registry.tasks().len());
    for task in registry.tasks() {
        let report = schedule_runtime::ledger::task_report(
            task,
            environment,
            ledger,
            now,
            retention,
            pictures::GRID,
        )
        .await
        .map_err(|e| schedule_runtime::with_causes(&e))?;
        reports.push(report);
    }
    let rows: Vec<pages::Row<'_>> = registry
        .tasks()
        .iter()
        .zip(&reports)
        .map(|(task, report)| pages::Row {
            task,
            status: &report.status,
            occurrences: &report.occurrences,
        })
        .collect();
    Ok(pages::overview(frame, &rows, only, now))
}

/// The console's overview as HTML, as `/` serves it (with a placeholder form token). For the
/// benchmarks in this repository; not a stable API.
#[doc(hidden)]
pub async fn overview_html(
    registry: &Registry,
    environment: &str,
    ledger: &dyn Ledger,
    now: Timestamp,
) -> Result<String, String> {
    let frame = pages::Frame {
        environment,
        place: "benchmark",
        read_only: false,
        token: "benchmark",
        result: None,
    };
    Ok(overview(registry, environment, ledger, &frame, None, now)
        .await?
        .into_string())
}

/// `bytes` gzipped as the console sends its pages. For the benchmarks; not a stable API.
#[doc(hidden)]
pub fn gzipped_size(bytes: &[u8]) -> std::io::Result<usize> {
    routes::gzip(bytes).map(|gzipped| gzipped.len())
}

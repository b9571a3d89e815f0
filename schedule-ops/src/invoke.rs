//! `invoke <task> --env NAME`: run a deployed task's occurrence now, as Scheduler would, and
//! optionally wait for the ledger's outcome.

use std::io::Write;
use std::time::Duration;

use schedule_core::format_instant;
use schedule_core::jiff::Timestamp;
use schedule_core::jiff::tz::TimeZone;
use schedule_runtime::Registry;
use schedule_runtime::cli::invoke::InvokeRequest;
use schedule_runtime::ledger::{Record, Status, shown_status};

use crate::deployment::{Deployment, Target, say};

/// `invoke`'s arguments: the application binary's, and how to wait.
#[derive(Debug, clap::Args)]
pub(crate) struct Invoke {
    #[command(flatten)]
    request: InvokeRequest,
    /// Wait until the ledger records the run's outcome, retries included, and print it.
    #[arg(long)]
    wait: bool,
    /// How long `--wait` waits at most, in seconds. Default: the task's timeout, times its
    /// attempts, plus Lambda's retry delays and a minute.
    #[arg(long, value_name = "SECONDS", requires = "wait")]
    wait_seconds: Option<u64>,
    #[command(flatten)]
    pub(crate) target: Target,
}

/// Sends `task`'s occurrence due `at` as `event` (made by `InvokeRequest::occurrence`) and
/// returns Lambda's request id and the line `invoke` prints.
pub(crate) async fn send(
    deployment: &Deployment,
    spec: &schedule_core::TaskSpec,
    at: Timestamp,
    event: &serde_json::Value,
) -> Result<(String, String), String> {
    let request_id = deployment.send(spec, event).await?;
    let zone = spec.time_zone().unwrap_or(TimeZone::UTC);
    let line = format!(
        "{}: occurrence {} sent to {}:{} (asynchronous, as Scheduler sends it); request id {request_id}\n",
        spec.name,
        format_instant(at, &zone),
        deployment.function_of(spec),
        schedule_core::limits::alias_name(spec.name),
    );
    Ok((request_id, line))
}

/// How often `--wait` reads the ledger.
const POLL: Duration = Duration::from_secs(1);

/// Sends the task's alias the event Scheduler would send for the occurrence and prints the
/// request id; with `--wait`, the outcome too (an error when the run failed for good).
pub(crate) async fn invoke(args: Invoke, out: &mut dyn Write) -> Result<(), String> {
    let registry = Registry::load().map_err(|e| e.to_string())?;
    let occurrence = args.request.occurrence(&registry, Timestamp::now())?;
    let (spec, at, event) = (occurrence.task.spec(), occurrence.at, occurrence.event);
    let deployment = Deployment::connect(&args.target).await?;
    // A delivery of a completed idempotent occurrence only counts a duplicate; the count
    // before says when that happened.
    let duplicates_before = if args.wait {
        let before = deployment.record(spec.name, at).await?;
        before.map_or(0, |r| r.duplicates)
    } else {
        0
    };
    let (request_id, line) = send(&deployment, spec, at, &event).await?;
    say(out, &line)?;
    if !args.wait {
        return Ok(());
    }
    let patience = args
        .wait_seconds
        .map_or_else(|| default_patience(spec), Duration::from_secs);
    let give_up = tokio::time::Instant::now() + patience;
    let mut failures_seen = 0;
    let mut last_problem = None;
    loop {
        // A read that fails (throttled, a network blip) is tried again on the next poll; the
        // run goes on regardless. Only when patience ends does the last problem count.
        let record = match deployment.record(spec.name, at).await {
            Ok(record) => record,
            Err(problem) => {
                last_problem = Some(problem);
                None
            }
        };
        // The record is this delivery's once it carries its request id (retries keep it), or
        // once it counts one more duplicate; until then it may be an earlier delivery's.
        let ours = record.filter(|r| {
            r.request_id.as_deref() == Some(request_id.as_str()) || r.duplicates > duplicates_before
        });
        if let Some(record) = ours {
            let now = Timestamp::now();
            let shown = shown_status(&record, spec, now);
            if record.status.is_failure() && shown != Status::DeadLettered.as_str() {
                if record.failures > failures_seen {
                    failures_seen = record.failures;
                    say(
                        out,
                        &format!(
                            "attempt {} failed: {}; Lambda retries it ({} of {} retries used)\n",
                            record.deliveries,
                            error_line(&record),
                            record.failures,
                            spec.retries
                        ),
                    )?;
                }
            } else if record.request_id.as_deref() != Some(request_id.as_str()) {
                return say(
                    out,
                    &format!(
                        "already done (idempotent): not run again; {} by request id {}\n",
                        shown,
                        record.request_id.as_deref().unwrap_or("unknown")
                    ),
                );
            } else if record.status != Status::Running {
                return finished(&record, shown, &deployment.environment, out);
            }
        }
        if tokio::time::Instant::now() >= give_up {
            let problem = last_problem
                .map(|p| format!(" (the last read of the ledger failed: {p})"))
                .unwrap_or_default();
            return Err(format!(
                "no outcome recorded after {} s{problem}; the run may still be queued or running: `history {} --env {}` shows it later",
                patience.as_secs(),
                spec.name,
                deployment.environment
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The task's timeout for each attempt, Lambda's retry delays (about one and two minutes),
/// and a minute for the asynchronous queue.
fn default_patience(spec: &schedule_core::TaskSpec) -> Duration {
    let attempts = u64::from(spec.retries) + 1;
    let delays = [0, 60, 180][usize::from(spec.retries.min(2))];
    Duration::from_secs(u64::from(spec.timeout_seconds) * attempts + delays + 60)
}

fn error_line(record: &Record) -> String {
    let kind = record.error_type.as_deref().unwrap_or("error");
    let text = record.excerpt.as_deref().unwrap_or("");
    format!("[{kind}] {}", text.lines().next().unwrap_or(""))
}

/// Prints the run's outcome; an error when it failed for good.
fn finished(
    record: &Record,
    shown: &str,
    environment: &str,
    out: &mut dyn Write,
) -> Result<(), String> {
    let took = record
        .duration_ms
        .map(|ms| {
            if ms < 1_000 {
                format!(" in {ms} ms")
            } else {
                format!(" in {:.1} s", ms as f64 / 1000.0)
            }
        })
        .unwrap_or_default();
    match record.status {
        Status::Succeeded | Status::Duplicate => say(
            out,
            &format!(
                "{shown}{took} (attempt {}, request id {})\n",
                record.deliveries.max(1),
                record.request_id.as_deref().unwrap_or("unknown")
            ),
        ),
        Status::Skipped => say(
            out,
            &format!(
                "skipped: {}\n",
                record.excerpt.as_deref().unwrap_or("no reason recorded")
            ),
        ),
        _ => Err(format!(
            "{shown} after {} attempt(s): {}; `history {} --env {environment}` shows it",
            record.deliveries,
            error_line(record),
            record.task
        )),
    }
}

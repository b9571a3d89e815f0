//! A web shop's scheduled tasks.
//!
//! The declarations are the point of this example today: `cargo run --bin codegen -- list`
//! shows them, `-- manifest` prints every option. The task bodies are small; they do real work
//! once the local runner can fire them.

use schedule_runtime::{TaskContext, scheduled};
use serde::{Deserialize, Serialize};

/// What the daily report should contain.
#[derive(Debug, Deserialize)]
pub struct ReportRequest {
    /// Which report, e.g. `daily_sales`.
    pub report_type: String,
    /// Output format, e.g. `pdf`.
    pub format: String,
}

/// What the daily report produced.
#[derive(Debug, Serialize)]
pub struct ReportSummary {
    /// The report's file name.
    pub file: String,
}

/// Daily sales report for the sales team, 08:00 Moscow time.
#[scheduled(
    "cron(0 8 * * ? *)",
    timezone = "Europe/Moscow",
    window = "15m",
    retries = 2,
    max_age = "1h",
    idempotent,
    heartbeat,
    environments = ["production"],
    input = r#"{"report_type": "daily_sales", "format": "pdf"}"#,
)]
pub async fn daily_sales_report(
    ctx: TaskContext,
    input: ReportRequest,
) -> anyhow::Result<ReportSummary> {
    let day = ctx.scheduled_time().strftime("%Y-%m-%d");
    Ok(ReportSummary {
        file: format!("{}-{day}.{}", input.report_type, input.format),
    })
}

/// Deletes sessions that expired, every hour.
#[scheduled("rate(1 hour)", timeout = "2m")]
pub async fn expired_session_cleanup() {}

/// Weekly digest email to subscribers, Monday 09:00 Berlin time.
#[scheduled("cron(0 9 ? * MON *)", timezone = "Europe/Berlin", retries = 0)]
pub async fn weekly_digest(ctx: TaskContext) -> Result<u32, std::io::Error> {
    let _ = ctx.attempt();
    Ok(0) // emails sent
}

/// Opens the winter sale, once, at 09:00 Paris time on its first day.
#[scheduled("at(2030-01-15T09:00:00)", timezone = "Europe/Paris", retries = 1)]
pub async fn winter_sale_launch() {}

/// Counts the warehouse on the last evening of each year, from the 2029 financial year until
/// the lease ends.
#[scheduled(
    "cron(0 18 L 12 ? *)",
    name = "year-end-stocktake",
    description = "Stocktake, 31 December 18:00 Berlin time, 2029 to 2034",
    timezone = "Europe/Berlin",
    timeout = "15m",
    start = "2029-12-01T00:00:00Z",
    end = "2035-01-01T00:00:00Z"
)]
pub async fn stocktake(ctx: TaskContext) -> anyhow::Result<()> {
    anyhow::ensure!(ctx.attempt() <= 3, "gave up counting");
    Ok(())
}

//! Every option at once, with typed input and output.

use schedule_runtime::{TaskContext, scheduled};

#[derive(serde::Deserialize)]
struct ReportRequest {
    report_type: String,
    format: String,
}

#[derive(serde::Serialize)]
struct ReportSummary {
    rows: u64,
}

/// Daily sales report.
#[scheduled(
    "cron(0 8 * * ? *)",
    name = "daily-sales-report",
    description = "Daily sales report for the sales team",
    timezone = "Europe/Moscow",
    window = "15m",
    retries = 2,
    max_age = "1h",
    timeout = "5m",
    idempotent(ttl = "7d"),
    heartbeat = "cronitor",
    alert_after = 2,
    pause_after = 4,
    environments = ["production", "staging"],
    secrets = ["warehouse-db-url"],
    input = r#"{"report_type": "daily_sales", "format": "pdf"}"#,
    start = "2026-01-01T00:00:00Z",
    end = "2026-12-31T00:00:00+03:00",
    overlap = "skip",
)]
async fn report(ctx: TaskContext, input: ReportRequest) -> anyhow::Result<ReportSummary> {
    let _ = (ctx.attempt(), input.report_type, input.format);
    Ok(ReportSummary { rows: 0 })
}

fn main() {}

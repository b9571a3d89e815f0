//! Each kind of expression with the options that apply to it.

use schedule_runtime::scheduled;

// A one-time schedule in a zone, with the options that make sense for it.
#[scheduled("at(2030-03-31T02:30:00)", timezone = "Europe/Berlin", retries = 0, timeout = "90s")]
async fn migration_cutover() {}

// A rate with a start and an end, both normalised to UTC in the manifest.
#[scheduled(
    "rate(15 minutes)",
    start = "2030-01-01T00:00:00+01:00",
    end = "2030-06-30T23:59:59Z",
    max_age = "15m",
    idempotent(ttl = "1h")
)]
async fn campaign_sync() {}

// Every special day form of the cron dialect.
#[scheduled("cron(0 12 LW * ? *)")]
async fn last_weekday() {}

#[scheduled("cron(15 10 ? * 6L 2030-2031)", window = "1440m")]
async fn last_friday() {}

#[scheduled("cron(0 9 ? * TUE#2 *)", window = "24h")]
async fn second_tuesday() {}

#[scheduled("cron(0 20-2 ? * MON-FRI *)", name = "night.shift_v2")]
async fn night_shift() {}

fn main() {}

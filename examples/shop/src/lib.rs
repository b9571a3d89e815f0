//! A web shop's scheduled tasks, doing real work on the shop's data: JSON files in a data folder
//! (see [`data`]) that stand in for its database. Deployed, the backup goes to S3 (in its own
//! function group, `backup`), review mails through SES (group `mail`) and the stock feed comes
//! from the supplier's API with a secret key; locally each has a stand-in ([`outside`]).
//!
//! `cargo run -p example-shop` runs them on their schedules (add `-- --env production` for the
//! production-only ones); `cargo run -p example-shop -- invoke weekly-digest` runs one now;
//! `cargo run --bin codegen -- terraform` writes the Terraform that deploys them.

pub mod data;
pub mod outside;
#[cfg(feature = "defer")]
pub mod reviews;

use anyhow::Context as _;
use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::{TaskContext, scheduled};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};

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
    let day = ctx.scheduled_time().strftime("%Y-%m-%d").to_string();
    let orders = data::load("orders.json", || sample_orders(ctx.scheduled_time()))?;
    let total_cents: u64 = orders.iter().map(|o| o.total_cents).sum();
    let file = format!("{}-{day}.{}", input.report_type, input.format);
    let text = format!(
        "{} for {day}: {} orders, {}.{:02} EUR\n",
        input.report_type,
        orders.len(),
        total_cents / 100,
        total_cents % 100
    );
    data::write(&data::dir()?.join("reports").join(&file), text.as_bytes())?;
    info!(%file, orders = orders.len(), "sales report written");
    Ok(ReportSummary { file })
}

/// An order, as the reports see it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Order {
    /// Order number.
    pub id: u32,
    /// Amount in cents.
    pub total_cents: u64,
    /// When it was placed.
    pub placed_at: Timestamp,
}

fn sample_orders(now: Timestamp) -> Vec<Order> {
    (1..=4)
        .map(|id| Order {
            id,
            total_cents: 1_999 * u64::from(id),
            placed_at: now - SignedDuration::from_hours(i64::from(id) * 3),
        })
        .collect()
}

/// A signed-in visitor's session.
#[derive(Debug, Serialize, Deserialize)]
pub struct Session {
    /// Session id.
    pub id: String,
    /// When it stops being valid.
    pub expires_at: Timestamp,
}

/// Deletes sessions that expired, every hour.
#[scheduled("rate(1 hour)", timeout = "2m")]
pub async fn expired_session_cleanup(ctx: TaskContext) -> anyhow::Result<usize> {
    let now = ctx.scheduled_time();
    let sessions: Vec<Session> = data::load("sessions.json", || {
        [-120, -30, 60, 1_440, 10_080]
            .iter()
            .enumerate()
            .map(|(i, minutes)| Session {
                id: format!("session-{i}"),
                expires_at: now + SignedDuration::from_mins(*minutes),
            })
            .collect()
    })?;
    let (live, expired): (Vec<Session>, Vec<Session>) =
        sessions.into_iter().partition(|s| s.expires_at > now);
    data::save("sessions.json", &live)?;
    info!(
        deleted = expired.len(),
        kept = live.len(),
        "expired sessions deleted"
    );
    Ok(expired.len())
}

/// A mail waiting in the outbox until its time comes.
#[derive(Debug, Serialize, Deserialize)]
pub struct Mail {
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Not before this instant.
    pub send_at: Timestamp,
}

/// Weekly digest email to subscribers, Monday 09:00 Berlin time: queued in the outbox, which
/// `deferred-emails` sends.
#[scheduled("cron(0 9 ? * MON *)", timezone = "Europe/Berlin", retries = 0)]
pub async fn weekly_digest(ctx: TaskContext) -> anyhow::Result<usize> {
    let subscribers = data::load("subscribers.json", || {
        vec![
            "ada@example.com".to_owned(),
            "grace@example.com".to_owned(),
            "linus@example.com".to_owned(),
        ]
    })?;
    let week = ctx.scheduled_time().strftime("%G-W%V").to_string();
    let mut outbox: Vec<Mail> = data::load("outbox.json", Vec::new)?;
    outbox.extend(subscribers.iter().map(|to| Mail {
        to: to.clone(),
        subject: format!("This week at the shop ({week})"),
        send_at: ctx.scheduled_time(),
    }));
    data::save("outbox.json", &outbox)?;
    info!(queued = subscribers.len(), %week, "weekly digest queued");
    Ok(subscribers.len())
}

/// Sends the mails in the outbox whose time has come, every minute.
///
/// A slow mail server must not let two runs send the same outbox: a run that finds the
/// previous one still going skips (`overlap = "skip"`).
#[scheduled("rate(1 minute)", retries = 1, overlap = "skip")]
pub async fn deferred_emails(ctx: TaskContext) -> anyhow::Result<usize> {
    let now = ctx.scheduled_time();
    let outbox: Vec<Mail> = data::load("outbox.json", Vec::new)?;
    let (due, later): (Vec<Mail>, Vec<Mail>) = outbox.into_iter().partition(|m| m.send_at <= now);
    if due.is_empty() {
        return Ok(0);
    }
    // "Sending" appends to the mail log; a real shop would call its mail provider here.
    let log_path = data::dir()?.join("sent-mail.log");
    let mut log = std::fs::read_to_string(&log_path).unwrap_or_default();
    for mail in &due {
        log.push_str(&format!("{now} to {}: {}\n", mail.to, mail.subject));
    }
    data::write(&log_path, log.as_bytes())?;
    data::save("outbox.json", &later)?;
    info!(
        sent = due.len(),
        waiting = later.len(),
        "deferred emails sent"
    );
    Ok(due.len())
}

/// A product and its stock.
#[derive(Debug, Serialize, Deserialize)]
pub struct Product {
    /// Stock keeping unit.
    pub sku: String,
    /// Page slug.
    pub slug: String,
    /// Units in the warehouse.
    pub stock: u32,
}

fn sample_products() -> Vec<Product> {
    ["red-mug", "blue-mug", "tea-towel", "teapot"]
        .iter()
        .enumerate()
        .map(|(i, slug)| Product {
            sku: format!("SKU-{:03}", i + 1),
            slug: (*slug).to_owned(),
            stock: 10,
        })
        .collect()
}

/// What an inventory sync changed.
#[derive(Debug, Serialize)]
pub struct InventorySummary {
    /// Products whose stock changed.
    pub updated: usize,
    /// Products now out of stock.
    pub out_of_stock: Vec<String>,
}

/// One line of the supplier's stock feed.
#[derive(Debug, Deserialize)]
struct SupplierStock {
    sku: String,
    stock: u32,
}

/// Stock levels from the supplier's API, hourly at :05, with the shop's API key (a secret). The
/// supplier rate-limits, so failures are retried (twice, within 30 minutes), and an hour's sync
/// runs at most once.
#[scheduled(
    "cron(5 * * * ? *)",
    retries = 2,
    max_age = "30m",
    idempotent(ttl = "1d"),
    timeout = "1m",
    secrets = ["supplier-api-key"]
)]
pub async fn inventory_sync(ctx: TaskContext) -> anyhow::Result<InventorySummary> {
    let feed = match outside::setting("SHOP_SUPPLIER_URL") {
        Some(url) => supplier_api(&ctx, &url).await?,
        None => supplier_feed(ctx.scheduled_time()).await?,
    };
    let mut products = data::load("products.json", sample_products)?;
    let mut updated = 0;
    for product in &mut products {
        if let Some(line) = feed.iter().find(|line| line.sku == product.sku)
            && line.stock != product.stock
        {
            product.stock = line.stock;
            updated += 1;
        }
    }
    data::save("products.json", &products)?;
    let out_of_stock: Vec<String> = products
        .iter()
        .filter(|p| p.stock == 0)
        .map(|p| p.sku.clone())
        .collect();
    info!(
        updated,
        out_of_stock = out_of_stock.len(),
        "inventory synced"
    );
    Ok(InventorySummary {
        updated,
        out_of_stock,
    })
}

/// The supplier's API at `url`: its stock list as JSON, for the shop's key. The key is read
/// here, when the API is called, and goes nowhere but the request's header.
async fn supplier_api(ctx: &TaskContext, url: &str) -> anyhow::Result<Vec<SupplierStock>> {
    let key = ctx.secret("supplier-api-key").await?;
    let response = outside::http()
        .get(url)
        .bearer_auth(key.expose())
        .send()
        .await
        .with_context(|| format!("calling the supplier at {url}"))?;
    let status = response.status();
    anyhow::ensure!(
        status.is_success(),
        "the supplier at {url} answered {status}"
    );
    response
        .json()
        .await
        .with_context(|| format!("the supplier at {url} sent no stock list"))
}

/// The supplier's stand-in: the JSON file `SHOP_SUPPLIER_FEED` names (point it at a missing file
/// to watch retries and the dead-letter file at work), else a stand-in supplier whose stock
/// moves with the hour and which, like any API, answers after a round trip (300 ms).
async fn supplier_feed(at: Timestamp) -> anyhow::Result<Vec<SupplierStock>> {
    if let Some(path) = std::env::var_os("SHOP_SUPPLIER_FEED") {
        let bytes = std::fs::read(&path)
            .with_context(|| format!("the supplier feed {} is unavailable", path.display()))?;
        return serde_json::from_slice(&bytes).context("the supplier feed is not valid JSON");
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let hour = u32::try_from(at.as_second().rem_euclid(86_400) / 3_600).unwrap_or(0);
    Ok((1..=4)
        .map(|i| SupplierStock {
            sku: format!("SKU-{i:03}"),
            stock: (hour * 7 + i * 5) % 13,
        })
        .collect())
}

/// Rebuilds `sitemap.xml` from the product list, every 15 minutes, within a 5-minute window.
#[scheduled("cron(0/15 * * * ? *)", window = "5m")]
pub async fn sitemap_refresh() -> anyhow::Result<usize> {
    let products = data::load("products.json", sample_products)?;
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for product in products.iter().filter(|p| p.stock > 0) {
        xml.push_str(&format!(
            "  <url><loc>https://shop.example.com/products/{}</loc></url>\n",
            product.slug
        ));
    }
    xml.push_str("</urlset>\n");
    data::write(&data::dir()?.join("sitemap.xml"), xml.as_bytes())?;
    let listed = products.iter().filter(|p| p.stock > 0).count();
    info!(listed, "sitemap refreshed");
    Ok(listed)
}

/// A TLS certificate the shop serves.
#[derive(Debug, Serialize, Deserialize)]
pub struct Certificate {
    /// Host name.
    pub domain: String,
    /// End of validity.
    pub expires_at: Timestamp,
}

/// Checks the shop's TLS certificates every morning at 06:00 UTC, monitored by a heartbeat: it
/// warns three weeks ahead and fails (so the monitor alerts) once one has expired. Its alarm
/// waits for two failed mornings in a row (a flaky network is no emergency) and says when a
/// morning succeeds again; after three it also pauses itself until someone resumes it.
#[scheduled(
    "cron(0 6 * * ? *)",
    heartbeat,
    retries = 0,
    alert_after = 2,
    pause_after = 3
)]
pub async fn ssl_certificate_check(ctx: TaskContext) -> anyhow::Result<Vec<String>> {
    let now = ctx.scheduled_time();
    let certificates: Vec<Certificate> = data::load("certificates.json", || {
        vec![
            Certificate {
                domain: "shop.example.com".to_owned(),
                expires_at: now + SignedDuration::from_hours(24 * 60),
            },
            Certificate {
                domain: "api.example.com".to_owned(),
                expires_at: now + SignedDuration::from_hours(24 * 12),
            },
        ]
    })?;
    let mut renew_soon = Vec::new();
    for certificate in &certificates {
        let left = certificate.expires_at.duration_since(now);
        anyhow::ensure!(
            left > SignedDuration::ZERO,
            "the certificate of {} expired at {}",
            certificate.domain,
            certificate.expires_at
        );
        if left < SignedDuration::from_hours(24 * 21) {
            warn!(domain = %certificate.domain, days_left = left.as_hours() / 24, "renew this certificate");
            renew_soon.push(certificate.domain.clone());
        }
    }
    Ok(renew_soon)
}

/// What a backup wrote.
#[derive(Debug, Serialize)]
pub struct BackupSummary {
    /// Where: `s3://<bucket>/backups/<day>`, or the folder under the data folder.
    pub folder: String,
    /// Files copied.
    pub files: usize,
    /// The database's host, from the secret `database-url` (deployed only; never its
    /// credentials).
    pub database: Option<String>,
}

/// Nightly backup of the shop's data at 02:30 Berlin time, in production only, to the S3
/// bucket `SHOP_BACKUP_BUCKET` (the data folder's `backups/` locally). It runs in its own
/// function group, `backup`: the only function whose role may write to the bucket or read the
/// database's URL, with the memory and the ten minutes a large dump needs, which the
/// every-minute tasks do not. Idempotent: a night's backup is taken once, however often it is
/// delivered.
#[scheduled(
    "cron(30 2 * * ? *)",
    timezone = "Europe/Berlin",
    environments = ["production"],
    idempotent,
    retries = 1,
    timeout = "10m",
    function = "backup",
    secrets = ["database-url"]
)]
pub async fn database_backup(ctx: TaskContext) -> anyhow::Result<BackupSummary> {
    let dir = data::dir()?;
    let day = format!("backups/{}", ctx.scheduled_time().strftime("%Y-%m-%d"));
    let bucket = outside::setting("SHOP_BACKUP_BUCKET");
    // Deployed, the dump is the database's; here, the data folder stands in for it.
    let database = match &bucket {
        Some(_) => Some(database_host(ctx.secret("database-url").await?.expose())?),
        None => None,
    };
    let mut files = 0;
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        let (Some(name), true) = (
            path.file_name().and_then(|n| n.to_str()),
            path.extension().is_some_and(|e| e == "json"),
        ) else {
            continue;
        };
        let bytes = std::fs::read(&path)?;
        match &bucket {
            Some(bucket) => {
                let key = format!("{day}/{name}");
                outside::s3()
                    .await
                    .put_object()
                    .bucket(bucket)
                    .key(&key)
                    .content_type("application/json")
                    .body(bytes.into())
                    .send()
                    .await
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "writing s3://{bucket}/{key}: {}",
                            aws_sdk_s3::error::DisplayErrorContext(e)
                        )
                    })?;
            }
            None => data::write(&dir.join(&day).join(name), &bytes)?,
        }
        files += 1;
    }
    let folder = match &bucket {
        Some(bucket) => format!("s3://{bucket}/{day}"),
        None => day,
    };
    info!(%folder, files, database = database.as_deref().unwrap_or("local"), "backup taken");
    Ok(BackupSummary {
        folder,
        files,
        database,
    })
}

/// The host of a database URL (`postgres://user:password@host:5432/shop` gives `host`),
/// without its credentials; an error that does not repeat the URL.
fn database_host(url: &str) -> anyhow::Result<String> {
    let rest = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .ok_or_else(|| anyhow::anyhow!("the secret database-url is not a URL (no `://`)"))?;
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    anyhow::ensure!(!host.is_empty(), "the secret database-url names no host");
    Ok(host.to_owned())
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

#[cfg(test)]
mod tests {
    use super::database_host;

    #[test]
    fn a_database_url_gives_its_host_and_never_its_credentials() {
        let host = database_host("postgres://backup:pa55@db.internal:5432/shop").unwrap();
        assert_eq!(host, "db.internal");
        assert_eq!(
            database_host("postgres://db.internal/shop").unwrap(),
            "db.internal"
        );
        let error = database_host("backup:pa55@db.internal")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("pa55"), "{error}");
        assert!(database_host("postgres:///shop").is_err());
    }
}

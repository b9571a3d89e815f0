//! The world outside the shop's data folder: S3 for the backups, SES for the review mails, the
//! supplier's HTTPS API for the stock feed. Each is used when the deployment configures it
//! (the module's `functions` variable gives a function group its variables) and otherwise has
//! a stand-in in the data folder, so `cargo run` works with no AWS account:
//!
//! | what | deployed, when set | stand-in |
//! |---|---|---|
//! | backups | `SHOP_BACKUP_BUCKET`: objects `backups/<day>/<file>` in that S3 bucket | `backups/<day>/` in the data folder |
//! | review mails | `SHOP_MAIL_FROM`: sent through SES v2 from that (verified) address | a line in `sent-mail.log` |
//! | supplier feed | `SHOP_SUPPLIER_URL`: `GET` with the secret `supplier-api-key` as a bearer token | `SHOP_SUPPLIER_FEED`'s file, else a supplier made up from the hour |
//!
//! The AWS clients take region, credentials and endpoint from the environment as Lambda sets it
//! (`AWS_REGION`, the access key variables; `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL_SESV2`
//! for a local server), through the runtime's `Connection::from_env_for` and `aws_client!`, on
//! the runtime's HTTPS stack, and are made once per process by the first run that needs one. Without
//! `aws-config`'s credential chain (profiles, SSO), which a Lambda never reads and which would
//! cost the binary megabytes and its cold start the relocations (`BENCHMARKS.md`).

use schedule_runtime::idempotency::Connection;
use tokio::sync::OnceCell;

/// The S3 client. Path-style addressing when an endpoint is configured (a local S3 such as
/// moto's answers on one host name, not one per bucket).
pub async fn s3() -> &'static aws_sdk_s3::Client {
    static CLIENT: OnceCell<aws_sdk_s3::Client> = OnceCell::const_new();
    CLIENT
        .get_or_init(|| async {
            schedule_runtime::aws_client!(
                aws_sdk_s3,
                Connection::from_env_for("S3"),
                |config, connection| config.force_path_style(connection.endpoint.is_some())
            )
        })
        .await
}

/// The SES v2 client.
pub async fn ses() -> &'static aws_sdk_sesv2::Client {
    static CLIENT: OnceCell<aws_sdk_sesv2::Client> = OnceCell::const_new();
    CLIENT
        .get_or_init(|| async {
            schedule_runtime::aws_client!(aws_sdk_sesv2, Connection::from_env_for("SESV2"))
        })
        .await
}

/// The supplier's API client, made once.
pub fn http() -> &'static reqwest::Client {
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()
            // Only a TLS backend that fails to initialise makes this fail; ring does not.
            .unwrap_or_default()
    })
}

/// A configuration variable's value: `None` when unset or empty.
pub fn setting(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

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
//! The AWS clients take region, credentials and endpoints (`AWS_ENDPOINT_URL_S3`,
//! `AWS_ENDPOINT_URL_SESV2`) from the standard chain, on the runtime's HTTPS stack, and are made
//! once per process, by the first run that needs one.

use aws_config::BehaviorVersion;
use tokio::sync::OnceCell;

/// The SDK's configuration: Lambda's credentials and region, made once.
async fn config() -> &'static aws_config::SdkConfig {
    static CONFIG: OnceCell<aws_config::SdkConfig> = OnceCell::const_new();
    CONFIG
        .get_or_init(|| {
            aws_config::defaults(BehaviorVersion::latest())
                .http_client(schedule_runtime::aws_http_client())
                .load()
        })
        .await
}

/// The S3 client. Path-style addressing when an endpoint is configured (a local S3 such as
/// moto's answers on one host name, not one per bucket).
pub async fn s3() -> &'static aws_sdk_s3::Client {
    static CLIENT: OnceCell<aws_sdk_s3::Client> = OnceCell::const_new();
    CLIENT
        .get_or_init(|| async {
            let config = aws_sdk_s3::config::Builder::from(config().await)
                .force_path_style(std::env::var_os("AWS_ENDPOINT_URL_S3").is_some())
                .build();
            aws_sdk_s3::Client::from_conf(config)
        })
        .await
}

/// The SES v2 client.
pub async fn ses() -> &'static aws_sdk_sesv2::Client {
    static CLIENT: OnceCell<aws_sdk_sesv2::Client> = OnceCell::const_new();
    CLIENT
        .get_or_init(|| async { aws_sdk_sesv2::Client::new(config().await) })
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

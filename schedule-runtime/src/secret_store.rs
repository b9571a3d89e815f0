//! Secrets in AWS, for the dispatch function: the generated module puts each secret a function
//! may read in Parameter Store (a SecureString it creates) or names one in Secrets Manager, and
//! tells the function where, in [`SECRETS`](crate::environment::SECRETS): a JSON object from
//! the secret's name to its place (`/app-production/secrets/supplier-api-key`, or a parameter's
//! or a secret's ARN). Names, never values: the values are read from the stores.
//!
//! A secret is read on its first use (nothing before the first poll, nothing for a run that
//! asks for none), with one signed call (`aws/json.rs`), and kept for [`LIFETIME`]: a rotated
//! value reaches a warm function within five minutes, and a task that reads its key on every
//! run costs one read per process per five minutes. Runs that ask together wait for one read.
//! A read that fails is not kept: the next run asks again.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use serde_json::json;
use tokio::time::Instant;

use crate::aws::Connection;
use crate::aws::json::{CallError, JsonService};
use crate::environment;
use crate::secret::{Secret, SecretError, SecretFuture, SecretSource, Secrets};

/// How long a read value is used before it is read again.
pub(crate) const LIFETIME: Duration = Duration::from_secs(5 * 60);

/// Where one secret is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Place {
    /// A parameter's name or ARN.
    Parameter(String),
    /// A secret's ARN (or name).
    SecretsManager(String),
}

impl Place {
    fn of(location: &str) -> Place {
        if location.starts_with("arn:") && location.split(':').nth(2) == Some("secretsmanager") {
            Place::SecretsManager(location.to_owned())
        } else {
            Place::Parameter(location.to_owned())
        }
    }
}

/// The secrets the function's environment names, read from AWS and kept a while.
pub(crate) struct AwsSecrets {
    /// The places: the environment's text, parsed on the first read.
    text: Option<String>,
    places: OnceLock<Result<BTreeMap<String, Place>, String>>,
    /// One connection for both services; `None`: each from the environment.
    connection: Option<Connection>,
    parameter_store: OnceLock<JsonService>,
    secrets_manager: OnceLock<JsonService>,
    lifetime: Duration,
    kept: Mutex<HashMap<String, Slot>>,
}

/// One secret's value and when it was read; a read holds it, so runs that ask together wait
/// for one read.
type Slot = Arc<tokio::sync::Mutex<Option<(Instant, Secret)>>>;

impl AwsSecrets {
    /// The secrets [`SECRETS`](environment::SECRETS) names, reached as the environment says
    /// (`AWS_ENDPOINT_URL_SSM`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`). Reads nothing yet.
    pub(crate) fn from_env() -> AwsSecrets {
        AwsSecrets::new(None, None, LIFETIME)
    }

    /// The secrets `text` places (the environment's, when `None`), reached through
    /// `connection` (the environment's, when `None`), each kept for `lifetime`.
    pub(crate) fn new(
        text: Option<String>,
        connection: Option<Connection>,
        lifetime: Duration,
    ) -> AwsSecrets {
        AwsSecrets {
            text,
            places: OnceLock::new(),
            connection,
            parameter_store: OnceLock::new(),
            secrets_manager: OnceLock::new(),
            lifetime,
            kept: Mutex::default(),
        }
    }

    fn connection(&self, service: &str) -> Connection {
        self.connection
            .clone()
            .unwrap_or_else(|| Connection::from_env_for(service))
    }

    fn places(&self) -> Result<&BTreeMap<String, Place>, String> {
        self.places
            .get_or_init(|| {
                let text = self
                    .text
                    .clone()
                    .unwrap_or_else(|| std::env::var(environment::SECRETS).unwrap_or_default());
                if text.trim().is_empty() {
                    return Ok(BTreeMap::new());
                }
                serde_json::from_str::<BTreeMap<String, String>>(&text)
                    .map(|places| {
                        places
                            .into_iter()
                            .map(|(name, location)| (name, Place::of(&location)))
                            .collect()
                    })
                    .map_err(|e| {
                        format!(
                            "{} is not a JSON object of names to places: {e}",
                            environment::SECRETS
                        )
                    })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    async fn fetch(&self, name: &str) -> Result<Secret, SecretError> {
        let places = self
            .places()
            .map_err(|problem| SecretError::new(name, problem))?;
        let Some(place) = places.get(name) else {
            let known: Vec<&str> = places.keys().map(String::as_str).collect();
            return Err(SecretError::new(
                name,
                if known.is_empty() {
                    "this function may read no secret (the module gives it none)".to_owned()
                } else {
                    format!(
                        "not one this function may read (it may read: {})",
                        known.join(", ")
                    )
                },
            ));
        };
        // The errors name the place, never a value: the value is what was not read.
        match place {
            Place::Parameter(parameter) => {
                let store = self
                    .parameter_store
                    .get_or_init(|| JsonService::parameter_store(self.connection("SSM")));
                let body = json!({ "Name": parameter, "WithDecryption": true });
                let answer = store
                    .call("GetParameter", &body)
                    .await
                    .map_err(|e| failed(name, parameter, &e))?;
                answer["Parameter"]["Value"]
                    .as_str()
                    .map(|value| Secret::new(name, value))
                    .ok_or_else(|| {
                        SecretError::new(name, format!("parameter {parameter} has no value"))
                    })
            }
            Place::SecretsManager(secret) => {
                let store = self.secrets_manager.get_or_init(|| {
                    JsonService::secrets_manager(self.connection("SECRETS_MANAGER"))
                });
                let body = json!({ "SecretId": secret });
                let answer = store
                    .call("GetSecretValue", &body)
                    .await
                    .map_err(|e| failed(name, secret, &e))?;
                answer["SecretString"]
                    .as_str()
                    .map(|value| Secret::new(name, value))
                    .ok_or_else(|| {
                        SecretError::new(
                            name,
                            format!("{secret} holds no SecretString (a binary secret is not read)"),
                        )
                    })
            }
        }
    }
}

/// The Lambda's secrets, as its environment places them.
pub(crate) fn from_env() -> Secrets {
    Secrets::new(AwsSecrets::from_env())
}

/// A failed read, named by the secret and its place.
fn failed(name: &str, place: &str, error: &CallError) -> SecretError {
    SecretError::new(name, format!("reading {place}: {error}"))
}

impl SecretSource for AwsSecrets {
    fn read<'a>(&'a self, name: &'a str) -> SecretFuture<'a> {
        Box::pin(async move {
            let slot = Arc::clone(
                self.kept
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(name.to_owned())
                    .or_default(),
            );
            let mut kept = slot.lock().await;
            if let Some((read_at, secret)) = kept.as_ref()
                && read_at.elapsed() < self.lifetime
            {
                return Ok(secret.clone());
            }
            let secret = self.fetch(name).await?;
            *kept = Some((Instant::now(), secret.clone()));
            Ok(secret)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secrets_manager_arn_is_read_there_and_anything_else_from_parameter_store() {
        let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-url-AbCdEf";
        assert_eq!(Place::of(arn), Place::SecretsManager(arn.to_owned()));
        let parameter = "arn:aws:ssm:eu-west-1:123456789012:parameter/shop/secrets/key";
        assert_eq!(Place::of(parameter), Place::Parameter(parameter.to_owned()));
        assert_eq!(
            Place::of("/shop-production/secrets/key"),
            Place::Parameter("/shop-production/secrets/key".to_owned())
        );
    }

    /// moto, as `scripts/test.sh` starts it (one endpoint for every service).
    fn moto() -> Option<Connection> {
        let endpoint = std::env::var("SCHEDULE_TEST_DYNAMODB_ENDPOINT").ok()?;
        Some(Connection {
            region: "us-east-1".to_owned(),
            endpoint: Some(endpoint),
            credentials: Some(crate::aws::StaticCredentials {
                access_key_id: "testing".to_owned(),
                secret_access_key: "testing".to_owned(),
                session_token: None,
            }),
        })
    }

    #[tokio::test]
    #[ignore = "needs moto (SCHEDULE_TEST_DYNAMODB_ENDPOINT): run bash scripts/test.sh"]
    async fn secrets_are_read_from_parameter_store_and_secrets_manager_and_kept_a_while() {
        let moto = moto().expect("SCHEDULE_TEST_DYNAMODB_ENDPOINT is not set");
        let run = std::process::id();
        let parameter = format!("/secrets-test-{run}/supplier-api-key");
        let ssm = JsonService::parameter_store(moto.clone());
        let put = |value: &str| json!({"Name": parameter, "Value": value, "Type": "SecureString", "Overwrite": true});
        ssm.call("PutParameter", &put("key-one")).await.unwrap();
        let manager = JsonService::secrets_manager(moto.clone());
        let created = manager
            .call(
                "CreateSecret",
                &json!({"Name": format!("secrets-test-{run}/db"), "SecretString": r#"{"url":"postgres://db"}"#}),
            )
            .await
            .unwrap();
        let arn = created["ARN"].as_str().unwrap().to_owned();
        let places = json!({
            "supplier-api-key": parameter,
            "db": arn,
            "gone": format!("/secrets-test-{run}/never-written"),
        })
        .to_string();
        let secrets = AwsSecrets::new(Some(places.clone()), Some(moto.clone()), LIFETIME);

        let key = secrets.read("supplier-api-key").await.unwrap();
        assert_eq!(key.expose(), "key-one");
        #[derive(serde::Deserialize)]
        struct Db {
            url: String,
        }
        let db: Db = secrets.read("db").await.unwrap().parse().unwrap();
        assert_eq!(db.url, "postgres://db");

        // Rotated: a process that read it keeps the value it read for its lifetime; one
        // whose lifetime is over reads the new one.
        ssm.call("PutParameter", &put("key-two")).await.unwrap();
        assert_eq!(
            secrets.read("supplier-api-key").await.unwrap().expose(),
            "key-one"
        );
        let fresh = AwsSecrets::new(Some(places), Some(moto), Duration::ZERO);
        assert_eq!(
            fresh.read("supplier-api-key").await.unwrap().expose(),
            "key-two"
        );

        // What cannot be read is named, by the secret and its place, and is not kept.
        let gone = secrets.read("gone").await.unwrap_err().to_string();
        assert!(
            gone.starts_with(&format!(
                "secret `gone`: reading /secrets-test-{run}/never-written: Parameter Store answered 400 Bad Request ParameterNotFound"
            )),
            "{gone}"
        );
        let other = secrets.read("payroll").await.unwrap_err().to_string();
        assert_eq!(
            other,
            "secret `payroll`: not one this function may read (it may read: db, gone, supplier-api-key)"
        );
        assert!(!gone.contains("key-") && !other.contains("key-"));
    }
}

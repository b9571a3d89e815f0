//! Secrets a task reads by name, [`TaskContext::secret`](crate::TaskContext::secret): where they
//! come from is the process's business, not the task's.
//!
//! - **Outside Lambda** (`cargo run`, `invoke`, a task's own tests): the variable
//!   `SCHEDULE_SECRET_<NAME>` (the name in upper case, `-` and `.` as `_`), else the file
//!   `<state dir>/secrets/<name>` (one trailing line break dropped). No AWS account needed.
//! - **In Lambda**: Parameter Store (a SecureString, decrypted) or Secrets Manager, as the
//!   generated module tells the function where each of its secrets is (`secret_store.rs`).
//!
//! A secret's value is never in an error, a log line or a `Debug` output: [`Secret`] shows
//! itself as `Secret(<redacted>)`, and [`SecretError`] names the secret and what went wrong.

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;

use serde::de::DeserializeOwned;

/// The prefix of the variable that holds a secret outside Lambda.
pub const LOCAL_VARIABLE_PREFIX: &str = "SCHEDULE_SECRET_";

/// The folder of the state directory that holds secrets outside Lambda, one file each.
pub const LOCAL_FOLDER: &str = "secrets";

/// A secret's value. Read it with [`expose`](Secret::expose) where it is used; it does not
/// show itself in `Debug` or `Display`, so a log line or an error that holds it by mistake
/// shows `<redacted>`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    name: Arc<str>,
    value: Arc<str>,
}

impl Secret {
    pub(crate) fn new(name: &str, value: impl Into<Arc<str>>) -> Secret {
        Secret {
            name: name.into(),
            value: value.into(),
        }
    }

    /// The secret's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value, as stored.
    pub fn expose(&self) -> &str {
        &self.value
    }

    /// The value decoded from JSON as a `T` (a Secrets Manager secret of key-value pairs, for
    /// instance). The error names the secret and where the JSON is wrong, never the value.
    pub fn parse<T: DeserializeOwned>(&self) -> Result<T, SecretError> {
        serde_json::from_str(&self.value).map_err(|e| {
            // serde_json's message may quote the value ("invalid type: string \"...\""): only
            // its category and position are told.
            let kind = match e.classify() {
                serde_json::error::Category::Io => "unreadable",
                serde_json::error::Category::Syntax => "not JSON",
                serde_json::error::Category::Data => "JSON of another shape",
                serde_json::error::Category::Eof => "JSON cut short",
            };
            SecretError::new(
                &self.name,
                format!(
                    "{kind} for `{}` (line {}, column {})",
                    std::any::type_name::<T>(),
                    e.line(),
                    e.column()
                ),
            )
        })
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({}: <redacted>)", self.name)
    }
}

/// Why a secret could not be read: its name and the problem, never a value. A run that fails
/// on it can be retried once the secret is there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("secret `{name}`: {problem}")]
pub struct SecretError {
    name: String,
    problem: String,
}

impl SecretError {
    pub(crate) fn new(name: &str, problem: impl Into<String>) -> SecretError {
        SecretError {
            name: name.to_owned(),
            problem: problem.into(),
        }
    }

    /// The secret's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A boxed future of one read.
pub(crate) type SecretFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Secret, SecretError>> + Send + 'a>>;

/// Where a process reads its tasks' secrets from.
pub(crate) trait SecretSource: Send + Sync + 'static {
    fn read<'a>(&'a self, name: &'a str) -> SecretFuture<'a>;
}

/// Where a process reads secrets, registered by each task that declares one
/// (`#[scheduled(secrets = [...])]`): an application with no such task has none, and its
/// binary holds none of this code.
#[doc(hidden)]
pub struct SecretsBackend {
    /// Outside Lambda, with the state directory if there is one.
    #[cfg_attr(not(feature = "app"), allow(dead_code))]
    pub(crate) local: fn(Option<&Path>) -> Secrets,
    /// In Lambda.
    #[cfg(feature = "app")]
    pub(crate) aws: fn() -> Secrets,
}

inventory::collect!(SecretsBackend);

/// The process's backend, when a task declares a secret.
#[cfg_attr(not(feature = "app"), allow(dead_code))]
pub(crate) fn backend() -> Option<&'static SecretsBackend> {
    inventory::iter::<SecretsBackend>.into_iter().next()
}

/// The handle a [`TaskContext`](crate::TaskContext) holds: cheap to clone, shared by every run
/// of the process (so a cache behind it is the process's).
#[derive(Clone)]
pub(crate) struct Secrets(Arc<dyn SecretSource>);

impl Secrets {
    pub(crate) fn new(source: impl SecretSource) -> Secrets {
        Secrets(Arc::new(source))
    }

    /// Outside Lambda: the variables, then the files of `state_dir` if there is one.
    pub(crate) fn local(state_dir: Option<&Path>) -> Secrets {
        Secrets::new(LocalSecrets {
            folder: state_dir.map(|dir| dir.join(LOCAL_FOLDER)),
            fixed: BTreeMap::new(),
        })
    }

    /// `self` with `name` set to `value` before anything else (a task's tests).
    pub(crate) fn fixed(name: &str, value: &str, state_dir: Option<&Path>) -> Secrets {
        Secrets::new(LocalSecrets {
            folder: state_dir.map(|dir| dir.join(LOCAL_FOLDER)),
            fixed: BTreeMap::from([(name.to_owned(), value.to_owned())]),
        })
    }

    pub(crate) async fn read(&self, name: &str) -> Result<Secret, SecretError> {
        check_name(name)?;
        self.0.read(name).await
    }
}

/// A handle, not data: every two are alike, so a context compares by its run's facts.
impl PartialEq for Secrets {
    fn eq(&self, _: &Secrets) -> bool {
        true
    }
}

impl Eq for Secrets {}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets")
    }
}

/// A secret's name: what [`check_secret_name`](schedule_core::limits::check_secret_name)
/// takes (a name that could leave the secrets' folder never reaches it).
fn check_name(name: &str) -> Result<(), SecretError> {
    schedule_core::limits::check_secret_name(name)
        .map_err(|rule| SecretError::new(name, format!("a secret's name is {rule}")))
}

/// The variable that holds `name` outside Lambda: `supplier-api-key` is
/// `SCHEDULE_SECRET_SUPPLIER_API_KEY`.
pub fn local_variable(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| match c {
            '-' | '.' => '_',
            c => c.to_ascii_uppercase(),
        })
        .collect();
    format!("{LOCAL_VARIABLE_PREFIX}{upper}")
}

/// Outside Lambda: set values (tests), the variables, then a folder of files.
struct LocalSecrets {
    folder: Option<PathBuf>,
    fixed: BTreeMap<String, String>,
}

impl SecretSource for LocalSecrets {
    fn read<'a>(&'a self, name: &'a str) -> SecretFuture<'a> {
        Box::pin(async move {
            if let Some(value) = self.fixed.get(name) {
                return Ok(Secret::new(name, value.as_str()));
            }
            let variable = local_variable(name);
            if let Some(value) = std::env::var_os(&variable) {
                return value
                    .into_string()
                    .map(|value| Secret::new(name, value))
                    .map_err(|_| SecretError::new(name, format!("{variable} is not UTF-8")));
            }
            let Some(folder) = &self.folder else {
                return Err(SecretError::new(name, format!("not set: set {variable}")));
            };
            let file = folder.join(name);
            match std::fs::read_to_string(&file) {
                Ok(text) => {
                    let value = text
                        .strip_suffix('\n')
                        .map(|t| t.strip_suffix('\r').unwrap_or(t))
                        .unwrap_or(&text);
                    Ok(Secret::new(name, value))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SecretError::new(
                    name,
                    format!(
                        "not set: set {variable} or write the file {}",
                        file.display()
                    ),
                )),
                Err(e) => Err(SecretError::new(
                    name,
                    format!("cannot read {}: {e}", file.display()),
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secrets_variable_is_its_name_in_upper_case_with_underscores() {
        assert_eq!(
            local_variable("supplier-api-key"),
            "SCHEDULE_SECRET_SUPPLIER_API_KEY"
        );
        assert_eq!(local_variable("db.url_2"), "SCHEDULE_SECRET_DB_URL_2");
    }

    #[tokio::test]
    async fn a_local_secret_is_read_from_its_file_and_never_shown() {
        let dir = std::env::temp_dir().join(format!("secrets-{}", std::process::id()));
        std::fs::create_dir_all(dir.join(LOCAL_FOLDER)).unwrap();
        std::fs::write(
            dir.join(LOCAL_FOLDER).join("db-url-test"),
            "postgres://u:p@h/db\n",
        )
        .unwrap();
        let secrets = Secrets::local(Some(&dir));
        let secret = secrets.read("db-url-test").await.unwrap();
        assert_eq!(secret.expose(), "postgres://u:p@h/db");
        assert_eq!(format!("{secret:?}"), "Secret(db-url-test: <redacted>)");

        let missing = secrets.read("absent-test").await.unwrap_err();
        assert_eq!(
            missing.to_string(),
            format!(
                "secret `absent-test`: not set: set SCHEDULE_SECRET_ABSENT_TEST or write the file {}",
                dir.join(LOCAL_FOLDER).join("absent-test").display()
            )
        );
        // A name that could leave the folder is refused before anything is read.
        let refused = secrets.read("../ledger.jsonl").await.unwrap_err();
        assert_eq!(
            refused.to_string(),
            "secret `../ledger.jsonl`: a secret's name is 1 to 64 of `0-9 A-Z a-z - _ .`"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_secret_that_does_not_decode_is_named_without_its_value() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Key {
            port: u16,
        }
        let secret = Secret::new("supplier", r#"{"port": "hunter2"}"#);
        let error = secret.parse::<Key>().unwrap_err().to_string();
        assert!(
            error.starts_with("secret `supplier`: JSON of another shape for `"),
            "{error}"
        );
        assert!(!error.contains("hunter2"), "{error}");
        let error = Secret::new("supplier", "hunter2")
            .parse::<Key>()
            .unwrap_err();
        assert!(error.to_string().contains("not JSON"), "{error}");
        assert!(!error.to_string().contains("hunter2"), "{error}");
        assert_eq!(
            Secret::new("p", r#"{"port": 5432}"#)
                .parse::<Key>()
                .unwrap()
                .port,
            5432
        );
    }
}

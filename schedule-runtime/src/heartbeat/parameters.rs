//! Ping URLs kept as SecureString parameters of SSM Parameter Store, where the generated module
//! puts them: a ping URL is a credential, and the function's environment is readable by whoever
//! may call `lambda:GetFunctionConfiguration`. The module gives the function the parameters'
//! prefix ([`HEARTBEAT_PARAMETERS`](crate::environment::HEARTBEAT_PARAMETERS), e.g.
//! `/shop-production/heartbeat/`); task `report`'s URL is the parameter `<prefix>report`.
//!
//! Each URL is read once per process, by the first run of its task (a cold start reads nothing
//! before its first poll, and a task that never runs in this process costs no request): one
//! `GetParameter`, decrypted. A parameter that does not exist means "no monitor", as an empty
//! variable does, and is not asked for again; any other failure is reported to the caller and
//! asked for again by the next run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use aws_sdk_ssm::Client;
use aws_sdk_ssm::error::DisplayErrorContext;
use aws_sdk_ssm::operation::get_parameter::GetParameterError;
use tokio::sync::OnceCell;

use crate::aws::{Connection, Patience, sdk_client};
use crate::environment;

/// A lookup's patience: it happens inside the ping budget, in the background of the run's
/// start. Parameter Store answers `ThrottlingException` past its default 40 reads a second,
/// which the SDK's standard retries absorb with backoff.
const LOOKUP: Patience = Patience {
    attempts: 3,
    connect: Duration::from_secs(1),
    attempt: Duration::from_secs(2),
    operation: super::PING_BUDGET,
};

/// What a task's lookup found: its URL, or `None` for no parameter.
type Found = Option<String>;

/// The URLs under one prefix, each read on first use.
pub(crate) struct Parameters {
    prefix: String,
    connection: Connection,
    client: OnceLock<Client>,
    found: Mutex<HashMap<String, Arc<OnceCell<Found>>>>,
}

impl Parameters {
    /// The parameters the environment names; `None` without a prefix.
    pub(crate) fn from_env() -> Option<Parameters> {
        let prefix = std::env::var(environment::HEARTBEAT_PARAMETERS)
            .ok()
            .filter(|prefix| !prefix.is_empty())?;
        Some(Parameters::new(prefix, Connection::from_env_for("SSM")))
    }

    /// The parameters under `prefix`, reached as `connection` says.
    pub(crate) fn new(prefix: String, connection: Connection) -> Parameters {
        Parameters {
            prefix,
            connection,
            client: OnceLock::new(),
            found: Mutex::default(),
        }
    }

    /// The name of `task`'s parameter.
    pub(crate) fn name(&self, task: &str) -> String {
        format!("{}{task}", self.prefix)
    }

    /// `task`'s ping URL: read from Parameter Store by the first call, remembered after. Runs
    /// of one task that start together wait for the one read.
    pub(crate) async fn url(&self, task: &str) -> Result<Found, String> {
        let cell = Arc::clone(
            self.found
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(task.to_owned())
                .or_default(),
        );
        cell.get_or_try_init(|| self.read(task)).await.cloned()
    }

    async fn read(&self, task: &str) -> Result<Found, String> {
        let client = self
            .client
            .get_or_init(|| sdk_client!(aws_sdk_ssm, self.connection.clone(), LOOKUP));
        let name = self.name(task);
        match client
            .get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await
        {
            Ok(output) => Ok(output
                .parameter
                .and_then(|parameter| parameter.value)
                .map(|url| url.trim().trim_end_matches('/').to_owned())
                .filter(|url| !url.is_empty())),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(GetParameterError::is_parameter_not_found) =>
            {
                Ok(None)
            }
            // The error names the parameter, never its value: the value is what was not read.
            Err(error) => Err(format!(
                "reading parameter {name}: {}",
                DisplayErrorContext(error)
            )),
        }
    }
}

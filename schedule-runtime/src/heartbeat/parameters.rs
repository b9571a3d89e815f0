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
//!
//! The request is Parameter Store's JSON protocol, signed, over the runtime's HTTPS stack
//! (`aws/json.rs`). The SSM SDK would do the same for one operation at the price of 1.25 MB and
//! 5,400 relocations more in the Lambda binary, and a slower cold start (`BENCHMARKS.md`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::json;
use tokio::sync::OnceCell;

use crate::aws::Connection;
use crate::aws::json::{CallError, JsonService};
use crate::environment;

/// What a task's lookup found: its URL, or `None` for no parameter.
type Found = Option<String>;

/// The URLs under one prefix, each read on first use.
pub(crate) struct Parameters {
    prefix: String,
    store: JsonService,
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
            store: JsonService::parameter_store(connection),
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
        let name = self.name(task);
        let body = json!({ "Name": name, "WithDecryption": true });
        // The errors name the parameter, never its value: the value is what was not read.
        match self.store.call("GetParameter", &body).await {
            Ok(answer) => Ok(answer["Parameter"]["Value"]
                .as_str()
                .map(|url| url.trim().trim_end_matches('/').to_owned())
                .filter(|url| !url.is_empty())),
            Err(CallError::Refused(refused)) if refused.kind == "ParameterNotFound" => Ok(None),
            Err(error) => Err(format!("reading parameter {name}: {error}")),
        }
    }
}

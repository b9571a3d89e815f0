//! Runs of a task deferred from code to a chosen time: "send the review request three days
//! after the order ships". Feature `defer`.
//!
//! ```no_run
//! use std::time::Duration;
//! use schedule_runtime::{TaskContext, scheduled};
//! # #[derive(serde::Serialize, serde::Deserialize)] struct Order { id: u64 }
//!
//! /// Asks the customer for a review; runs only when deferred.
//! #[scheduled(deferred, timezone = "Europe/Berlin", idempotent)]
//! async fn review_request(order: Order) -> anyhow::Result<()> {
//!     # let _ = order.id;
//!     Ok(())
//! }
//!
//! async fn order_shipped(order: Order) -> Result<(), schedule_runtime::defer::DeferError> {
//!     let key = format!("order-{}", order.id);
//!     let run = schedule_runtime::defer::<review_request>(order)
//!         .after(Duration::from_secs(3 * 24 * 3600))
//!         .key(key)
//!         .send()
//!         .await?;
//!     println!("review request {} at {}", run.key, run.at);
//!     Ok(())
//! }
//! ```
//!
//! - **The task is named by its Rust item.** `#[scheduled]` on `async fn review_request` also
//!   declares a type `review_request` ([`Task`]): `defer::<review_request>(input)` takes
//!   exactly the function's input type (`()` for a task without input), so a wrong payload is
//!   a compile error at the call. Any task can be deferred; one declared
//!   `#[scheduled(deferred)]` runs *only* when deferred.
//! - **The time** is an instant ([`Defer::at`]) or a delay from now ([`Defer::after`]), in the
//!   future. The run's scheduled time is that instant to the millisecond; AWS starts it within
//!   the minute that follows (Scheduler's precision).
//! - **The key** names the run within its task: deferring under a key that has a pending run
//!   defers nothing and returns that run (`created: false`), and [`cancel`] removes a pending
//!   run by its key. Without [`Deferral::key`], a random key is chosen and returned. A key
//!   dedupes while its run is pending; once it has run, the key is free again.
//! - **The run** is delivered like any occurrence, with the event Scheduler sends a schedule's
//!   target plus the member `deferral` (the key): the task's alias, so its retries and
//!   dead-letter queue apply, idempotency (the key is part of the occurrence, so runs deferred
//!   to the same instant under different keys are different occurrences), the ledger, pause.
//!
//! Where the run is kept depends on the process (see [`use_state_dir`] and `docs/contracts.md`):
//!
//! - **In AWS**: a one-time EventBridge Scheduler schedule in the application's schedule group
//!   (`at()` in the task's time zone, deleted by Scheduler after it fires), built on first use
//!   from the variables the generated module sets on the function ([`environment`]'s
//!   `SCHEDULE_DEFER_*`, `AWS_ENDPOINT_URL_SCHEDULER`). Another service that links the tasks
//!   defers the same way with the module's `defer_environment` output as its variables and its
//!   `deferrer_policy_arn` attached to its role, or configures it in code with
//!   [`use_scheduler`].
//! - **Locally**: `deferred.json` in the state directory; the local runner (`cargo run`) fires
//!   each run at its time and `list` shows the pending ones.
//!
//! [`environment`]: crate::environment

mod aws;
mod name;

use std::marker::PhantomData;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use schedule_core::jiff::{SignedDuration, Timestamp, Unit};
use serde::Serialize;

use crate::environment;
use crate::task::{Registration, Task};

pub use crate::deferred::{LocalDeferrals, Pending};
pub use name::schedule_name;

/// Starts deferring a run of the task `T` with `input`, the task's own input type. Give the
/// time with [`Defer::at`] or [`Defer::after`]. See the [module docs](self).
pub fn defer<T: Task>(input: T::Input) -> Defer<T>
where
    T::Input: Serialize,
{
    Defer {
        input: serde_json::to_value(&input),
        task: PhantomData,
    }
}

/// A deferral still waiting for its time: [`Defer::at`] or [`Defer::after`].
#[must_use = "a deferral does nothing until it has a time and is sent"]
pub struct Defer<T> {
    input: Result<serde_json::Value, serde_json::Error>,
    task: PhantomData<fn() -> T>,
}

impl<T: Task> Defer<T> {
    /// Runs the task at `when`.
    pub fn at(self, when: Timestamp) -> Deferral<T> {
        self.timed(When::At(when))
    }

    /// Runs the task `delay` from now (the time is taken when the deferral is sent).
    pub fn after(self, delay: Duration) -> Deferral<T> {
        self.timed(When::After(delay))
    }

    fn timed(self, when: When) -> Deferral<T> {
        Deferral {
            input: self.input,
            when,
            key: None,
            task: PhantomData,
        }
    }
}

/// A deferral ready to send: [`Deferral::send`].
#[must_use = "a deferral does nothing until it is sent"]
pub struct Deferral<T> {
    input: Result<serde_json::Value, serde_json::Error>,
    when: When,
    key: Option<String>,
    task: PhantomData<fn() -> T>,
}

#[derive(Debug, Clone, Copy)]
enum When {
    At(Timestamp),
    After(Duration),
}

impl<T: Task> Deferral<T> {
    /// Names the run within its task: a second deferral under a key whose run is pending defers
    /// nothing, and [`cancel`] takes the key.
    pub fn key(self, key: impl Into<String>) -> Deferral<T> {
        Deferral {
            key: Some(key.into()),
            ..self
        }
    }

    /// Defers the run: creates it, or finds the pending run under the same key.
    pub async fn send(self) -> Result<Deferred, DeferError> {
        let input = self.input.map_err(DeferError::Input)?;
        let key = match self.key {
            Some(key) if key.is_empty() => return Err(DeferError::EmptyKey),
            Some(key) => key,
            None => uuid::Uuid::new_v4().simple().to_string(),
        };
        let task = registration(T::NAME)?;
        let backend = backend()?;
        let now = backend.now();
        let at = match self.when {
            When::At(at) => at,
            When::After(delay) => {
                let delay = SignedDuration::try_from(delay)
                    .map_err(|_| DeferError::TooFar(format!("{delay:?} from now")))?;
                now.checked_add(delay)
                    .map_err(|_| DeferError::TooFar(format!("{delay:?} from now")))?
            }
        };
        // The ledger and the idempotency store key occurrences to the millisecond.
        let at = at
            .round(Unit::Millisecond)
            .map_err(|e| DeferError::TooFar(e.to_string()))?;
        if at <= now {
            return Err(DeferError::InThePast { at, now });
        }
        let run = Run {
            task,
            key,
            at,
            input,
        };
        backend.create(run).await
    }
}

/// Removes the pending run of the task `T` under `key`: `true` if there was one, `false` if
/// there was none (never deferred, cancelled already, or already run).
pub async fn cancel<T: Task>(key: &str) -> Result<bool, DeferError> {
    if key.is_empty() {
        return Err(DeferError::EmptyKey);
    }
    let task = registration(T::NAME)?;
    backend()?.cancel(task, key).await
}

/// A deferred run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deferred {
    /// The task's name.
    pub task: &'static str,
    /// The run's key (given, or chosen at random).
    pub key: String,
    /// When it runs (its scheduled time).
    pub at: Timestamp,
    /// `false` when a run under this key was already pending: nothing new was deferred, and
    /// `at` is the pending run's.
    pub created: bool,
    /// Its name where it is kept: the one-time schedule's in AWS ([`schedule_name`]).
    pub name: String,
}

/// Why a run could not be deferred or cancelled. Nothing was deferred.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeferError {
    /// This process has nowhere to keep deferred runs.
    #[error(
        "deferring needs somewhere to keep the run: in AWS, the variables {} (the generated \
         module sets them on the function; another service takes them from its \
         `defer_environment` output); locally, `schedule_runtime::defer::use_state_dir` \
         (the local runner calls it)",
        environment::DEFER_VARIABLES.join(", ")
    )]
    NotConfigured,
    /// The input did not serialize to JSON.
    #[error("the task's input does not serialize to JSON: {0}")]
    Input(#[source] serde_json::Error),
    /// An empty key.
    #[error("a deferral's key must not be empty")]
    EmptyKey,
    /// The time has passed.
    #[error("cannot defer a run to {at}: it is not in the future (now is {now})")]
    InThePast {
        /// The time asked for.
        at: Timestamp,
        /// The time when it was asked.
        now: Timestamp,
    },
    /// A time beyond what can be represented.
    #[error("cannot defer a run that far: {0}")]
    TooFar(String),
    /// The task is not in this binary's registry (a `Task` type from another binary).
    #[error("the task `{0}` is not registered in this binary")]
    NotRegistered(&'static str),
    /// Where deferred runs are kept refused or could not be reached.
    #[error("{0}")]
    Store(String),
}

/// One run to defer, checked.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) task: &'static Registration,
    pub(crate) key: String,
    pub(crate) at: Timestamp,
    pub(crate) input: serde_json::Value,
}

/// Where this process keeps deferred runs.
#[derive(Clone)]
enum Backend {
    Local(Arc<LocalDeferrals>),
    Aws(Arc<aws::SchedulerDeferrals>),
}

impl Backend {
    fn now(&self) -> Timestamp {
        match self {
            Backend::Local(local) => local.now(),
            Backend::Aws(_) => Timestamp::now(),
        }
    }

    async fn create(&self, run: Run) -> Result<Deferred, DeferError> {
        match self {
            Backend::Local(local) => create_local(local, run),
            Backend::Aws(aws) => aws.create(run).await,
        }
    }

    async fn cancel(&self, task: &'static Registration, key: &str) -> Result<bool, DeferError> {
        match self {
            Backend::Local(local) => local
                .cancel(task.name(), key)
                .map_err(|e| DeferError::Store(e.to_string())),
            Backend::Aws(aws) => aws.cancel(task, key).await,
        }
    }
}

/// Keeps `run` in the state directory's file.
fn create_local(local: &LocalDeferrals, run: Run) -> Result<Deferred, DeferError> {
    let task = run.task.name();
    let existing = local
        .insert(Pending {
            task: task.to_owned(),
            key: run.key.clone(),
            at: run.at,
            input: run.input,
            deferred_at: local.now(),
        })
        .map_err(|e| DeferError::Store(e.to_string()))?;
    Ok(Deferred {
        task,
        name: schedule_name(task, &run.key),
        key: run.key,
        at: existing.unwrap_or(run.at),
        created: existing.is_none(),
    })
}

static BACKEND: RwLock<Option<Backend>> = RwLock::new(None);

/// Keeps this process's deferred runs in `dir` (as `deferred.json`), where the local runner
/// started with the same `--state-dir` fires them; for a process other than the runner (a
/// web server in development, say). The application's command line calls it for its state
/// directory, so tasks run by `cargo run` defer locally. Returns the store, which the local
/// runner watches.
pub fn use_state_dir(dir: impl Into<PathBuf>) -> Arc<LocalDeferrals> {
    use_local(LocalDeferrals::new(dir.into().join(crate::deferred::FILE)))
}

/// Where a process defers runs in AWS when it is not configured by the environment's
/// `SCHEDULE_DEFER_*` variables: the values of the generated module's `defer_environment`
/// output, and how to reach Scheduler.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// The application's schedule group (`SCHEDULE_DEFER_GROUP`).
    pub group: String,
    /// The role Scheduler assumes to deliver runs (`SCHEDULE_DEFER_ROLE_ARN`).
    pub role_arn: String,
    /// The default dispatch function's unqualified ARN (`SCHEDULE_DEFER_FUNCTION_ARN`); a run
    /// of a task declared `function = "<group>"` targets `<arn>-<group>:<alias>`.
    pub function_arn: String,
    /// The dead-letter queue's ARN (`SCHEDULE_DEFER_DEAD_LETTER_ARN`).
    pub dead_letter_arn: String,
    /// Region, endpoint and credentials.
    pub connection: crate::idempotency::Connection,
}

/// Defers this process's runs to EventBridge Scheduler as `config` says, instead of as the
/// environment says. The client is built on the first deferral.
pub fn use_scheduler(config: SchedulerConfig) {
    let mut backend = BACKEND
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *backend = Some(Backend::Aws(Arc::new(aws::SchedulerDeferrals::new(config))));
}

/// Keeps this process's deferred runs in `deferrals` (a store on a test's clock, say).
pub fn use_local(deferrals: LocalDeferrals) -> Arc<LocalDeferrals> {
    let deferrals = Arc::new(deferrals);
    let mut backend = BACKEND
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    *backend = Some(Backend::Local(Arc::clone(&deferrals)));
    deferrals
}

/// This process's backend: the one chosen by [`use_state_dir`], else AWS when the
/// environment configures it.
fn backend() -> Result<Backend, DeferError> {
    if let Some(backend) = BACKEND
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
    {
        return Ok(backend.clone());
    }
    let aws = aws::SchedulerDeferrals::from_env().ok_or(DeferError::NotConfigured)?;
    let mut slot = BACKEND
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok(slot
        .get_or_insert_with(|| Backend::Aws(Arc::new(aws)))
        .clone())
}

/// The registration of the task named `name` in this binary.
fn registration(name: &'static str) -> Result<&'static Registration, DeferError> {
    inventory::iter::<Registration>
        .into_iter()
        .find(|task| task.name() == name)
        .ok_or(DeferError::NotRegistered(name))
}

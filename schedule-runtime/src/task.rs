//! What a `#[scheduled]` function becomes: a [`Registration`] holding its [`TaskSpec`] and a
//! type-erased entry point, plus the traits that check its signature where the user wrote it.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use schedule_core::TaskSpec;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::context::TaskContext;

mod plan;
pub(crate) use plan::Planned;

/// Any error a task returns, boxed. Both `std::error::Error + Send + Sync + 'static` types and
/// `anyhow::Error` convert into it.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The future of one run: the task's result as JSON, or why it failed.
pub type TaskFuture = Pin<Box<dyn Future<Output = Result<Value, TaskError>> + Send + 'static>>;

/// The type-erased entry point of a task. Used by the expansion (through `__private`).
pub type TaskFn = fn(TaskContext, TaskInput) -> TaskFuture;

/// Why a run of a task failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// The event's `input` (or the declared one) does not decode as the task's input type.
    #[error("the input does not decode as `{type_name}`: {source}")]
    Input {
        /// The Rust type the task expects.
        type_name: &'static str,
        /// serde's account of what is wrong.
        source: serde_json::Error,
    },
    /// The event carries no `input` for a task that has no schedule and no declared input:
    /// nothing to run it with. (A scheduled task's input type has a default instead.)
    #[error(
        "the event has no `input`, and a deferred task's `{type_name}` has no default: send it \
         the input, e.g. `invoke <task> --input '{{...}}'`"
    )]
    MissingInput {
        /// The Rust type the task expects.
        type_name: &'static str,
    },
    /// The task succeeded but its result does not serialise to JSON.
    #[error("the task's result does not serialise to JSON: {0}")]
    Output(serde_json::Error),
    /// The task returned an error.
    #[error("{0}")]
    Failed(BoxError),
}

/// Where a task was declared, for messages about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Source file, as `file!()` gives it.
    pub file: &'static str,
    /// Line of the `#[scheduled]` attribute.
    pub line: u32,
    /// Column of the `#[scheduled]` attribute.
    pub column: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// Checks that a task's declared `input = ...` decodes as its input type. Used by the
/// expansion (through `__private`).
pub type InputCheck = fn() -> Result<(), TaskError>;

/// One task as registered by `#[scheduled]`: its declaration, where it was declared, and how to
/// run it.
#[derive(Debug)]
pub struct Registration {
    spec: TaskSpec,
    location: Location,
    run: TaskFn,
    input_check: Option<InputCheck>,
}

inventory::collect!(Registration);

impl Registration {
    /// A registration; the macro builds these in a `const` context. `input_check` is given
    /// when the task declares `input = ...` and takes an input. Used by the expansion (and by
    /// benchmarks that register thousands of tasks by hand); not public API.
    #[doc(hidden)]
    pub const fn new(
        spec: TaskSpec,
        location: Location,
        run: TaskFn,
        input_check: Option<InputCheck>,
    ) -> Registration {
        Registration {
            spec,
            location,
            run,
            input_check,
        }
    }

    /// Whether the declared `input = ...` decodes as the task's input type (the macro can check
    /// that it is JSON, but only the compiled program knows the type's shape).
    pub fn check_declared_input(&self) -> Result<(), TaskError> {
        self.input_check.map_or(Ok(()), |check| check())
    }

    /// The declaration.
    pub fn spec(&self) -> &TaskSpec {
        &self.spec
    }

    /// The task's name.
    pub fn name(&self) -> &'static str {
        self.spec.name
    }

    /// Where the task was declared.
    pub fn location(&self) -> Location {
        self.location
    }

    /// Starts a run of the task with `input`, the event's `input` member if it had one.
    pub fn run(&self, context: TaskContext, input: Option<Value>) -> TaskFuture {
        (self.run)(context, TaskInput(input))
    }
}

/// The event's `input`, before it is decoded into the task's input type. Used by the
/// expansion (through `__private`).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskInput(Option<Value>);

impl TaskInput {
    /// No input: what an event without an `input` member carries.
    pub fn none() -> TaskInput {
        TaskInput(None)
    }

    /// Decodes the event's input, or the declared `input = ...` JSON when the event has none.
    pub fn decode_or<T: InputType>(self, declared: &str) -> Result<T, TaskError> {
        let decoded = match self.0 {
            Some(value) => serde_json::from_value(value),
            None => serde_json::from_str(declared),
        };
        decoded.map_err(|source| TaskError::Input {
            type_name: std::any::type_name::<T>(),
            source,
        })
    }

    /// Decodes the event's input, which must be there: for a task declared `deferred`, whose
    /// runs always carry their input, so its type needs no `Default`.
    pub fn decode_required<T: InputType>(self) -> Result<T, TaskError> {
        let type_name = std::any::type_name::<T>();
        let value = self.0.ok_or(TaskError::MissingInput { type_name })?;
        serde_json::from_value(value).map_err(|source| TaskError::Input { type_name, source })
    }

    /// Decodes the event's input, or gives `T::default()` when the event has none.
    pub fn decode_or_default<T: InputType + DefaultInput>(self) -> Result<T, TaskError> {
        match self.0 {
            None => Ok(T::default_input()),
            Some(value) => serde_json::from_value(value).map_err(|source| TaskError::Input {
                type_name: std::any::type_name::<T>(),
                source,
            }),
        }
    }
}

/// A type a task can take as its input: anything serde can decode from JSON.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a task's input: it does not implement `serde::Deserialize`",
    label = "the event's `input` JSON is decoded into this type",
    note = "derive it: `#[derive(serde::Deserialize)]`"
)]
pub trait InputType: DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> InputType for T {}

/// An input type usable when the event carries no input and the task declares none.
#[diagnostic::on_unimplemented(
    message = "`{Self}` needs a value when an event carries no input, but it does not implement `Default`",
    label = "declare the input with `input = r#\"{{...}}\"#` or implement `Default` for this type",
    note = "a hand-made invocation may send only the task's name; the task then runs with `Default::default()` or the declared input"
)]
pub trait DefaultInput {
    /// The value used when no input is given.
    fn default_input() -> Self;
}

#[diagnostic::do_not_recommend]
impl<T: Default> DefaultInput for T {
    fn default_input() -> Self {
        T::default()
    }
}

/// What a task may return: `()`, or `Result<T, E>` with a serialisable `T` and an error `E`
/// that converts into [`BoxError`] (any `std::error::Error + Send + Sync + 'static`, or
/// `anyhow::Error`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a valid return type for a scheduled task",
    label = "return `()` or `Result<T, E>` here",
    note = "`T` must implement `serde::Serialize` and `E` must be `anyhow::Error` or implement `std::error::Error + Send + Sync + 'static`"
)]
pub trait IntoTaskResult {
    /// The run's outcome as JSON.
    fn into_task_result(self) -> Result<Value, TaskError>;
}

impl IntoTaskResult for () {
    fn into_task_result(self) -> Result<Value, TaskError> {
        Ok(Value::Null)
    }
}

// No `do_not_recommend` here: when a `Result` fails, the compiler should name the part at
// fault, through `OutputType`'s or `ErrorType`'s own message.
impl<T: OutputType, E: ErrorType> IntoTaskResult for Result<T, E> {
    fn into_task_result(self) -> Result<Value, TaskError> {
        match self {
            Ok(output) => serde_json::to_value(output).map_err(TaskError::Output),
            Err(error) => Err(TaskError::Failed(error.into())),
        }
    }
}

/// An error a task can return: `anyhow::Error`, or any `std::error::Error + Send + Sync +
/// 'static` (both convert into [`BoxError`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a task's error: it is neither `anyhow::Error` nor a `std::error::Error + Send + Sync + 'static`",
    label = "the error of the returned `Result`",
    note = "implement `std::error::Error` for it (e.g. with `thiserror`), or return `anyhow::Result<T>`"
)]
pub trait ErrorType: Into<BoxError> {}

#[diagnostic::do_not_recommend]
impl<E: Into<BoxError>> ErrorType for E {}

/// A type a task can return on success: anything serde can encode as JSON.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a task's result: it does not implement `serde::Serialize`",
    label = "the task's result is recorded as JSON",
    note = "derive it: `#[derive(serde::Serialize)]`, or return `()`"
)]
pub trait OutputType: Serialize {}

#[diagnostic::do_not_recommend]
impl<T: Serialize> OutputType for T {}

/// Boxes the future of one run. Requiring `Send` here makes a non-`Send` task an error at the
/// task's name rather than deep inside the runtime.
pub fn task_future<F>(future: F) -> TaskFuture
where
    F: Future<Output = Result<Value, TaskError>> + Send + 'static,
{
    Box::pin(future)
}

/// A run that fails before the task is called (its input did not decode).
pub fn failed_run(error: TaskError) -> TaskFuture {
    Box::pin(std::future::ready(Err(error)))
}

/// A task declared with [`#[scheduled]`](crate::scheduled), named by its Rust item.
///
/// The attribute on `async fn send_review_request(…)` also declares a type
/// `send_review_request` (beside the function: types and functions have separate names), which
/// implements this trait. Code names the task through it, and the compiler checks the input:
/// `schedule_runtime::defer::<send_review_request>(input)` (feature `defer`) takes exactly the
/// function's input type.
pub trait Task {
    /// The task's input type: the function's input parameter, or `()` for a task without one.
    type Input;
    /// The task's name, as `list` shows it.
    const NAME: &'static str;
}

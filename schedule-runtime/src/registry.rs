//! The registry: every `#[scheduled]` task linked into this binary, sorted by name.

use std::fmt;

use schedule_core::TaskSpec;
use schedule_core::limits::alias_name;
use serde::Serialize;

use crate::task::{Location, Registration};

/// The tasks of this binary, sorted by name, names unique.
#[derive(Debug)]
pub struct Registry {
    tasks: Vec<&'static Registration>,
}

/// Why the registry cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Nothing registered: almost always a linking problem, not a missing attribute.
    #[error(
        "no scheduled tasks are registered in this binary (`{binary}`). A `#[scheduled]` task \
         registers itself only when the crate that declares it is linked into the binary: declare \
         the tasks in this binary's crate, or in a library this binary uses. A library that the \
         binary never names is not linked; name it once in this binary's source (`src/main.rs`, \
         or `src/bin/{binary}.rs`): `use {library} as _;`"
    )]
    Empty {
        /// The binary's name.
        binary: String,
        /// How the binary names the package's library: the package's name with `-` turned
        /// into `_` when Cargo ran the binary (`CARGO_PKG_NAME`), else `my_app`.
        library: String,
    },
    /// A task's declared `input = ...` does not decode as its input type.
    #[error("{}", .0.join("; "))]
    DeclaredInput(Vec<String>),
    /// Two or more tasks share a name.
    #[error("task names must be unique; {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Duplicates(Vec<Duplicate>),
    /// Two tasks' names differ only in a character that Lambda alias names cannot hold.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    AliasClashes(Vec<AliasClash>),
}

/// Two tasks that would share a Lambda alias (`a.b` and `a_b` both become `a_b`). Each task's
/// alias carries its retry policy and its metrics in AWS, so they must differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasClash {
    /// The alias both names become.
    pub alias: String,
    /// The first task, by name, and where it is declared.
    pub first: (&'static str, Location),
    /// The other task.
    pub second: (&'static str, Location),
}

impl fmt::Display for AliasClash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "tasks `{}` ({}) and `{}` ({}) would share the Lambda alias `{}` (`.` becomes `_` in \
             alias names), which carries each task's retry policy; rename one",
            self.first.0, self.first.1, self.second.0, self.second.1, self.alias
        )
    }
}

/// Two declarations with one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The shared name.
    pub name: &'static str,
    /// The first declaration, in source order.
    pub first: Location,
    /// The other declaration.
    pub second: Location,
}

impl fmt::Display for Duplicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is declared at {} and at {} (give one of them `name = \"...\"`)",
            self.name, self.first, self.second
        )
    }
}

impl Registry {
    /// Every task registered in this binary.
    pub fn load() -> Result<Registry, RegistryError> {
        Registry::from_registrations(inventory::iter::<Registration>())
    }

    /// A registry of the given registrations: sorted by name (`inventory` yields them in no
    /// particular order, and everything printed from the registry must be stable).
    pub fn from_registrations(
        registrations: impl IntoIterator<Item = &'static Registration>,
    ) -> Result<Registry, RegistryError> {
        let mut tasks: Vec<&'static Registration> = registrations.into_iter().collect();
        if tasks.is_empty() {
            return Err(empty_registry());
        }
        tasks.sort_by_key(|task| {
            let location = task.location();
            (task.name(), location.file, location.line, location.column)
        });
        let duplicates: Vec<Duplicate> = tasks
            .windows(2)
            .filter(|pair| pair[0].name() == pair[1].name())
            .map(|pair| Duplicate {
                name: pair[0].name(),
                first: pair[0].location(),
                second: pair[1].location(),
            })
            .collect();
        if !duplicates.is_empty() {
            return Err(RegistryError::Duplicates(duplicates));
        }
        let clashes = alias_clashes(&tasks);
        if !clashes.is_empty() {
            return Err(RegistryError::AliasClashes(clashes));
        }
        let bad_inputs: Vec<String> = tasks
            .iter()
            .filter_map(|task| {
                let error = task.check_declared_input().err()?;
                Some(format!(
                    "the declared input of `{}` ({}) does not fit: {error}",
                    task.name(),
                    task.location()
                ))
            })
            .collect();
        if !bad_inputs.is_empty() {
            return Err(RegistryError::DeclaredInput(bad_inputs));
        }
        Ok(Registry { tasks })
    }

    /// The tasks, sorted by name.
    pub fn tasks(&self) -> &[&'static Registration] {
        &self.tasks
    }

    /// The tasks' names, sorted: for heartbeat lookups and for messages that list them.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.tasks.iter().map(|task| task.name())
    }

    /// The task called `name`.
    pub fn get(&self, name: &str) -> Option<&'static Registration> {
        self.tasks
            .binary_search_by(|task| task.name().cmp(name))
            .ok()
            .map(|i| self.tasks[i])
    }

    /// The registry as data: every declared option of every task, for codegen and tooling.
    pub fn manifest(&self) -> Manifest<'_> {
        Manifest {
            version: Manifest::VERSION,
            tasks: self
                .tasks
                .iter()
                .map(|task| ManifestTask {
                    spec: task.spec(),
                    location: task.location(),
                })
                .collect(),
        }
    }
}

/// [`RegistryError::Empty`] for this process: what to add, to which file.
fn empty_registry() -> RegistryError {
    let binary = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.file_stem()?.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "this binary".to_owned());
    let library = std::env::var("CARGO_PKG_NAME")
        .map_or_else(|_| "my_app".to_owned(), |name| name.replace('-', "_"));
    RegistryError::Empty { binary, library }
}

/// Pairs of tasks (unique names, sorted) whose Lambda aliases would be the same.
fn alias_clashes(tasks: &[&'static Registration]) -> Vec<AliasClash> {
    let mut by_alias: Vec<(String, &'static Registration)> = tasks
        .iter()
        .map(|task| (alias_name(task.name()), *task))
        .collect();
    by_alias.sort_by(|a, b| (&a.0, a.1.name()).cmp(&(&b.0, b.1.name())));
    by_alias
        .windows(2)
        .filter(|pair| pair[0].0 == pair[1].0)
        .map(|pair| AliasClash {
            alias: pair[0].0.clone(),
            first: (pair[0].1.name(), pair[0].1.location()),
            second: (pair[1].1.name(), pair[1].1.location()),
        })
        .collect()
}

/// The registry as JSON, printed by `codegen manifest`.
///
/// Each task is its [`TaskSpec`] (every option as declared, with defaults filled in and the
/// expression in canonical form) plus where it was declared.
#[derive(Debug, Clone, Serialize)]
pub struct Manifest<'a> {
    /// Format version; raised when a field changes meaning.
    pub version: u32,
    /// The tasks, sorted by name.
    pub tasks: Vec<ManifestTask<'a>>,
}

impl Manifest<'_> {
    /// The current format version.
    pub const VERSION: u32 = 2;
}

/// One task in the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestTask<'a> {
    /// The declaration.
    #[serde(flatten)]
    pub spec: &'a TaskSpec,
    /// Where it was declared.
    pub location: Location,
}

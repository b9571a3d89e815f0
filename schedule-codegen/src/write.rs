//! Putting a rendered module on disk, or checking that the disk already holds it.
//!
//! A file is ours when it starts with the generated-by line: writing replaces ours and removes
//! ours that are no longer rendered (a module without idempotent tasks loses `idempotency.tf`),
//! and never touches anything else in the directory (a backend file, `.terraform/`).

use std::fmt;
use std::fs;
use std::io;
use std::path::Path;

use crate::terraform::File;

/// How a directory differs from the module that would be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// A file that would be written is not there.
    Missing(String),
    /// A file is there with other contents.
    Changed(String),
    /// A generated file that would no longer be written.
    Stale(String),
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Missing(name) => write!(f, "{name} is missing"),
            Difference::Changed(name) => write!(f, "{name} differs from the code"),
            Difference::Stale(name) => write!(f, "{name} was generated but is no longer"),
        }
    }
}

/// Writes `files` into `dir` (created if needed) and removes generated files no longer in it.
pub fn write_module(dir: &Path, files: &[File]) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    for stale in stale_files(dir, files)? {
        fs::remove_file(dir.join(stale))?;
    }
    for file in files {
        let path = dir.join(file.name);
        // Unchanged files keep their modification time.
        if fs::read_to_string(&path).ok().as_deref() != Some(file.contents.as_str()) {
            fs::write(path, &file.contents)?;
        }
    }
    Ok(())
}

/// What writing `files` into `dir` would change; empty when the directory is up to date.
pub fn check_module(dir: &Path, files: &[File]) -> io::Result<Vec<Difference>> {
    let mut differences = Vec::new();
    for file in files {
        match fs::read_to_string(dir.join(file.name)) {
            Ok(text) if text == file.contents => {}
            Ok(_) => differences.push(Difference::Changed(file.name.to_owned())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                differences.push(Difference::Missing(file.name.to_owned()));
            }
            Err(e) => return Err(e),
        }
    }
    if dir.is_dir() {
        differences.extend(stale_files(dir, files)?.into_iter().map(Difference::Stale));
    }
    Ok(differences)
}

/// Generated `.tf` files in `dir` that are not among `files`, sorted.
fn stale_files(dir: &Path, files: &[File]) -> io::Result<Vec<String>> {
    let mut stale = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.ends_with(".tf") || files.iter().any(|f| f.name == name) {
            continue;
        }
        let generated = fs::read_to_string(entry.path())
            .map(|text| text.starts_with(crate::terraform::GENERATED_HEADER))
            .unwrap_or(false);
        if generated {
            stale.push(name);
        }
    }
    stale.sort();
    Ok(stale)
}

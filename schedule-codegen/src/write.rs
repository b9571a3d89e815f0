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
    /// A file is there with other contents: its name and the first lines that differ.
    Changed(String, Vec<LineChange>),
    /// A generated file that would no longer be written.
    Stale(String),
}

/// One line where a file on disk and the generated one differ (1-based; `None` past the end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineChange {
    /// The line's number.
    pub line: usize,
    /// The line on disk.
    pub on_disk: Option<String>,
    /// The line the code generates.
    pub generated: Option<String>,
}

/// How many differing lines a [`Difference::Changed`] shows: enough to see what moved.
const SHOWN_LINES: usize = 3;

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Missing(name) => write!(f, "{name} is missing"),
            Difference::Changed(name, lines) => {
                write!(f, "{name} differs from the code")?;
                for change in lines {
                    let show = |text: &Option<String>| {
                        text.as_deref()
                            .map_or("(no line)".to_owned(), |t| t.trim_end().to_owned())
                    };
                    write!(
                        f,
                        "\n    line {}:\n      on disk:   {}\n      generated: {}",
                        change.line,
                        show(&change.on_disk),
                        show(&change.generated)
                    )?;
                }
                Ok(())
            }
            Difference::Stale(name) => write!(f, "{name} was generated but is no longer"),
        }
    }
}

/// The first lines at which `on_disk` and `generated` differ, compared line by line.
fn changed_lines(on_disk: &str, generated: &str) -> Vec<LineChange> {
    let (mut old, mut new) = (on_disk.lines(), generated.lines());
    let mut changes = Vec::new();
    for line in 1.. {
        let (a, b) = (old.next(), new.next());
        if a.is_none() && b.is_none() || changes.len() == SHOWN_LINES {
            break;
        }
        if a != b {
            changes.push(LineChange {
                line,
                on_disk: a.map(str::to_owned),
                generated: b.map(str::to_owned),
            });
        }
    }
    changes
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
            Ok(text) => differences.push(Difference::Changed(
                file.name.to_owned(),
                changed_lines(&text, &file.contents),
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_shows_its_first_differing_lines() {
        let on_disk = "a\nb = 1\nc\n";
        let generated = "a\nb = 2\nc\nd\n";
        let changes = changed_lines(on_disk, generated);
        assert_eq!(
            changes,
            [
                LineChange {
                    line: 2,
                    on_disk: Some("b = 1".into()),
                    generated: Some("b = 2".into())
                },
                LineChange {
                    line: 4,
                    on_disk: None,
                    generated: Some("d".into())
                },
            ]
        );
        let shown = Difference::Changed("main.tf".into(), changes).to_string();
        assert_eq!(
            shown,
            "main.tf differs from the code\n    line 2:\n      on disk:   b = 1\n      generated: b = 2\n    line 4:\n      on disk:   (no line)\n      generated: d"
        );
        assert_eq!(changed_lines("x\n", "x\n"), []);
        assert_eq!(
            changed_lines(&"1\n".repeat(9), &"2\n".repeat(9)).len(),
            SHOWN_LINES
        );
    }
}

//! The shop's data: JSON files in a folder, standing in for its database.
//!
//! The folder is `SHOP_DATA_DIR`, by default `shop-data` in the system's temporary directory
//! (writable in Lambda too, where only `/tmp` is). Each file starts from sample data the first
//! time a task needs it, so `cargo run` shows the tasks working on a fresh clone. Files are
//! replaced whole (written beside, then renamed), so a task that is cut short leaves the old
//! contents, never half of the new.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The data folder, created if needed.
pub fn dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::var_os("SHOP_DATA_DIR")
        .map_or_else(|| std::env::temp_dir().join("shop-data"), PathBuf::from);
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating the data folder {}", dir.display()))?;
    Ok(dir)
}

/// `name` in the data folder, read as JSON; `sample` (written) when it does not exist yet.
pub fn load<T: Serialize + DeserializeOwned>(
    name: &str,
    sample: impl FnOnce() -> T,
) -> anyhow::Result<T> {
    let path = dir()?.join(name);
    match std::fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let value = sample();
            save(name, &value)?;
            Ok(value)
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Replaces `name` in the data folder with `value` as JSON.
pub fn save<T: Serialize>(name: &str, value: &T) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(value)?;
    write(&dir()?.join(name), &bytes)
}

/// Replaces the file at `path` (made inside the data folder's subfolders as needed).
pub fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    // A name of its own per write: two runs saving the same file at once (a backfill with
    // `--concurrency`, two processes) must not rename each other's half-written file away.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = path.with_extension(format!("partial-{}-{unique}", std::process::id()));
    std::fs::write(&temporary, bytes)
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("writing {}", path.display()))
}

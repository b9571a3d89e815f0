//! The name of a deferred run's one-time schedule, from its task and key, within Scheduler's
//! rules for names (1 to 64 of `0-9 A-Z a-z - _ .`).

use schedule_core::limits::scheduler::{self, MAX_NAME_CHARS};
use sha2::{Digest, Sha256};

/// Hex digits of the hash that ends every name.
const HASH_CHARS: usize = 12;
/// The most of the task's name a schedule name keeps, leaving room for the key.
const MAX_TASK_CHARS: usize = 32;

/// `<task>.<key>.<hash>`: the task's name and the key, cut short and with characters Scheduler
/// refuses replaced by `-`, then 12 hex digits of SHA-256 over the task's name and the whole
/// key. The same task and key always give the same name (how a second deferral finds the
/// first); different ones give different names, however long or foreign their keys, and never
/// the name of a generated schedule (a task's own name).
///
/// ```
/// use schedule_runtime::defer::schedule_name;
/// assert_eq!(schedule_name("review-request", "order-42"), "review-request.order-42.8e14e124ab14");
/// assert_eq!(schedule_name("review-request", "Bestellung #7 für Jürgen").len(), 52);
/// assert!(schedule_name(&"t".repeat(64), &"k".repeat(500)).len() <= 64);
/// ```
pub fn schedule_name(task: &str, key: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(task.as_bytes());
    hash.update([0]);
    hash.update(key.as_bytes());
    let digest: String = hash
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let task: String = task.chars().take(MAX_TASK_CHARS).collect();
    let room = MAX_NAME_CHARS - task.len() - HASH_CHARS - 2;
    let key: String = key.chars().map(scheduler::name_safe).take(room).collect();
    format!("{task}.{key}.{}", &digest[..HASH_CHARS])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(name: &str) -> bool {
        (1..=MAX_NAME_CHARS).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    }

    #[test]
    fn names_are_valid_and_tell_keys_apart_that_look_alike_once_cut() {
        let long = "x".repeat(300);
        let cases = [
            ("review-request", "order-42"),
            ("review-request", "order 42"),
            ("review-request", "order/42"),
            ("review-request", &long),
            ("review-request", &format!("{long}y")),
            (&*"t".repeat(64), "k"),
            ("a", "ü"),
            ("a", "é"),
        ];
        let names: Vec<String> = cases.iter().map(|(t, k)| schedule_name(t, k)).collect();
        for name in &names {
            assert!(valid(name), "{name}");
        }
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len(), "{names:#?}");
        // A task name and a key that concatenate alike still differ.
        assert_ne!(schedule_name("a.b", "c"), schedule_name("a", "b.c"));
    }
}

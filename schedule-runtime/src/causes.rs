//! How every command line of the framework, and the ledger's excerpt of a failure, print an
//! error: its message, then its causes', since the cause is often what says what to fix.

/// The error's message followed by its causes' (`reading the feed: No such file or directory`):
/// the cause is often what says what to fix. How every command line of the framework prints an
/// error.
pub fn with_causes(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        let text = inner.to_string();
        // Some errors repeat their cause in their own message.
        if !message.ends_with(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        cause = inner.source();
    }
    message
}

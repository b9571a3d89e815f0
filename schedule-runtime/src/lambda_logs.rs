//! The dispatch Lambda's logs: JSON lines on stdout, at the level Lambda's logging settings ask
//! for, built when the first line is logged rather than at start.
//!
//! Why deferred: `tracing-subscriber`'s span registry zeroes a 32 KB table of slab shards when
//! it is built (seven page faults), and building it runs code spread over the binary; before
//! the first poll for an invocation, every cold start would pay for it (`BENCHMARKS.md`,
//! "Nothing built before the first poll"). Nothing at the configured level is logged before
//! the first invocation unless something is wrong, so the subscriber is built when the first
//! invocation (or the first problem) logs its first line.

use std::sync::OnceLock;

use tracing::level_filters::LevelFilter;
use tracing::span;
use tracing::subscriber::{Interest, Subscriber};
use tracing::{Dispatch, Event, Metadata};

/// Installs the JSON logs as the process's global subscriber.
pub(crate) fn init_json_logs() {
    let level = log_level();
    let _ = tracing::subscriber::set_global_default(Deferred::new(level, move || {
        json_subscriber(level)
    }));
}

/// The subscriber that writes the lines: `tracing-subscriber`'s JSON format with the current
/// span's fields (the dispatcher's `task` span), without the target or ANSI colours.
fn json_subscriber(level: LevelFilter) -> impl Subscriber + Send + Sync {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;

    let json = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .with_ansi(false)
        .with_filter(level)
        .with_filter(tracing_subscriber::filter::filter_fn(|event| {
            !is_runtime_echo_of_a_failure(event)
        }));
    tracing_subscriber::registry().with(json)
}

/// The level Lambda's logging settings ask for (`AWS_LAMBDA_LOG_LEVEL`: `TRACE`, `DEBUG`, `INFO`,
/// `WARN`, `ERROR` or `FATAL`, which `tracing` calls `ERROR`); `INFO` when unset or unknown.
fn log_level() -> LevelFilter {
    level_named(&std::env::var("AWS_LAMBDA_LOG_LEVEL").unwrap_or_default())
}

fn level_named(level: &str) -> LevelFilter {
    match level.to_ascii_lowercase().as_str() {
        "trace" => LevelFilter::TRACE,
        "debug" => LevelFilter::DEBUG,
        "warn" => LevelFilter::WARN,
        // `tracing` has no level above ERROR.
        "error" | "fatal" => LevelFilter::ERROR,
        // Spelt out: `LevelFilter`'s own parser reads an empty string as ERROR.
        _ => LevelFilter::INFO,
    }
}

/// `lambda_runtime` logs every error a handler returns, as its `Debug` text, after the
/// dispatcher has logged the same failure with its typed fields: one failure, one line. The
/// runtime's own panic report (which carries an `error` field) is kept.
fn is_runtime_echo_of_a_failure(event: &Metadata<'_>) -> bool {
    event.target() == "lambda_runtime::layers::panic"
        && *event.level() == tracing::Level::ERROR
        && event.fields().field("error").is_none()
}

/// A subscriber that builds the one it stands for on the first span or event at its level.
///
/// Until then it answers from the level alone: callsites below it are never enabled (and cost
/// nothing, as with the real subscriber), and no span can exist, so there is no current span.
/// From then on every call goes to the built subscriber, in the order `tracing` makes them
/// (`enabled` before `event` or `new_span`), which per-layer filters rely on.
struct Deferred<S, F> {
    level: LevelFilter,
    build: F,
    inner: OnceLock<S>,
    /// The dispatch this subscriber was registered with, handed to the built subscriber's
    /// `on_register_dispatch` (weak: the dispatch owns this subscriber).
    dispatch: OnceLock<tracing::dispatcher::WeakDispatch>,
}

impl<S, F> Deferred<S, F>
where
    S: Subscriber,
    F: Fn() -> S,
{
    fn new(level: LevelFilter, build: F) -> Deferred<S, F> {
        Deferred {
            level,
            build,
            inner: OnceLock::new(),
            dispatch: OnceLock::new(),
        }
    }

    fn inner(&self) -> &S {
        let mut built = false;
        let inner = self.inner.get_or_init(|| {
            built = true;
            (self.build)()
        });
        if built
            && let Some(dispatch) = self
                .dispatch
                .get()
                .and_then(tracing::dispatcher::WeakDispatch::upgrade)
        {
            // Outside `get_or_init`: a subscriber that logs while registering must not wait on
            // its own initialisation.
            inner.on_register_dispatch(&dispatch);
        }
        inner
    }

    fn at_level(&self, metadata: &Metadata<'_>) -> bool {
        self.level >= *metadata.level()
    }
}

impl<S, F> Subscriber for Deferred<S, F>
where
    S: Subscriber,
    F: Fn() -> S + Send + Sync + 'static,
{
    fn on_register_dispatch(&self, dispatch: &Dispatch) {
        let _ = self.dispatch.set(dispatch.downgrade());
    }

    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if !self.at_level(metadata) {
            Interest::never()
        } else if let Some(inner) = self.inner.get() {
            inner.register_callsite(metadata)
        } else {
            // Asked again at each use, so the built subscriber decides from then on.
            Interest::sometimes()
        }
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(self.level)
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        self.at_level(metadata) && self.inner().enabled(metadata)
    }

    fn event_enabled(&self, event: &Event<'_>) -> bool {
        self.inner().event_enabled(event)
    }

    fn new_span(&self, span: &span::Attributes<'_>) -> span::Id {
        self.inner().new_span(span)
    }

    fn record(&self, span: &span::Id, values: &span::Record<'_>) {
        self.inner().record(span, values);
    }

    fn record_follows_from(&self, span: &span::Id, follows: &span::Id) {
        self.inner().record_follows_from(span, follows);
    }

    fn event(&self, event: &Event<'_>) {
        self.inner().event(event);
    }

    fn enter(&self, span: &span::Id) {
        self.inner().enter(span);
    }

    fn exit(&self, span: &span::Id) {
        self.inner().exit(span);
    }

    fn clone_span(&self, id: &span::Id) -> span::Id {
        self.inner().clone_span(id)
    }

    fn try_close(&self, id: span::Id) -> bool {
        self.inner().try_close(id)
    }

    fn current_span(&self) -> tracing_core::span::Current {
        self.inner
            .get()
            .map_or_else(tracing_core::span::Current::none, Subscriber::current_span)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn lambda_log_levels_map_to_tracing_levels() {
        for (name, level) in [
            ("TRACE", LevelFilter::TRACE),
            ("DEBUG", LevelFilter::DEBUG),
            ("INFO", LevelFilter::INFO),
            ("WARN", LevelFilter::WARN),
            ("ERROR", LevelFilter::ERROR),
            ("FATAL", LevelFilter::ERROR),
            ("info", LevelFilter::INFO),
            ("", LevelFilter::INFO),
            ("verbose", LevelFilter::INFO),
        ] {
            assert_eq!(level_named(name), level, "{name:?}");
        }
    }

    /// Lines written by the subscriber under test.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .expect("not poisoned")
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Lines {
        fn read(&self) -> Vec<serde_json::Value> {
            let bytes = self.0.lock().expect("not poisoned").clone();
            String::from_utf8(bytes)
                .expect("UTF-8")
                .lines()
                .map(|line| serde_json::from_str(line).expect("a JSON line"))
                .collect()
        }
    }

    #[test]
    fn builds_on_the_first_line_at_its_level_and_then_logs_as_the_real_subscriber() {
        use tracing_subscriber::layer::SubscriberExt as _;

        let builds = Arc::new(AtomicUsize::new(0));
        let lines = Lines::default();
        let subscriber = {
            let builds = Arc::clone(&builds);
            let lines = lines.clone();
            Deferred::new(LevelFilter::INFO, move || {
                builds.fetch_add(1, Ordering::SeqCst);
                let lines = lines.clone();
                tracing_subscriber::registry().with(
                    tracing_subscriber::fmt::layer()
                        .json()
                        .with_current_span(true)
                        .with_span_list(false)
                        .with_writer(move || lines.clone()),
                )
            })
        };
        tracing::subscriber::with_default(subscriber, || {
            tracing::debug!("below the level");
            let quiet = tracing::debug_span!("quiet", task = "below");
            quiet.in_scope(|| tracing::trace!("nor this"));
            assert!(tracing::Span::current().is_none());
            assert_eq!(builds.load(Ordering::SeqCst), 0, "nothing at INFO yet");

            tracing::info_span!("task", task = "nightly").in_scope(|| {
                tracing::info!(attempt = 1, "started");
                tracing::debug!("still below the level");
            });
            tracing::warn!("outside the span");
        });

        assert_eq!(builds.load(Ordering::SeqCst), 1, "built once");
        let lines = lines.read();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!(lines[0]["fields"]["message"], "started");
        assert_eq!(lines[0]["fields"]["attempt"], 1);
        assert_eq!(lines[0]["span"]["task"], "nightly");
        assert_eq!(lines[0]["span"]["name"], "task");
        assert_eq!(lines[1]["fields"]["message"], "outside the span");
        assert_eq!(lines[1]["level"], "WARN");
        assert!(lines[1].get("span").is_none(), "{}", lines[1]);
    }
}

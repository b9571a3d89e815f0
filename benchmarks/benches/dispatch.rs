//! The dispatcher's own cost per warm invocation, network excluded: decoding the event,
//! routing, building the context, the guarded run (its own tokio task under a timeout) and,
//! for an idempotent task, the claim and completion in the embedded store. The task itself does
//! nothing. Run with `cargo bench -p schedule-benchmarks --bench dispatch`.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use schedule_core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::idempotency::MemoryStore;
use schedule_runtime::{Dispatcher, Heartbeat, Invocation, Registry, scheduled};
use serde_json::json;

/// Does nothing: the benchmark measures what surrounds it.
#[scheduled("rate(1 minute)")]
async fn noop() {}

/// Does nothing, at most once per occurrence.
#[scheduled("rate(1 minute)", idempotent)]
async fn noop_idempotent() {}

fn dispatch(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let registry = Registry::load().expect("tasks registered");
    let dispatcher = Dispatcher::new(
        registry,
        Arc::new(MemoryStore::new()),
        Heartbeat::disabled(),
        "bench",
    );
    let invocation = Invocation {
        request_id: "8476a536-e9f4-11e8-9739-2dfe598c3fcd".to_owned(),
        deadline: None,
    };
    let mut group = c.benchmark_group("dispatch");
    group.bench_function("plain task", |b| {
        b.iter(|| {
            let event =
                json!({"task": "noop", "scheduled_time": "2026-11-26T05:00:00Z", "attempt": "1"});
            runtime
                .block_on(dispatcher.dispatch(black_box(event), invocation.clone()))
                .expect("succeeds")
        });
    });
    // Each iteration is a new occurrence, so every one claims and completes.
    let minute = AtomicI64::new(0);
    group.bench_function("idempotent task, embedded store", |b| {
        b.iter(|| {
            let n = minute.fetch_add(1, Ordering::Relaxed);
            let occurrence = Timestamp::UNIX_EPOCH + SignedDuration::from_mins(n);
            let event = json!({"task": "noop-idempotent", "scheduled_time": occurrence.to_string(), "attempt": "1"});
            runtime
                .block_on(dispatcher.dispatch(black_box(event), invocation.clone()))
                .expect("succeeds")
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = dispatch
}
criterion_main!(benches);

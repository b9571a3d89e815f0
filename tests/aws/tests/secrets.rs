//! A task's secrets outside Lambda, through the application's own `invoke`: read from the state
//! directory's `secrets/` folder; a missing one fails the run with an error that names the
//! secret and where to put it, and the same occurrence runs once it is there.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use schedule_runtime::cli::invoke::InvokeRequest;
use schedule_runtime::cli::local::invoke;
use schedule_runtime::core::jiff::Timestamp;
use schedule_runtime::ledger::{Ledger, LocalLedger, Query, Status};
use schedule_runtime::{Registry, TaskContext, scheduled};

/// Calls the supplier with its key: what it returns shows which key it had.
#[scheduled("rate(1 hour)", secrets = ["supplier-api-key"])]
async fn supplier_sync(ctx: TaskContext) -> anyhow::Result<String> {
    let key = ctx.secret("supplier-api-key").await?;
    Ok(format!(
        "signed with a key of {} characters",
        key.expose().len()
    ))
}

/// Reads a secret it does not declare.
#[scheduled("rate(1 hour)")]
async fn curious(ctx: TaskContext) -> anyhow::Result<()> {
    ctx.secret("supplier-api-key").await?;
    Ok(())
}

#[tokio::test]
async fn a_missing_secret_fails_the_run_by_name_and_the_retry_reads_it() {
    let state = std::env::temp_dir().join(format!("secrets-invoke-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    let at: Timestamp = "2026-11-30T09:00:00Z".parse().unwrap();
    let request = InvokeRequest {
        task: "supplier-sync".to_owned(),
        at: Some(at),
        input: None,
    };
    let run = || async {
        let registry = Registry::load().unwrap();
        let occurrence = request.occurrence(&registry, at).unwrap();
        invoke(registry, "local".to_owned(), occurrence, &state).await
    };

    let error = run().await.unwrap_err();
    let file = state.join("secrets").join("supplier-api-key");
    assert_eq!(
        error,
        format!(
            "[TaskFailed] task `supplier-sync` failed: secret `supplier-api-key`: not set: set \
             SCHEDULE_SECRET_SUPPLIER_API_KEY or write the file {}",
            file.display()
        )
    );

    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, "k-0123456789\n").unwrap();
    let outcome = run().await.unwrap();
    assert!(
        outcome.contains("\"result\": \"signed with a key of 12 characters\""),
        "{outcome}"
    );

    // The ledger holds the failure and then the success of the one occurrence, and no value.
    let ledger = LocalLedger::open(state.join("ledger.jsonl"));
    let records = ledger
        .history(
            "supplier-sync",
            Query {
                since: None,
                until: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(
        (record.status, record.deliveries, record.failures),
        (Status::Succeeded, 2, 1),
        "{record:?}"
    );
    let text = std::fs::read_to_string(state.join("ledger.jsonl")).unwrap();
    assert!(!text.contains("k-0123456789"), "{text}");
    assert!(
        text.contains("secret `supplier-api-key`: not set"),
        "{text}"
    );

    // Another task may not read it, though it is there.
    let registry = Registry::load().unwrap();
    let occurrence = InvokeRequest {
        task: "curious".to_owned(),
        at: Some(at),
        input: None,
    }
    .occurrence(&registry, at)
    .unwrap();
    let error = invoke(registry, "local".to_owned(), occurrence, &state)
        .await
        .unwrap_err();
    assert_eq!(
        error,
        "[TaskFailed] task `curious` failed: secret `supplier-api-key`: task `curious` does not \
         declare it; add `secrets = [\"supplier-api-key\"]` to its #[scheduled] (the deployed \
         function is given only declared secrets)"
    );
    let _ = std::fs::remove_dir_all(&state);
}

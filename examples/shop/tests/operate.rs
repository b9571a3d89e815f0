//! The operator's commands on a deployment: the shop's module applied to moto, the shop's
//! binary serving its function (Runtime API on loopback, ledger and idempotency tables in
//! moto), and `ops invoke`, `pause`, `resume`, `status`, `history`, `backfill` and
//! `replay --env` run as an operator runs them.
//!
//! Lambda's `Invoke` API is a stand-in on loopback ([`support::LambdaInvokeApi`]) that hands
//! each asynchronous event to the running binary: moto would accept the call and run nothing.
//! SQS and DynamoDB are moto's. Every effect is checked where it lands: the calls Lambda
//! received, the ledger (read back with the shop's `history --env`), the queue.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use serde_json::{Value, json};
use support::operator::{ShopOnMoto, failure_record, nothing_missed, sqs_client, string_attribute};
use support::tools::text;

async fn queue_depth(sqs: &aws_sdk_sqs::Client, queue: &str) -> usize {
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(queue)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let count = |name: aws_sdk_sqs::types::QueueAttributeName| -> usize {
        attributes
            .attributes()
            .and_then(|a| a.get(&name))
            .map_or(0, |n| n.parse().unwrap())
    };
    count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
        + count(aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs terraform, moto and boto3: run bash scripts/test.sh"]
async fn an_operator_invokes_backfills_and_replays_a_deployment_applied_to_moto() {
    // The binary serves the deployed function with its deployed environment.
    let shop = ShopOnMoto::start("operate", "o");
    let (operator, lambda) = (&shop.operator, &shop.lambda);
    let function_name = shop.function_name.as_str();
    let (environment, moto) = (operator.environment.clone(), operator.moto.clone());

    // Run now, and wait for the ledger's outcome.
    let printed = operator.ops(&[
        "invoke",
        "inventory-sync",
        "--at",
        "2026-11-30T09:05:00Z",
        "--wait",
    ]);
    let calls = lambda.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let call = &calls[0];
    assert_eq!(call.function, function_name);
    assert_eq!(call.qualifier, "inventory-sync");
    assert_eq!(call.invocation_type, "Event");
    assert_eq!(call.event["task"], "inventory-sync");
    assert_eq!(call.event["scheduled_time"], "2026-11-30T09:05:00Z");
    assert_eq!(call.event["attempt"], "1");
    assert_eq!(call.event["execution_id"].as_str().unwrap().len(), 16);
    assert!(
        printed.contains(&format!("request id {}", call.request_id)),
        "{printed}"
    );
    assert!(printed.contains("succeeded in "), "{printed}");
    // Found by its time, whatever today is: no schedule of this deployment has delivered
    // anything, so the hours between 09:05 on 30 November and now are not missed.
    let records = operator.history("inventory-sync");
    nothing_missed(&records);
    let record = records
        .iter()
        .find(|r| r["scheduled_time"] == "2026-11-30T09:05:00Z")
        .unwrap_or_else(|| panic!("{records:#?}"));
    assert_eq!(record["status"], "succeeded");
    assert_eq!(record["request_id"], call.request_id.as_str());
    assert_eq!(record["environment"], environment.as_str());

    // Pause: a delivery meanwhile is recorded as skipped, not run; `status` says who and why.
    let paused = operator.ops(&["pause", "weekly-digest", "--reason", "newsletter on hold"]);
    assert!(
        paused.starts_with(&format!(
            "weekly-digest: paused by {} at ",
            support::MOTO_CALLER
        )) && paused.contains(&format!(
            "takes effect in {environment} from its next delivery"
        )),
        "{paused}"
    );
    // An occurrence of yesterday, on the hour: `status` reads the ledger's retention window
    // back from now, so a fixed date would fall out of it a month later.
    let hour = schedule_runtime::core::jiff::Timestamp::now().as_second() / 3_600 * 3_600;
    let yesterday = schedule_runtime::core::jiff::Timestamp::from_second(hour - 24 * 3_600)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let digest = ["invoke", "weekly-digest", "--at", &yesterday, "--wait"];
    let skipped = operator.ops(&digest);
    assert!(
        skipped.contains(&format!("skipped: paused by {} at ", support::MOTO_CALLER)),
        "{skipped}"
    );
    let status: Value = serde_json::from_str(&operator.ops(&["status", "--json"])).unwrap();
    let shown = status
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["task"] == "weekly-digest")
        .unwrap();
    // A deployment's pause names the operator's AWS identity, not a user name.
    assert_eq!(shown["paused"]["by"], support::MOTO_CALLER, "{shown}");
    assert_eq!(shown["paused"]["reason"], "newsletter on hold", "{shown}");
    assert_eq!(shown["last_run"]["status"], "skipped", "{shown}");
    // Resumed, the same occurrence sent again runs.
    let resumed = operator.ops(&["resume", "weekly-digest"]);
    assert!(resumed.starts_with("weekly-digest: resumed;"), "{resumed}");
    let ran = operator.ops(&digest);
    assert!(ran.contains("succeeded in "), "{ran}");
    let history: Value =
        serde_json::from_str(&operator.ops(&["history", "weekly-digest", "--json"])).unwrap();
    assert_eq!(history[0]["scheduled_time"], yesterday.as_str());
    assert_eq!(history[0]["status"], "succeeded");
    assert_eq!(
        history[0]["deliveries"], 1,
        "the skipped delivery did not run"
    );

    // Backfill a week of the nightly backup (02:30 Berlin, idempotent) across the end of
    // summer time on 25 October 2026. Worked out by hand: 02:30 CEST is 00:30Z until the 25th,
    // whose 02:30 happens twice and runs once, at the first (CEST); from the 26th 02:30 CET is
    // 01:30Z. One night ran already, so six are sent.
    let week = [
        "2026-10-22T00:30:00Z",
        "2026-10-23T00:30:00Z",
        "2026-10-24T00:30:00Z",
        "2026-10-25T00:30:00Z",
        "2026-10-26T01:30:00Z",
        "2026-10-27T01:30:00Z",
        "2026-10-28T01:30:00Z",
    ];
    operator.ops(&[
        "invoke",
        "database-backup",
        "--at",
        "2026-10-23T00:30:00Z",
        "--wait",
    ]);
    let interval = [
        "--from",
        "2026-10-22T00:00:00Z",
        "--to",
        "2026-10-29T00:00:00Z",
    ];
    let dry =
        operator.ops(&[&["backfill", "database-backup", "--dry-run"], &interval[..]].concat());
    assert!(
        dry.contains("2026-10-23T02:30:00+02:00 (2026-10-23T00:30:00+00:00) already done (idempotent): not sent"),
        "{dry}"
    );
    assert!(
        dry.contains(&format!(
            "6 occurrence(s) of `database-backup` would be sent to {function_name}-backup (dry run: nothing was)"
        )),
        "{dry}"
    );
    let before = lambda.calls().len();
    let sent = operator.ops(
        &[
            &["backfill", "database-backup", "--yes", "--per-second", "20"],
            &interval[..],
        ]
        .concat(),
    );
    assert!(
        sent.contains(&format!(
            "7 occurrence(s) of `database-backup`: 6 sent to {function_name}-backup, 1 already done, 0 not sent"
        )),
        "{sent}"
    );
    let backfilled: Vec<String> = lambda.calls()[before..]
        .iter()
        .inspect(|c| {
            // The backup runs in its function group's function.
            assert_eq!(c.function, format!("{function_name}-backup"));
            assert_eq!(c.qualifier, "database-backup");
        })
        .map(|c| c.event["scheduled_time"].as_str().unwrap().to_owned())
        .collect();
    let expected: Vec<&str> = week
        .iter()
        .copied()
        .filter(|t| *t != "2026-10-23T00:30:00Z")
        .collect();
    assert_eq!(backfilled, expected);
    let records = operator.wait_succeeded("database-backup", &week).await;
    for record in records
        .iter()
        .filter(|r| week.contains(&r["scheduled_time"].as_str().unwrap()))
    {
        assert_eq!(record["deliveries"], 1, "ran once: {record}");
    }

    // Run now an occurrence that is done: an idempotent task does not run it again.
    let again = operator.ops(&[
        "invoke",
        "database-backup",
        "--at",
        "2026-10-23T00:30:00Z",
        "--wait",
    ]);
    assert!(
        again.contains("already done (idempotent): not run again; succeeded by request id async-"),
        "{again}"
    );

    // The dead-letter queue holds both kinds of record, an occurrence that has succeeded
    // since, and a message that is no dead letter of this module.
    let sqs = sqs_client(&moto);
    let queue = shop.dead_letter_queue(&sqs).await;
    let failed_sync = json!({"task": "inventory-sync", "scheduled_time": "2026-11-29T10:05:00Z",
                             "execution_id": "ad06616e51cdf74a", "attempt": "1"});
    let succeeded_since = json!({"task": "inventory-sync", "scheduled_time": "2026-11-30T09:05:00Z",
                                 "execution_id": "bd06616e51cdf74b", "attempt": "1"});
    let undelivered = json!({"task": "sitemap-refresh", "scheduled_time": "2026-11-29T10:15:00Z",
                             "execution_id": "d32c5kddcf5bb8c3", "attempt": "4",
                             "schedule_arn": format!("arn:aws:scheduler:us-east-1:123456789012:schedule/{function_name}/sitemap-refresh")});
    for body in [
        failure_record("inventory-sync", &failed_sync),
        failure_record("inventory-sync", &succeeded_since),
    ] {
        sqs.send_message()
            .queue_url(&queue)
            .message_body(body)
            .send()
            .await
            .unwrap();
    }
    sqs.send_message()
        .queue_url(&queue)
        .message_body(undelivered.to_string())
        .message_attributes(
            "ERROR_CODE",
            string_attribute("AWS.Lambda.TooManyRequestsException"),
        )
        .message_attributes("ERROR_MESSAGE", string_attribute("Rate Exceeded."))
        .message_attributes(
            "EXHAUSTED_RETRY_CONDITION",
            string_attribute("MaximumRetryAttempts"),
        )
        .message_attributes("RETRY_ATTEMPTS", string_attribute("3"))
        .message_attributes("IS_PAYLOAD_TRUNCATED", string_attribute("false"))
        .send()
        .await
        .unwrap();
    sqs.send_message()
        .queue_url(&queue)
        .message_body("{\"hello\":\"world\"}")
        .send()
        .await
        .unwrap();

    // A dry run shows each and leaves the queue as it was.
    let before = lambda.calls().len();
    let dry = operator.ops(&["replay", "--dry-run"]);
    assert!(
        dry.contains("inventory-sync 2026-11-29T10:05:00+00:00 (2026-11-29T10:05:00+00:00): failed 3 time(s) (RetriesExhausted): [TaskFailed] supplier API returned 503\n  would be sent again\n"),
        "{dry}"
    );
    assert!(
        dry.contains("sitemap-refresh 2026-11-29T10:15:00+00:00 (2026-11-29T10:15:00+00:00): not delivered (MaximumRetryAttempts): AWS.Lambda.TooManyRequestsException: Rate Exceeded.\n  would be sent again\n"),
        "{dry}"
    );
    assert!(
        dry.contains("  succeeded since: would be dropped\n"),
        "{dry}"
    );
    assert!(dry.contains("not a dead letter of this module"), "{dry}");
    assert_eq!(lambda.calls().len(), before);
    assert_eq!(queue_depth(&sqs, &queue).await, 4);

    // One task only: the others stay.
    let only = operator.ops(&["replay", "--task", "sitemap-refresh"]);
    assert!(only.contains("1 dead letter(s) in"), "{only}");
    assert!(
        only.contains("3 other message(s) untouched (--task)"),
        "{only}"
    );
    let calls = lambda.calls();
    assert_eq!(calls.len(), before + 1);
    assert_eq!(calls[before].qualifier, "sitemap-refresh");
    // Sent by an operator, not by the schedule: the same event without the schedule's ARN.
    let mut resent = undelivered.clone();
    resent.as_object_mut().unwrap().remove("schedule_arn");
    assert_eq!(calls[before].event, resent);
    assert_eq!(queue_depth(&sqs, &queue).await, 3);

    // The rest: one sent again, one dropped, the stranger left (and the command says so).
    let rest = operator.run(&["replay"]);
    let (stdout, stderr) = (text(&rest.stdout), text(&rest.stderr));
    assert!(!rest.status.success(), "{stdout}");
    assert!(stdout.contains("  succeeded since: dropped\n"), "{stdout}");
    assert!(
        stdout.contains("  sent again: request id async-"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "3 dead letter(s) in {function_name}-dead-letter: 1 sent again, 1 dropped (succeeded since), 1 left in the queue"
        )),
        "{stderr}"
    );
    let calls = lambda.calls();
    assert_eq!(calls.len(), before + 2);
    assert_eq!(calls[before + 1].qualifier, "inventory-sync");
    assert_eq!(calls[before + 1].event, failed_sync);
    assert_eq!(queue_depth(&sqs, &queue).await, 1);

    // The replayed occurrences ran and succeeded; what operators sent from before the
    // deployment makes nothing since then missed (this test's first failure: a replay of 29
    // November pushed the occurrence out of `history` behind every quarter hour since).
    let synced = operator
        .wait_succeeded("inventory-sync", &["2026-11-29T10:05:00Z"])
        .await;
    nothing_missed(&synced);
    let refreshed = operator
        .wait_succeeded("sitemap-refresh", &["2026-11-29T10:15:00Z"])
        .await;
    nothing_missed(&refreshed);

    // An environment that was never applied: AWS's "not found", and what it likely means.
    let wrong = operator
        .command()
        .args(["status", "--env", "prod"])
        .output()
        .unwrap();
    let stderr = text(&wrong.stderr);
    assert_eq!(wrong.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("example-shop-prod-ledger"), "{stderr}");
    assert!(stderr.contains("ResourceNotFoundException"), "{stderr}");
    assert!(
        stderr.contains("hint: is `example-shop-prod` deployed in this account and region?"),
        "{stderr}"
    );
    drop(shop);
}

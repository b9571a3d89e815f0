//! Deferred review requests in AWS: the one-time schedules they become on moto's EventBridge
//! Scheduler (created, found again under the same key, cancelled, read back field by field),
//! and the schedule's input run by the shop's compiled binary as a Lambda function, which also
//! defers runs itself from its environment (`shipment-feed`).

// Test code: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use aws_sdk_scheduler::types::{ActionAfterCompletion, FlexibleTimeWindowMode};
use example_shop::reviews::{self, REVIEW_DELAY};
use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use schedule_runtime::defer::{self, SchedulerConfig, schedule_name};
use schedule_runtime::idempotency::{Connection, DynamoDbStore, StaticCredentials};
use serde_json::{Value, json};
use support::{Reply, RuntimeApi, endpoint, scheduler_client, start_function};

const ROLE: &str = "arn:aws:iam::123456789012:role/shop-production-scheduler";
const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:shop-production";
const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:shop-production-dead-letter";

fn connection(endpoint: &str) -> Connection {
    Connection {
        region: "us-east-1".to_owned(),
        endpoint: Some(endpoint.to_owned()),
        credentials: Some(StaticCredentials {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
            session_token: None,
        }),
    }
}

/// What Scheduler does to a target's input before delivering it: its keywords filled in.
fn as_delivered(input: &str, schedule_arn: &str) -> String {
    input
        .replace("<aws.scheduler.execution-id>", "4a7b6e0f2c9d1e3b")
        .replace("<aws.scheduler.attempt-number>", "1")
        .replace("<aws.scheduler.schedule-arn>", schedule_arn)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs moto: run bash scripts/test.sh"]
async fn review_requests_become_one_time_schedules_that_the_binary_runs() {
    let endpoint = endpoint();
    let group = format!("shop-reviews-{}", std::process::id());
    let client = scheduler_client(&endpoint);
    client
        .create_schedule_group()
        .name(&group)
        .send()
        .await
        .unwrap();
    defer::use_scheduler(SchedulerConfig {
        group: group.clone(),
        role_arn: ROLE.to_owned(),
        function_arn: FUNCTION.to_owned(),
        dead_letter_arn: QUEUE.to_owned(),
        connection: connection(&endpoint),
    });

    // Shipped: a run three days later.
    let before = Timestamp::now();
    let shipped = reviews::order_shipped(42, "ada@example.com").await.unwrap();
    let after = Timestamp::now();
    assert!(shipped.created);
    assert_eq!(shipped.task, "review-request");
    assert_eq!(shipped.key, "order-42");
    let delay = SignedDuration::try_from(REVIEW_DELAY).unwrap();
    let slack = SignedDuration::from_millis(1);
    assert!(
        shipped.at >= before + delay - slack && shipped.at <= after + delay + slack,
        "{shipped:?}"
    );
    // The webhook delivered twice: the pending run, nothing new.
    let again = reviews::order_shipped(42, "ada@example.com").await.unwrap();
    assert!(!again.created);
    assert_eq!(again.at, shipped.at);
    assert_eq!(again.name, shipped.name);

    // Read back.
    let name = schedule_name("review-request", "order-42");
    assert_eq!(shipped.name, name);
    let schedule = client
        .get_schedule()
        .group_name(&group)
        .name(&name)
        .send()
        .await
        .unwrap();
    // The expression: the run's instant in Berlin (UTC+1 in December and until late March),
    // to the next whole second.
    let berlin = shipped.at + SignedDuration::from_hours(1);
    let whole = if berlin.subsec_nanosecond() == 0 {
        berlin
    } else {
        Timestamp::from_second(berlin.as_second() + 1).unwrap()
    };
    let expected = format!("at({})", whole.strftime("%Y-%m-%dT%H:%M:%S"));
    assert_eq!(schedule.schedule_expression(), Some(expected.as_str()));
    assert_eq!(
        schedule.schedule_expression_timezone(),
        Some("Europe/Berlin")
    );
    assert_eq!(
        schedule.action_after_completion(),
        Some(&ActionAfterCompletion::Delete)
    );
    assert_eq!(
        schedule
            .flexible_time_window()
            .map(aws_sdk_scheduler::types::FlexibleTimeWindow::mode),
        Some(&FlexibleTimeWindowMode::Off)
    );
    let target = schedule.target().unwrap();
    // review-request runs in function group `mail`: its own function's alias.
    assert_eq!(
        target.arn(),
        "arn:aws:lambda:us-east-1:123456789012:function:shop-production-mail:review-request"
    );
    assert_eq!(target.role_arn(), ROLE);
    let retry = target.retry_policy().unwrap();
    // review-request declares no max_age: Lambda's six hours; ten delivery retries, as the
    // generated schedules have.
    assert_eq!(retry.maximum_event_age_in_seconds(), Some(21_600));
    assert_eq!(retry.maximum_retry_attempts(), Some(10));
    assert_eq!(
        target.dead_letter_config().and_then(|d| d.arn()),
        Some(QUEUE)
    );
    let input: Value = serde_json::from_str(target.input().unwrap()).unwrap();
    assert_eq!(
        input,
        json!({
            "task": "review-request",
            "scheduled_time": shipped.at.to_string(),
            "execution_id": "<aws.scheduler.execution-id>",
            "attempt": "<aws.scheduler.attempt-number>",
            "schedule_arn": "<aws.scheduler.schedule-arn>",
            "deferral": "order-42",
            "input": {"order": 42, "email": "ada@example.com"},
        })
    );

    // Returned before the request went out: cancelled; an order never shipped has none.
    assert!(!reviews::order_returned(43).await.unwrap());
    reviews::order_shipped(43, "grace@example.com")
        .await
        .unwrap();
    assert!(reviews::order_returned(43).await.unwrap());
    assert!(!reviews::order_returned(43).await.unwrap());
    let gone = client
        .get_schedule()
        .group_name(&group)
        .name(schedule_name("review-request", "order-43"))
        .send()
        .await
        .unwrap_err();
    assert!(
        gone.as_service_error()
            .is_some_and(aws_sdk_scheduler::operation::get_schedule::GetScheduleError::is_resource_not_found_exception),
        "{gone:?}"
    );

    // The binary, as the function: runs the delivered input once (idempotent), and defers
    // itself from its environment when its shipment feed has news.
    let table = format!("shop-reviews-idempotency-{}", std::process::id());
    DynamoDbStore::connect(&table, connection(&endpoint))
        .create_table()
        .await
        .unwrap();
    let data = std::env::temp_dir().join(format!("shop-reviews-data-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("shipments.json"),
        r#"[{"order": 77, "email": "lin@example.com"}]"#,
    )
    .unwrap();
    let api = RuntimeApi::start();
    let environment = [
        ("SHOP_DATA_DIR", data.to_str().unwrap()),
        ("AWS_ENDPOINT_URL_DYNAMODB", endpoint.as_str()),
        ("AWS_ENDPOINT_URL_SCHEDULER", endpoint.as_str()),
        ("SCHEDULE_IDEMPOTENCY_TABLE", table.as_str()),
        ("SCHEDULE_ENVIRONMENT", "production"),
        ("SCHEDULE_DEFER_GROUP", group.as_str()),
        ("SCHEDULE_DEFER_ROLE_ARN", ROLE),
        ("SCHEDULE_DEFER_FUNCTION_ARN", FUNCTION),
        ("SCHEDULE_DEFER_DEAD_LETTER_ARN", QUEUE),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    // Two functions, as deployed: the mail group's runs the review requests, the default one
    // the shipment feed.
    let log = data.join("function.log");
    let function = start_function(&api, &environment, &log);
    let mail_api = RuntimeApi::start();
    let mut mail_environment = environment.to_vec();
    mail_environment.extend(
        [
            ("SCHEDULE_FUNCTION_GROUP", "mail"),
            ("AWS_LAMBDA_FUNCTION_NAME", "shop-production-mail"),
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    let mail_log = data.join("function-mail.log");
    let mail_function = start_function(&mail_api, &mail_environment, &mail_log);
    let delivered = as_delivered(target.input().unwrap(), schedule.arn().unwrap());
    let replies = tokio::task::spawn_blocking(move || {
        [
            mail_api.invoke(&delivered),
            mail_api.invoke(&delivered),
            api.invoke(r#"{"task": "shipment-feed", "scheduled_time": "2026-11-30T10:15:00Z"}"#),
        ]
    })
    .await
    .unwrap();
    drop(function);
    drop(mail_function);
    let logs =
        std::fs::read_to_string(&log).unwrap() + &std::fs::read_to_string(&mail_log).unwrap();
    let bodies: Vec<&Value> = replies
        .iter()
        .map(|reply| match reply {
            Reply::Response(body) => body,
            Reply::Error { .. } => panic!("{reply:?}\n{logs}"),
        })
        .collect();
    assert_eq!(bodies[0]["status"], "succeeded", "{logs}");
    assert_eq!(bodies[1]["status"], "duplicate", "{logs}");
    assert_eq!(bodies[2]["result"], 1, "{logs}");
    let mail = std::fs::read_to_string(data.join("sent-mail.log")).unwrap();
    assert_eq!(
        mail,
        format!(
            "{} to ada@example.com: How was your order #42?\n",
            shipped.at
        )
    );
    // The function's own deferral, from its environment.
    let feed = client
        .get_schedule()
        .group_name(&group)
        .name(schedule_name("review-request", "order-77"))
        .send()
        .await
        .unwrap();
    let input: Value = serde_json::from_str(feed.target().unwrap().input().unwrap()).unwrap();
    assert_eq!(
        input["input"],
        json!({"order": 77, "email": "lin@example.com"})
    );
    assert_eq!(input["deferral"], "order-77");
    assert_eq!(
        std::fs::read_to_string(data.join("shipments.json"))
            .unwrap()
            .trim(),
        "[]"
    );
}

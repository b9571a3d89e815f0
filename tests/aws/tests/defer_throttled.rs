//! Deferring at volume: EventBridge Scheduler answers a burst of `CreateSchedule` past its
//! request rate with `ThrottlingException`. A stand-in for Scheduler's endpoint on loopback
//! (moto does not throttle) answers so a chosen number of times: a deferral is retried with
//! backoff and succeeds once Scheduler accepts it, and one throttled through every attempt is
//! an error to the caller that says so, never a run lost silently. The stand-in answers only
//! what Scheduler's API names `CreateSchedule` (`POST /schedules/<name>` with a JSON body) and
//! keeps each request, so the test reads what was asked and when. One process-wide backend, so
//! one test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use schedule_runtime::defer::{self, DeferError, SchedulerConfig};
use schedule_runtime::scheduled;
use support::connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[scheduled(deferred)]
async fn reminder(order: u64) {
    let _ = order;
}

/// One request the stand-in received, and when.
#[derive(Debug, Clone)]
struct Received {
    at: Instant,
    method: String,
    path: String,
    body: serde_json::Value,
}

type Requests = Arc<Mutex<Vec<Received>>>;

/// Scheduler's endpoint, throttling every `CreateSchedule` while `throttle` is above zero
/// (counting it down), accepting it after; anything else is an unknown operation. Keeps every
/// request.
async fn scheduler(throttle: Arc<AtomicUsize>) -> (String, Requests) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let requests: Requests = Arc::default();
    let counted = Arc::clone(&requests);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (throttle, counted) = (Arc::clone(&throttle), Arc::clone(&counted));
            tokio::spawn(async move {
                loop {
                    // One request: its head, then the body its Content-Length announces.
                    let mut buffer = Vec::new();
                    let mut chunk = [0u8; 8192];
                    let body_start = loop {
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buffer.extend_from_slice(&chunk[..n]);
                        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                            break at + 4;
                        }
                    };
                    let head = String::from_utf8_lossy(&buffer[..body_start]).to_lowercase();
                    let length: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    while buffer.len() < body_start + length {
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buffer.extend_from_slice(&chunk[..n]);
                    }
                    let mut words = head.split_whitespace();
                    let (method, path) = (
                        words.next().unwrap_or_default().to_uppercase(),
                        words.next().unwrap_or_default().to_owned(),
                    );
                    let body = serde_json::from_slice(&buffer[body_start..body_start + length])
                        .unwrap_or(serde_json::Value::Null);
                    // Scheduler's REST API: `CreateSchedule` is `POST /schedules/{Name}`.
                    let create =
                        method == "POST" && path.starts_with("/schedules/") && body.is_object();
                    counted.lock().unwrap().push(Received {
                        at: Instant::now(),
                        method,
                        path,
                        body,
                    });
                    let throttled = create
                        && throttle
                            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                            .is_ok();
                    let (status, body) = if !create {
                        (
                            "404 Not Found",
                            r#"{"Message":"not an operation of this stand-in"}"#.to_owned(),
                        )
                    } else if throttled {
                        (
                            "400 Bad Request",
                            r#"{"Message":"Rate exceeded"}"#.to_owned(),
                        )
                    } else {
                        (
                            "200 OK",
                            r#"{"ScheduleArn":"arn:aws:scheduler:us-east-1:123456789012:schedule/shop/reminder"}"#
                                .to_owned(),
                        )
                    };
                    let error_type = if !create {
                        "x-amzn-errortype: UnknownOperationException\r\n"
                    } else if throttled {
                        "x-amzn-errortype: ThrottlingException\r\n"
                    } else {
                        ""
                    };
                    let response = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\n{error_type}content-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (address, requests)
}

#[tokio::test(flavor = "multi_thread")]
async fn throttled_deferrals_are_retried_with_backoff_then_reported() {
    let throttle = Arc::new(AtomicUsize::new(0));
    let (endpoint, requests) = scheduler(Arc::clone(&throttle)).await;
    defer::use_scheduler(SchedulerConfig {
        group: "shop".to_owned(),
        role_arn: "arn:aws:iam::123456789012:role/shop-scheduler".to_owned(),
        function_arn: "arn:aws:lambda:us-east-1:123456789012:function:shop".to_owned(),
        dead_letter_arn: "arn:aws:sqs:us-east-1:123456789012:shop-dead-letter".to_owned(),
        connection: connection(&endpoint),
    });

    // Throttled twice, accepted the third time: deferred.
    throttle.store(2, Ordering::SeqCst);
    let deferred = defer::defer::<reminder>(1)
        .after(Duration::from_secs(3_600))
        .key("order-1")
        .send()
        .await
        .expect("accepted on the third attempt");
    assert!(deferred.created);
    let made = std::mem::take(&mut *requests.lock().unwrap());
    assert_eq!(made.len(), 3, "{made:#?}");
    // Each attempt asked for the same schedule, as the deferral is declared.
    for request in &made {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, made[0].path);
        assert!(
            request.path.starts_with("/schedules/reminder"),
            "{request:?}"
        );
        let body = &request.body;
        assert_eq!(body["GroupName"], "shop", "{body}");
        // The task's alias, which carries its retry policy.
        assert_eq!(
            body["Target"]["Arn"],
            "arn:aws:lambda:us-east-1:123456789012:function:shop:reminder"
        );
        assert_eq!(
            body["Target"]["RoleArn"],
            "arn:aws:iam::123456789012:role/shop-scheduler"
        );
        assert_eq!(
            body["Target"]["DeadLetterConfig"]["Arn"],
            "arn:aws:sqs:us-east-1:123456789012:shop-dead-letter"
        );
        assert!(
            body["ScheduleExpression"]
                .as_str()
                .unwrap()
                .starts_with("at("),
            "{body}"
        );
        let input: serde_json::Value =
            serde_json::from_str(body["Target"]["Input"].as_str().unwrap()).unwrap();
        assert_eq!(input["task"], "reminder", "{input}");
        assert_eq!(input["deferral"], "order-1", "{input}");
        assert_eq!(input["input"], 1, "{input}");
    }

    // Throttled through every attempt: an error that says so, after each attempt was made.
    throttle.store(usize::MAX, Ordering::SeqCst);
    let error = defer::defer::<reminder>(2)
        .after(Duration::from_secs(3_600))
        .key("order-2")
        .send()
        .await
        .expect_err("throttled every time");
    assert!(matches!(error, DeferError::Store(_)), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("throttled it through 4 attempts")
            && message.contains("nothing was deferred")
            && message.contains("ThrottlingException"),
        "{message}"
    );
    let made = std::mem::take(&mut *requests.lock().unwrap());
    assert_eq!(made.len(), 4, "{made:#?}");
    // With backoff, not at once: the SDK's standard retries wait a jittered exponential
    // delay from one second (1, 2, 4 s at most). Three immediate retries on loopback take a
    // few milliseconds; jittered delays this short together are about one chance in 400,000.
    let waited = made[3].at - made[0].at;
    assert!(waited >= Duration::from_millis(50), "{waited:?}");
}

//! Deferring at volume: EventBridge Scheduler answers a burst of `CreateSchedule` past its
//! request rate with `ThrottlingException`. A stand-in for Scheduler's endpoint on loopback
//! (moto does not throttle) answers so a chosen number of times: a deferral is retried with
//! backoff and succeeds once Scheduler accepts it, and one throttled through every attempt is
//! an error to the caller that says so, never a run lost silently. One process-wide backend,
//! so one test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use schedule_runtime::defer::{self, DeferError, SchedulerConfig};
use schedule_runtime::scheduled;
use support::connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[scheduled(deferred)]
async fn reminder(order: u64) {
    let _ = order;
}

/// Scheduler's endpoint, throttling every `CreateSchedule` while `throttle` is above zero
/// (counting it down), accepting it after. Counts the requests it answers.
async fn scheduler(throttle: Arc<AtomicUsize>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
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
                    counted.fetch_add(1, Ordering::SeqCst);
                    let throttled = throttle
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    let (status, body) = if throttled {
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
                    let error_type = if throttled {
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
    assert_eq!(requests.load(Ordering::SeqCst), 3);

    // Throttled through every attempt: an error that says so, after each attempt was made.
    throttle.store(usize::MAX, Ordering::SeqCst);
    requests.store(0, Ordering::SeqCst);
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
    assert_eq!(requests.load(Ordering::SeqCst), 4);
}

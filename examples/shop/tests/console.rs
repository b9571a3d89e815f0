//! `ops console` in a real browser: Debian's Chromium, driven through chromedriver as a person
//! would use the page, on the shop's local state directory and on the shop's module applied
//! to moto (its function served by the shop's binary, as in `operate.rs`). What the page shows is compared
//! with what the application's binary prints (`status --json`, `history --json`) and with the
//! files the actions change.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use schedule_runtime::core::jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};
use support::SHOP_TASKS;
use support::operator::{Operator, ShopOnMoto, failure_record, sqs_client};

/// A process killed when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A secret the console's environment holds and no page or log line may show.
const SECRET: &str = "console-test-secret-9f2c";

/// The shop's application binary on `state` (its data in `state/data`); must succeed.
fn shop(state: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_example-shop"))
        .args(args)
        .arg("--state-dir")
        .arg(state)
        .env("SHOP_DATA_DIR", state.join("data"))
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .env("USER", "console-test")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "example-shop {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Starts `ops console` as `command` says; the process, the line it prints first (where it
/// looks, and its address) and its base URL.
fn start_console(mut command: Command) -> (Running, String, String) {
    let mut child = command.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split_whitespace()
        .last()
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_owned();
    (Running(child), line, url)
}

/// `ops console` on `state`; returns the process, its base URL and a reader of its stderr.
fn console(state: &Path, extra: &[&str]) -> (Running, String, PathBuf) {
    let log = state.join(format!("console-{}.log", extra.len()));
    let mut command = Command::new(env!("CARGO_BIN_EXE_ops"));
    command
        .args(["console", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(state)
        .args(extra)
        .env("SHOP_DATA_DIR", state.join("data"))
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("USER", "console-test")
        .stderr(std::fs::File::create(&log).unwrap());
    let (running, line, url) = start_console(command);
    assert!(line.starts_with("console for state directory"), "{line}");
    assert!(!line.contains(SECRET), "{line}");
    (running, url, log)
}

/// chromedriver on a free port, and a headless Chromium session through it.
/// chromedriver and the Chromium it started: dropped (a test that ends, or fails half-way
/// without closing its session), both stop. Killing chromedriver alone would leave Chromium
/// running, holding its profile in the target directory.
struct Browser {
    _driver: Running,
    profile: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = Command::new("pkill")
            .args(["-f", "--"])
            .arg(format!("--user-data-dir={}", self.profile.display()))
            .status();
    }
}

async fn browser() -> (Browser, Client) {
    let driver = std::env::var("SCHEDULE_TEST_CHROMEDRIVER")
        .expect("SCHEDULE_TEST_CHROMEDRIVER is not set: run the suite with `bash scripts/test.sh`");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let driver = Running(child);
    let chromium = std::env::var("SCHEDULE_TEST_CHROMIUM").unwrap_or("/usr/bin/chromium".into());
    let profile = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("chromium-{port}"));
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".to_owned(),
        json!({
            "binary": chromium,
            // The machine's network is closed: Chromium's own background traffic only fails.
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--window-size=1280,900", format!("--user-data-dir={}", profile.display())],
        }),
    );
    let started = Instant::now();
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => {
                let browser = Browser {
                    _driver: driver,
                    profile,
                };
                return (browser, client);
            }
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start Chromium through chromedriver: {e}"),
        }
    }
}

/// The text of `field` in the row of `task` on the page open in `client`.
async fn cell(client: &Client, task: &str, field: &str) -> String {
    client
        .find(Locator::Css(&format!(
            "tr[data-task='{task}'] [data-field='{field}']"
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The UTC instant a `<time>` in `field` of `task`'s row shows, if any.
async fn time_of(client: &Client, task: &str, field: &str) -> Option<String> {
    let found = client
        .find_all(Locator::Css(&format!(
            "tr[data-task='{task}'] [data-field='{field}'] time"
        )))
        .await
        .unwrap();
    match found.first() {
        Some(time) => time.attr("datetime").await.unwrap(),
        None => None,
    }
}

/// Waits (at most 30 s) until `check` holds for the page, which refreshes itself.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the page never showed {what}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Waits until the occurrence the page follows (the one "Run now" started) shows `status`,
/// the page refreshing itself.
async fn followed_to(client: &Client, status: &str) {
    eventually(&format!("the followed run {status}"), || async move {
        match client
            .find(Locator::Css("tr.followed [data-field='status']"))
            .await
        {
            Ok(shown) => shown.text().await.unwrap_or_default() == status,
            Err(_) => false,
        }
    })
    .await;
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no `{css}` on the page: {e}"))
        .click()
        .await
        .unwrap();
}

/// Clicks the button of an action's form and returns the output the page it redirects to
/// shows.
async fn act(client: &Client, button: &str) -> String {
    go(client, button).await;
    result_text(client).await
}

/// Clicks a link or a form's button and waits for the page it leads to: the old page is
/// marked first, so nothing of it is taken for the new one.
async fn go(client: &Client, button: &str) {
    client
        .execute("document.documentElement.dataset.left = 'yes';", vec![])
        .await
        .unwrap();
    click(client, button).await;
    eventually("the page the action leads to", || async move {
        client
            .execute(
                "return document.readyState === 'complete' && !document.documentElement.dataset.left;",
                vec![],
            )
            .await
            .is_ok_and(|fresh| fresh == json!(true))
    })
    .await;
}

/// The output of the action just taken, once the page it redirected to shows it.
async fn result_text(client: &Client) -> String {
    match client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("[data-field='result']"))
        .await
    {
        Ok(result) => result.text().await.unwrap(),
        Err(e) => panic!(
            "no action's output on the page ({e}):\n{}",
            client.source().await.unwrap_or_default()
        ),
    }
}

/// The overview open in `client` shows, task by task, what `status --json` printed.
async fn same_as_status(client: &Client, statuses: &Value) {
    let statuses = statuses.as_array().unwrap();
    let rows = client
        .find_all(Locator::Css("tr[data-task]"))
        .await
        .unwrap();
    assert_eq!(rows.len(), statuses.len(), "one row per task");
    for status in statuses {
        let task = status["task"].as_str().unwrap();
        let state_word = match (
            status["enabled"].as_bool().unwrap(),
            status["paused"].is_null(),
        ) {
            (false, _) => "disabled",
            (true, false) => "paused",
            (true, true) => "enabled",
        };
        assert_eq!(cell(client, task, "state").await, state_word, "{task}");
        assert_eq!(
            cell(client, task, "missed").await,
            status["missed"].to_string(),
            "{task}"
        );
        let last_run = status["last_run"]["scheduled_time"].as_str().map(|t| {
            t.parse::<schedule_runtime::core::jiff::Timestamp>()
                .unwrap()
        });
        let shown = time_of(client, task, "last_run").await.map(|t| {
            t.parse::<schedule_runtime::core::jiff::Timestamp>()
                .unwrap()
        });
        assert_eq!(shown, last_run, "{task}");
        let outcome = status["last_run"]["status"].as_str().unwrap_or("–");
        assert_eq!(cell(client, task, "outcome").await, outcome, "{task}");
    }
}

/// A raw HTTP/1.1 request to the console; the status code and the body.
fn raw(base: &str, request: &str) -> (u16, String) {
    let address = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).unwrap();
    // A gzipped body is not text; the head is.
    let answer = String::from_utf8_lossy(&bytes).into_owned();
    let code = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, answer)
}

fn post(base: &str, path: &str, origin: Option<&str>, body: &str) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    raw(
        base,
        &format!(
            "POST {path} HTTP/1.1\r\nHost: {host}\r\n{origin}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// The state directory of one test, with a dead letter of `sitemap-refresh` in it.
fn state_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("console-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    dir
}

/// Records, as the local runner does when a schedule delivers, `inventory-sync`'s runs at
/// 01:05, 02:05 and 04:05 (UTC) two days before now; returns the first of them.
async fn scheduled_runs_of_inventory_sync(state: &Path) -> Timestamp {
    let day = (Timestamp::now() - SignedDuration::from_hours(48))
        .strftime("%Y-%m-%d")
        .to_string();
    support::record_runs_by_schedule(state, "inventory-sync", &day, &["01:05", "02:05", "04:05"])
        .await;
    format!("{day}T01:05:00Z").parse().unwrap()
}

/// The quarter hour `quarters` quarters before the test process's first look at the clock
/// (RFC 3339 UTC). One instant for the whole process: a quarter hour that turns while a test
/// runs cannot move an occurrence it computed earlier.
fn quarter_hours_ago(quarters: i64) -> String {
    static ANCHOR: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    let now = *ANCHOR.get_or_init(|| Timestamp::now().as_second());
    Timestamp::from_second((now / 900 - quarters) * 900)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver (`bash scripts/test.sh` provides them)"]
async fn the_console_shows_the_local_ledger_and_acts_through_the_commands() {
    let state = state_dir("local");
    // Something to show: two runs through the application's binary, and a dead letter as the
    // runner writes one when an occurrence has used up its attempts.
    shop(&state, &["invoke", "sitemap-refresh"]);
    shop(&state, &["invoke", "expired-session-cleanup"]);
    let lost = quarter_hours_ago(8);
    let letter = json!({
        "task": "sitemap-refresh",
        "event": {"task": "sitemap-refresh", "scheduled_time": lost, "execution_id": "0123456789abcdef", "attempt": "3"},
        "error": "the search engine answered 503",
        "error_type": "TaskFailed",
        "attempts": 3,
        "scheduled_time": lost,
        "failed_at": lost,
    });
    std::fs::write(state.join("dead-letters.jsonl"), format!("{letter}\n")).unwrap();
    // And what the runner records when a schedule delivers: `inventory-sync` (hourly at :05)
    // ran by its schedule at 01:05, 02:05 and 04:05 two days ago, and never since.
    let watched_from = scheduled_runs_of_inventory_sync(&state).await;

    let (_console, base, log) = console(&state, &[]);
    let (_driver, client) = browser().await;

    // The overview, task by task, against `status --json`.
    let before_overview = Timestamp::now();
    client.goto(&format!("{base}/")).await.unwrap();
    let sync_missed = cell(&client, "inventory-sync", "missed").await;
    let after_overview = Timestamp::now();
    same_as_status(&client, &json_of(&shop(&state, &["status", "--json"]))).await;
    // `status --json` runs the code the console calls, so it cannot catch a count both get
    // wrong: what this test made happen, written out. Operators delivered the other runs (two
    // `invoke`s), so only `inventory-sync` can have missed anything.
    for task in SHOP_TASKS {
        let ran = [
            "sitemap-refresh",
            "expired-session-cleanup",
            "inventory-sync",
        ]
        .contains(&task);
        let outcome = if ran { "succeeded" } else { "–" };
        assert_eq!(cell(&client, task, "outcome").await, outcome, "{task}");
        if task != "inventory-sync" {
            assert_eq!(cell(&client, task, "missed").await, "0", "{task}");
        }
    }
    // Its missed ones: 03:05 two days ago, and each hour's :05 from 05:05 that day on, once
    // it is later than its max_age (30 minutes) and the missed-run check's 5 minutes' grace.
    let missed_by = |at: Timestamp| {
        let late =
            at - (watched_from + SignedDuration::from_hours(4)) - SignedDuration::from_mins(35);
        1 + if late.is_negative() {
            0
        } else {
            late.as_secs() / 3_600 + 1
        }
    };
    let sync_missed: i64 = sync_missed.parse().unwrap();
    assert!(
        (missed_by(before_overview)..=missed_by(after_overview)).contains(&sync_missed),
        "inventory-sync shows {sync_missed} missed, expected {}..={}",
        missed_by(before_overview),
        missed_by(after_overview)
    );
    assert_eq!(
        time_of(&client, "inventory-sync", "last_run").await,
        Some(
            (watched_from + SignedDuration::from_hours(3))
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string()
        )
    );
    // The shop's production-only tasks are disabled on this machine (environment `local`).
    assert_eq!(
        cell(&client, "daily-sales-report", "state").await,
        "disabled"
    );
    // Berlin's spring change skips the backup's 02:30 once a year: the mark `list` shows.
    let dst = cell(&client, "database-backup", "dst").await;
    assert!(dst.ends_with("02:30 skipped"), "{dst}");

    // Pause with a reason: the ledger has it (who, why), and the next delivery is skipped.
    go(&client, "a[href='/tasks/sitemap-refresh']").await;
    client
        .find(Locator::Css("input[name='reason']"))
        .await
        .unwrap()
        .send_keys("search engine outage")
        .await
        .unwrap();
    let said = act(&client, "form[action$='/pause'] button").await;
    assert!(said.contains("paused by console-test"), "{said}");
    assert!(said.contains("search engine outage"), "{said}");
    let paused = json_of(&shop(&state, &["status", "--json"]));
    let paused = paused
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["task"] == "sitemap-refresh")
        .unwrap()
        .clone();
    assert_eq!(paused["paused"]["by"], "console-test");
    assert_eq!(paused["paused"]["reason"], "search engine outage");
    // A delivery now (the runner's, here the application's own `invoke`) is skipped.
    shop(
        &state,
        &["invoke", "sitemap-refresh", "--at", &quarter_hours_ago(20)],
    );
    let history = json_of(&shop(
        &state,
        &["history", "sitemap-refresh", "--json", "-n", "50"],
    ));
    let skipped = history
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scheduled_time"] == json!(quarter_hours_ago(20)))
        .unwrap()
        .clone();
    assert_eq!(skipped["status"], "skipped", "{skipped}");

    // Run now while paused: the page follows the occurrence to `skipped`.
    act(&client, "form[action$='/run'] button").await;
    followed_to(&client, "skipped").await;

    // Resume, run now, and follow it to success without reloading.
    assert!(
        act(&client, "form[action$='/resume'] button")
            .await
            .contains("resumed")
    );
    tokio::time::sleep(Duration::from_millis(1_100)).await; // a new second: a new occurrence
    act(&client, "form[action$='/run'] button").await;
    followed_to(&client, "succeeded").await;

    // Backfill: the preview lists the four quarter hours of an hour two hours ago, and only
    // the confirmation sends them.
    let from = quarter_hours_ago(12);
    let to = quarter_hours_ago(8);
    // The form's inputs take a local date and time in the task's zone (UTC for this one).
    for (name, value) in [("from", &from), ("to", &to)] {
        let local = value.trim_end_matches(":00Z");
        client
            .execute(
                &format!("document.querySelector(\"input[name='{name}']\").value = arguments[0];"),
                vec![json!(local)],
            )
            .await
            .unwrap();
    }
    let before = json_of(&shop(
        &state,
        &["history", "sitemap-refresh", "--json", "-n", "50"],
    ))
    .as_array()
    .unwrap()
    .len();
    go(&client, "form[action$='/backfill'] button").await;
    let due: Vec<String> = {
        let mut due = Vec::new();
        for item in client.find_all(Locator::Css("ol.due li")).await.unwrap() {
            due.push(item.attr("data-at").await.unwrap().unwrap());
        }
        due
    };
    let expected: Vec<String> = (9..=12)
        .rev()
        .map(|q| quarter_hours_ago(q).replace('Z', "+00:00"))
        .collect();
    assert_eq!(
        due, expected,
        "the preview lists the quarter hours in [from, to)"
    );
    let after_preview = json_of(&shop(
        &state,
        &["history", "sitemap-refresh", "--json", "-n", "50"],
    ))
    .as_array()
    .unwrap()
    .len();
    assert_eq!(after_preview, before, "a preview sends nothing");
    let said = act(&client, "form[action$='/backfill'] button").await;
    assert!(
        said.contains("4 occurrence(s) of `sitemap-refresh`: 4 succeeded"),
        "{said}"
    );
    let history = json_of(&shop(
        &state,
        &["history", "sitemap-refresh", "--json", "-n", "50"],
    ));
    for at in &expected {
        let at = at.replace("+00:00", "Z");
        let record = history
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["scheduled_time"] == json!(at))
            .unwrap_or_else(|| panic!("no record of {at}"));
        assert_eq!(record["status"], "succeeded", "{record}");
    }

    // The dead letter: listed, replayed through the page, gone from the file, run in the ledger.
    go(&client, "a[href='/dead-letters']").await;
    let rows = client
        .find_all(Locator::Css("table.letters tr[data-task]"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        cell(&client, "sitemap-refresh", "scheduled").await,
        lost.replace('Z', "+00:00")
    );
    let said = act(&client, "form[action='/dead-letters/replay'] button").await;
    assert!(said.contains("succeeded"), "{said}");
    // The file holds no letter any more (an empty file is removed).
    let left = std::fs::read_to_string(state.join("dead-letters.jsonl")).unwrap_or_default();
    assert_eq!(left, "", "the replayed letter left the file");
    let history = json_of(&shop(
        &state,
        &["history", "sitemap-refresh", "--json", "-n", "50"],
    ));
    let replayed = history
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scheduled_time"] == json!(lost))
        .unwrap()
        .clone();
    assert_eq!(replayed["status"], "succeeded", "{replayed}");

    // Nothing secret on any page, nor in the console's log.
    for path in ["/", "/tasks/sitemap-refresh", "/dead-letters", "/deferred"] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        let source = client.source().await.unwrap();
        assert!(!source.contains(SECRET), "{path} shows the secret");
    }
    client.close().await.unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(!logged.contains(SECRET), "{logged}");
}

/// What happened to one occurrence, written to the ledger as the dispatcher writes it.
enum Happened {
    /// Ran `failures` failing times of `ms` each, then (if `then_ok`) once more to success.
    Ran {
        ms: u64,
        failures: u32,
        then_ok: bool,
    },
    /// Ran once, successfully, in `ms`; then `duplicates` more deliveries found it done.
    Twice { ms: u64, duplicates: u32 },
    /// A delivery found it already completed, with no earlier record.
    Duplicate,
    /// Skipped: the task was paused.
    Skipped,
    /// The missed-run check found no delivery.
    Missed,
    /// A run started and has not ended.
    Running,
}

/// Writes `happened` to `state`'s ledger for `task`'s occurrence `at` (RFC 3339), through the
/// runtime's own recorder; every delivery is an operator's (so nothing else counts as missed).
async fn record(state: &Path, task: &str, at: &str, happened: Happened) {
    use schedule_runtime::ledger::{
        self, Change, End, LocalLedger, Occurrence, Recorder, Start, Status,
    };
    let recorder = Recorder::new(
        std::sync::Arc::new(LocalLedger::open(state.join("ledger.jsonl"))),
        ledger::DEFAULT_RETENTION,
    );
    let scheduled: Timestamp = at.parse().unwrap();
    let occurrence = || Occurrence::of(task, scheduled);
    let start = |attempt: u32| {
        Change::Started(Start {
            at: scheduled,
            attempt: Some(attempt),
            execution_id: Some("0123456789abcdef".to_owned()),
            request_id: format!("{task}-{at}-{attempt}"),
            environment: "local".to_owned(),
            by_schedule: false,
        })
    };
    let end = |status: Status, ms: u64| {
        Change::Finished(End {
            at: scheduled + SignedDuration::from_millis(ms as i64),
            status,
            duration_ms: ms,
            error_type: status.is_failure().then(|| "TaskFailed".to_owned()),
            excerpt: status
                .is_failure()
                .then(|| "the search engine answered 503".to_owned()),
        })
    };
    let changes = match happened {
        Happened::Ran {
            ms,
            failures,
            then_ok,
        } => {
            let mut changes = Vec::new();
            for attempt in 1..=failures {
                changes.extend([start(attempt), end(Status::Failed, ms)]);
            }
            if then_ok {
                changes.extend([start(failures + 1), end(Status::Succeeded, ms)]);
            }
            changes
        }
        Happened::Twice { ms, duplicates } => {
            let mut changes = vec![start(1), end(Status::Succeeded, ms)];
            for _ in 0..duplicates {
                changes.push(Change::Duplicate {
                    environment: "local".to_owned(),
                    by_schedule: false,
                });
            }
            changes
        }
        Happened::Duplicate => vec![Change::Duplicate {
            environment: "local".to_owned(),
            by_schedule: false,
        }],
        Happened::Skipped => vec![Change::Skipped {
            reason: "paused by alice at 2026-12-07T08:00:00Z: search engine outage".to_owned(),
            request_id: format!("{task}-{at}-skipped"),
            by_schedule: false,
        }],
        Happened::Missed => vec![Change::Missed],
        Happened::Running => vec![start(1)],
    };
    for change in changes {
        assert!(recorder.record(occurrence(), change).await);
    }
}

/// Each grid cell of `task` on the overview open in `client`: its classes, its link and its
/// letter, oldest first.
async fn grid_of(client: &Client, task: &str) -> Vec<(String, String, String)> {
    let mut cells = Vec::new();
    for cell in client
        .find_all(Locator::Css(&format!(
            "tr[data-task='{task}'] .grid a.cell"
        )))
        .await
        .unwrap()
    {
        cells.push((
            cell.attr("class").await.unwrap().unwrap(),
            cell.attr("href").await.unwrap().unwrap(),
            cell.text().await.unwrap(),
        ));
    }
    cells
}

/// The counts of the health bar open in `client`, by group.
async fn health_counts(client: &Client) -> Vec<(String, usize)> {
    let mut counts = Vec::new();
    for count in client
        .find_all(Locator::Css("nav.health [data-count]"))
        .await
        .unwrap()
    {
        counts.push((
            count.attr("data-count").await.unwrap().unwrap(),
            count.text().await.unwrap().parse().unwrap(),
        ));
    }
    counts
}

/// The health counts `status --json` gives, group by group, as the console names them.
fn health_of_status(statuses: &Value) -> Vec<(String, usize)> {
    let statuses = statuses.as_array().unwrap();
    let count = |holds: &dyn Fn(&Value) -> bool| statuses.iter().filter(|s| holds(s)).count();
    let failure = ["failed", "timed_out", "panicked", "dead_lettered"];
    vec![
        ("all".to_owned(), statuses.len()),
        (
            "failing".to_owned(),
            count(&|s| {
                s["last_run"]["status"]
                    .as_str()
                    .is_some_and(|word| failure.contains(&word))
            }),
        ),
        (
            "missed".to_owned(),
            count(&|s| s["missed"].as_u64().unwrap() > 0),
        ),
        ("paused".to_owned(), count(&|s| !s["paused"].is_null())),
        ("long".to_owned(), count(&|s| s.get("long_runs").is_some())),
    ]
}

/// Each grid cell of `task` on the overview open in `client` is a record of `history` (newest
/// first, as `history --json` prints it): the same occurrence, the same outcome (a failure
/// after its last retry shows as dead-lettered), duplicates marked; and the cells are the
/// newest records, oldest first.
async fn grid_matches_history(client: &Client, task: &str, history: &Value, retries: u64) {
    let records = history.as_array().unwrap();
    let cells = grid_of(client, task).await;
    assert!(!cells.is_empty(), "{task} shows no occurrence");
    let newest: Vec<&Value> = records.iter().take(cells.len()).rev().collect();
    for ((class, href, _), record) in cells.iter().zip(newest) {
        let at = record["scheduled_time"].as_str().unwrap();
        assert_eq!(href, &format!("/tasks/{task}?at={at}"), "{record}");
        let status = record["status"].as_str().unwrap();
        let spent = status == "failed" && record["failures"].as_u64().unwrap() > retries;
        let shown = if spent { "dead_lettered" } else { status };
        let mut expected = format!("cell {shown}");
        if record["duplicates"].as_u64().unwrap() > 0 {
            expected.push_str(" dup");
        }
        assert_eq!(class, &expected, "{record}");
    }
}

/// The duration chart open in `client` has one point per record of `history` with a
/// duration, of `shown` (the page's occurrences, newest first).
async fn chart_matches_history(client: &Client, history: &Value, shown: usize) {
    let mut points = Vec::new();
    for point in client
        .find_all(Locator::Css("svg.durations [data-at]"))
        .await
        .unwrap()
    {
        points.push(point.attr("data-at").await.unwrap().unwrap());
    }
    points.sort();
    let mut runs: Vec<String> = history
        .as_array()
        .unwrap()
        .iter()
        .take(shown)
        .filter(|r| !r["duration_ms"].is_null())
        .map(|r| r["scheduled_time"].as_str().unwrap().to_owned())
        .collect();
    runs.sort();
    assert_eq!(points, runs, "one point per run");
}

/// What sticks out of the window's width on the page open in `client`: each element whose
/// right edge is beyond it (tag, classes, right edge, window width); none on a page that fits.
async fn wider_than_the_window(client: &Client) -> Vec<String> {
    let found = client
        .execute(
            "const width = document.documentElement.clientWidth;
             return [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > width + 0.5)
               .map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ${e.getAttribute('data-field') || ''} right ${e.getBoundingClientRect().right} of ${width}`);",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver (`bash scripts/test.sh` provides them)"]
async fn the_pictures_show_each_occurrence_as_the_ledger_records_it() {
    // The state directory is `.schedule` in the console's working directory, as by default:
    // the page (and its screenshots in docs/) names no machine's path.
    let dir = state_dir("pictures");
    let state = dir.join(".schedule");
    std::fs::create_dir_all(&state).unwrap();
    // `sitemap-refresh` (every quarter hour, 2 retries) went through everything an
    // occurrence can: oldest first.
    let q = quarter_hours_ago;
    let known = [
        (
            q(12),
            Happened::Ran {
                ms: 1_500,
                failures: 0,
                then_ok: true,
            },
            "cell succeeded",
            "✓",
        ),
        (
            q(11),
            Happened::Twice {
                ms: 1_200,
                duplicates: 1,
            },
            "cell succeeded dup",
            "✓",
        ),
        (
            q(10),
            Happened::Ran {
                ms: 800,
                failures: 1,
                then_ok: false,
            },
            "cell failed",
            "F",
        ),
        (
            q(9),
            Happened::Ran {
                ms: 700,
                failures: 3,
                then_ok: false,
            },
            "cell dead_lettered",
            "D",
        ),
        (q(8), Happened::Skipped, "cell skipped", "S"),
        (q(7), Happened::Missed, "cell missed", "M"),
        (q(6), Happened::Running, "cell running", "R"),
        (q(5), Happened::Duplicate, "cell duplicate dup", "="),
        (
            q(4),
            Happened::Ran {
                ms: 2_500,
                failures: 1,
                then_ok: true,
            },
            "cell succeeded",
            "✓",
        ),
    ];
    let mut expected = Vec::new();
    for (at, happened, class, letter) in known {
        record(&state, "sitemap-refresh", &at, happened).await;
        expected.push((
            class.to_owned(),
            format!("/tasks/sitemap-refresh?at={at}"),
            letter.to_owned(),
        ));
    }
    // One task failing (its newest run failed), one running long (40 s of a minute), one
    // paused from a machine without a user name.
    let failed = Happened::Ran {
        ms: 3_000,
        failures: 1,
        then_ok: false,
    };
    record(&state, "expired-session-cleanup", &q(4), failed).await;
    let long = Happened::Ran {
        ms: 40_000,
        failures: 0,
        then_ok: true,
    };
    record(&state, "deferred-emails", &q(2), long).await;
    let out = Command::new(env!("CARGO_BIN_EXE_example-shop"))
        .args([
            "pause",
            "weekly-digest",
            "--reason",
            "newsletter on hold",
            "--state-dir",
        ])
        .arg(&state)
        .env_remove("USER")
        .env_remove("USERNAME")
        .env_remove("LOGNAME")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("paused by unknown at "), "{said}");

    let mut command = Command::new(env!("CARGO_BIN_EXE_ops"));
    command
        .args(["console", "--listen", "127.0.0.1:0"])
        .current_dir(&dir)
        .env("SHOP_DATA_DIR", state.join("data"))
        .stderr(Stdio::null());
    let (_console, line, base) = start_console(command);
    assert!(
        line.starts_with("console for state directory .schedule (local)"),
        "{line}"
    );
    let (_driver, client) = browser().await;
    client.goto(&format!("{base}/")).await.unwrap();

    // The health bar: written out, and as `status --json` counts.
    let counts = health_counts(&client).await;
    let written: Vec<(String, usize)> = [
        ("all", 12),
        ("failing", 1),
        ("missed", 1),
        ("paused", 1),
        ("long", 1),
    ]
    .into_iter()
    .map(|(group, count)| (group.to_owned(), count))
    .collect();
    assert_eq!(counts, written);
    let statuses = json_of(&shop(&state, &["status", "--json"]));
    assert_eq!(counts, health_of_status(&statuses));
    assert_eq!(
        cell(&client, "weekly-digest", "paused")
            .await
            .split(" at ")
            .next(),
        Some("paused by unknown")
    );

    // The grid: every occurrence, oldest first, as written; and as `history --json` reads
    // the ledger.
    assert_eq!(grid_of(&client, "sitemap-refresh").await, expected);
    let history = json_of(&shop(
        &state,
        &["history", "sitemap-refresh", "--json", "-n", "50"],
    ));
    grid_matches_history(&client, "sitemap-refresh", &history, 2).await;
    // The next fire times follow, greyed, not links.
    let upcoming = client
        .find_all(Locator::Css(
            "tr[data-task='sitemap-refresh'] .grid span.cell.next",
        ))
        .await
        .unwrap();
    assert_eq!(upcoming.len(), 3);
    client.set_window_size(1280, 1240).await.unwrap();
    save_screenshot(&client, "console-overview.png").await;

    // A group's link shows its tasks alone.
    go(&client, "nav.health a.failing").await;
    let mut rows = Vec::new();
    for row in client
        .find_all(Locator::Css("tr[data-task]"))
        .await
        .unwrap()
    {
        rows.push(row.attr("data-task").await.unwrap().unwrap());
    }
    assert_eq!(rows, ["expired-session-cleanup"]);
    let (code, body) = raw(
        &base,
        &format!(
            "GET /?only=slow HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            base.trim_start_matches("http://")
        ),
    );
    assert_eq!(code, 400);
    assert!(body.contains("no health group is called `slow`"), "{body}");

    // A cell leads to its occurrence on the task's page, highlighted: the failed one.
    client.goto(&format!("{base}/")).await.unwrap();
    go(
        &client,
        &format!(
            "tr[data-task='sitemap-refresh'] a.cell[href$='at={}']",
            q(10)
        ),
    )
    .await;
    let followed = client.find(Locator::Css("tr.followed")).await.unwrap();
    assert_eq!(
        followed.attr("data-at").await.unwrap().unwrap(),
        q(10).replace('Z', "+00:00")
    );
    assert_eq!(
        followed
            .find(Locator::Css("[data-field='status']"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "failed"
    );

    // The chart: one point per run on the page (five ran), the two failures as crosses.
    client
        .goto(&format!("{base}/tasks/sitemap-refresh"))
        .await
        .unwrap();
    chart_matches_history(&client, &history, 50).await;
    let points = client
        .find_all(Locator::Css("svg.durations [data-at]"))
        .await
        .unwrap();
    assert_eq!(points.len(), 5);
    let crosses = client
        .find_all(Locator::Css("svg.durations path.run.failed"))
        .await
        .unwrap();
    let mut crossed = Vec::new();
    for cross in crosses {
        crossed.push(cross.attr("data-at").await.unwrap().unwrap());
    }
    crossed.sort();
    assert_eq!(crossed, [q(10), q(9)]);
    // Half of 15 minutes is far above runs of seconds: named under the chart, not drawn.
    let caption = client
        .find(Locator::Css("figure.chart figcaption"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        caption.contains("Above the chart: half the interval 7 min 30 s"),
        "{caption}"
    );
    save_screenshot(&client, "console-task.png").await;

    // On a phone, nothing needs scrolling sideways: the overview and the task page.
    client.set_window_size(390, 844).await.unwrap();
    // The window takes its new size asynchronously: measure once the page is laid out in it.
    let phone = || async {
        client
            .execute("return window.innerWidth <= 400;", vec![])
            .await
            .is_ok_and(|narrow| narrow == json!(true))
    };
    for path in ["/", "/tasks/sitemap-refresh"] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        eventually("the phone's width", phone).await;
        let wider = wider_than_the_window(&client).await;
        assert!(wider.is_empty(), "{path} is wider than a phone: {wider:#?}");
    }
    save_screenshot(&client, "console-phone.png").await;
    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Chromium and chromedriver (`bash scripts/test.sh` provides them)"]
async fn another_origin_cannot_act_and_read_only_offers_no_action() {
    let state = state_dir("guard");
    shop(&state, &["invoke", "sitemap-refresh"]);
    let (_console, base, _) = console(&state, &[]);

    // The console's own page, in the browser: its form carries the token.
    let (_driver, client) = browser().await;
    client
        .goto(&format!("{base}/tasks/sitemap-refresh"))
        .await
        .unwrap();
    let token = client
        .find(Locator::Css("form[action$='/pause'] input[name='csrf']"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();

    // A page of another origin posting the form, in the same browser: refused.
    let evil = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let evil_port = evil.local_addr().unwrap().port();
    let form = format!(
        "<!doctype html><form id=f method=post action='{base}/tasks/sitemap-refresh/pause'><input name=csrf value='{token}'><input name=reason value=evil></form><script>document.getElementById('f').submit()</script>"
    );
    std::thread::spawn(move || {
        for stream in evil.incoming().take(2) {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0_u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
                form.len()
            );
        }
    });
    client
        .goto(&format!("http://127.0.0.1:{evil_port}/"))
        .await
        .unwrap();
    let page = &client;
    eventually("the console's refusal", || async move {
        page.source()
            .await
            .is_ok_and(|source| source.contains("refused: the request came from another"))
    })
    .await;
    let status = json_of(&shop(&state, &["status", "--json"]));
    let sitemap = status
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["task"] == "sitemap-refresh")
        .unwrap()
        .clone();
    assert!(sitemap["paused"].is_null(), "{sitemap}");

    // The same, by hand: a foreign Origin with the right token, the console's origin without
    // it, and another Host.
    let body = format!("csrf={token}&reason=x");
    let (code, _) = post(
        &base,
        "/tasks/sitemap-refresh/pause",
        Some("http://evil.example"),
        &body,
    );
    assert_eq!(code, 403);
    let (code, _) = post(
        &base,
        "/tasks/sitemap-refresh/pause",
        Some(&base),
        "reason=x",
    );
    assert_eq!(code, 403);
    let (code, _) = raw(
        &base,
        "GET / HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(code, 421);
    // The console's own pages: gzipped for a browser that accepts it, never framed, scripts
    // and styles from the console alone.
    let host = base.trim_start_matches("http://");
    let (code, answer) = raw(
        &base,
        &format!(
            "GET / HTTP/1.1\r\nHost: {host}\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
        ),
    );
    assert_eq!(code, 200);
    let head = answer
        .split("\r\n\r\n")
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(head.contains("content-encoding: gzip"), "{head}");
    assert!(head.contains("x-frame-options: deny"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    // The console's own origin with the token: the control that shows the refusals are the
    // checks, not a broken route.
    let (code, answer) = post(&base, "/tasks/sitemap-refresh/pause", Some(&base), &body);
    assert_eq!(code, 303, "{answer}");

    // Read-only: no form that acts, and an action refused even with a token.
    let (_read_only, base, _) = console(&state, &["--read-only"]);
    client
        .goto(&format!("{base}/tasks/sitemap-refresh"))
        .await
        .unwrap();
    let forms = client
        .find_all(Locator::Css("form[method='post']"))
        .await
        .unwrap();
    assert!(
        forms.is_empty(),
        "a read-only page offers {} action(s)",
        forms.len()
    );
    let (code, _) = post(
        &base,
        "/tasks/sitemap-refresh/resume",
        Some(&base),
        &format!("csrf={token}"),
    );
    assert_eq!(code, 403);
    client.close().await.unwrap();
}

/// Saves a screenshot of the page into the test's target directory (docs/ holds the copies
/// the README shows).
async fn save_screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(Path::new(env!("CARGO_TARGET_TMPDIR")).join(name), png).unwrap();
}

/// `ops console --env` for the deployment `operator` reaches, with the operator's
/// environment (and a secret key no page may show).
fn deployed_console(operator: &Operator, log: &Path) -> (Running, String) {
    let mut command = operator.command();
    command
        .args([
            "console",
            "--listen",
            "127.0.0.1:0",
            "--env",
            &operator.environment,
        ])
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("USER", "console-test")
        .stderr(std::fs::File::create(log).unwrap());
    let (running, line, url) = start_console(command);
    assert!(
        line.starts_with("console for deployment example-shop-"),
        "{line}"
    );
    // Who acts through it, as AWS knows them.
    assert!(
        line.contains(&format!(" as {} (", support::MOTO_CALLER)),
        "{line}"
    );
    (running, url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs terraform, moto, Chromium and chromedriver: run bash scripts/test.sh"]
async fn the_console_operates_the_shop_module_applied_to_moto() {
    let shop = ShopOnMoto::start("console", "c");
    let (operator, lambda) = (&shop.operator, &shop.lambda);

    // A success, and a dead letter of an occurrence that failed three times.
    let ran = quarter_hours_ago(8);
    operator.ops(&["invoke", "sitemap-refresh", "--at", &ran, "--wait"]);
    let lost = quarter_hours_ago(16);
    let sqs = sqs_client(&operator.moto);
    let queue = shop.dead_letter_queue(&sqs).await;
    let event = json!({"task": "sitemap-refresh", "scheduled_time": lost,
                       "execution_id": "ad06616e51cdf74a", "attempt": "1"});
    sqs.send_message()
        .queue_url(&queue)
        .message_body(failure_record("sitemap-refresh", &event))
        .send()
        .await
        .unwrap();

    let log = shop.dir.join("console.log");
    let (_console, base) = deployed_console(operator, &log);
    let (_driver, client) = browser().await;
    client.goto(&format!("{base}/")).await.unwrap();
    same_as_status(&client, &json_of(&operator.ops(&["status", "--json"]))).await;
    // Written out, as `status --json` shares the console's code: one task ran, by an
    // operator, and no schedule delivered, so nothing is missed.
    for task in SHOP_TASKS {
        let outcome = if task == "sitemap-refresh" {
            "succeeded"
        } else {
            "–"
        };
        assert_eq!(cell(&client, task, "outcome").await, outcome, "{task}");
        assert_eq!(cell(&client, task, "missed").await, "0", "{task}");
    }
    // The deployment is `production`-like: its tasks for every environment are enabled.
    assert_eq!(cell(&client, "sitemap-refresh", "state").await, "enabled");

    // Pause through the page: the next delivery is skipped; resume through the page.
    go(&client, "a[href='/tasks/sitemap-refresh']").await;
    client
        .find(Locator::Css("input[name='reason']"))
        .await
        .unwrap()
        .send_keys("search engine outage")
        .await
        .unwrap();
    let said = act(&client, "form[action$='/pause'] button").await;
    let by = format!("paused by {}", support::MOTO_CALLER);
    assert!(said.contains(&by), "{said}");
    let delivered = quarter_hours_ago(4);
    let skipped = operator.ops(&["invoke", "sitemap-refresh", "--at", &delivered, "--wait"]);
    assert!(skipped.contains(&format!("skipped: {by}")), "{skipped}");
    assert!(
        act(&client, "form[action$='/resume'] button")
            .await
            .contains("resumed")
    );

    // Run now: the event goes to the task's alias, and the page follows it to its outcome.
    let calls_before = lambda.calls().len();
    act(&client, "form[action$='/run'] button").await;
    followed_to(&client, "succeeded").await;
    let calls = lambda.calls();
    assert_eq!(calls.len(), calls_before + 1, "{calls:#?}");
    let call = calls.last().unwrap();
    assert_eq!(
        (call.qualifier.as_str(), call.invocation_type.as_str()),
        ("sitemap-refresh", "Event")
    );
    assert!(
        call.event.get("schedule_arn").is_none(),
        "an operator's event: {}",
        call.event
    );

    // Backfill: previewed, then sent; each occurrence runs in the deployment.
    let (from, to) = (quarter_hours_ago(28), quarter_hours_ago(24));
    for (name, value) in [("from", &from), ("to", &to)] {
        let local = value.trim_end_matches(":00Z");
        client
            .execute(
                &format!("document.querySelector(\"input[name='{name}']\").value = arguments[0];"),
                vec![json!(local)],
            )
            .await
            .unwrap();
    }
    go(&client, "form[action$='/backfill'] button").await;
    let count = client
        .find(Locator::Css("[data-field='count']"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(count, "4");
    let calls_before = lambda.calls().len();
    let said = act(&client, "form[action$='/backfill'] button").await;
    assert!(said.contains("4 sent to example-shop-"), "{said}");
    assert_eq!(lambda.calls().len(), calls_before + 4);
    let sent: Vec<String> = (25..=28).map(quarter_hours_ago).collect();
    let sent: Vec<&str> = sent.iter().map(String::as_str).collect();
    operator.wait_succeeded("sitemap-refresh", &sent).await;

    // The dead letter: listed from the queue (and left there), then replayed through the page.
    go(&client, "a[href='/dead-letters']").await;
    assert_eq!(
        cell(&client, "sitemap-refresh", "scheduled").await,
        lost.replace('Z', "+00:00")
    );
    let said = act(&client, "form[action='/dead-letters/replay'] button").await;
    assert!(said.contains("1 sent again"), "{said}");
    operator.wait_succeeded("sitemap-refresh", &[&lost]).await;

    // The pictures, from the deployed ledger: the health bar as `status --json` counts, the
    // grid as `history --json` reads, the chart with one point per run. Written out: the
    // four backfilled, the replayed, the first run, the skipped delivery and "Run now".
    client.goto(&format!("{base}/")).await.unwrap();
    let statuses = json_of(&operator.ops(&["status", "--json"]));
    let counts = health_counts(&client).await;
    assert_eq!(counts, health_of_status(&statuses));
    let written: Vec<(String, usize)> = [
        ("all", 12),
        ("failing", 0),
        ("missed", 0),
        ("paused", 0),
        ("long", 0),
    ]
    .into_iter()
    .map(|(group, count)| (group.to_owned(), count))
    .collect();
    assert_eq!(counts, written);
    let history = json_of(&operator.ops(&["history", "sitemap-refresh", "--json", "-n", "50"]));
    grid_matches_history(&client, "sitemap-refresh", &history, 2).await;
    let classes: Vec<String> = grid_of(&client, "sitemap-refresh")
        .await
        .into_iter()
        .map(|(class, _, _)| class)
        .collect();
    let mut expected = vec!["cell succeeded"; 6];
    expected.extend(["cell skipped", "cell succeeded"]);
    assert_eq!(classes, expected);
    client
        .goto(&format!("{base}/tasks/sitemap-refresh"))
        .await
        .unwrap();
    chart_matches_history(&client, &history, 50).await;

    // A run deferred by the function (the shipment feed defers a review request per order it
    // ships): listed from the schedule group, and cancelled through the page.
    let fed = operator.ops(&["invoke", "shipment-feed", "--wait"]);
    assert!(fed.contains("succeeded in "), "{fed}");
    go(&client, "a[href='/deferred']").await;
    let scheduler = support::scheduler_client(&operator.moto);
    let waiting = || async {
        let listed = scheduler
            .list_schedules()
            .group_name(&shop.function_name)
            .send()
            .await
            .unwrap();
        let mut names: Vec<String> = listed
            .schedules()
            .iter()
            .filter_map(|s| s.name())
            .filter(|name| name.starts_with("review-request."))
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    };
    let deferred = waiting().await;
    assert!(!deferred.is_empty(), "the feed deferred no review request");
    let mut keys = Vec::new();
    for row in client
        .find_all(Locator::Css("tr[data-task='review-request']"))
        .await
        .unwrap()
    {
        keys.push(row.attr("data-key").await.unwrap().unwrap());
    }
    assert_eq!(keys.len(), deferred.len(), "{keys:?} against {deferred:?}");
    for key in &keys {
        assert!(
            deferred
                .iter()
                .any(|name| name.starts_with(&format!("review-request.{key}."))),
            "{key} is not among {deferred:?}"
        );
    }
    let key = &keys[0];
    let said = act(
        &client,
        &format!("tr[data-key='{key}'] form[action='/deferred/cancel'] button"),
    )
    .await;
    assert!(
        said.contains(&format!("review-request {key}: cancelled")),
        "{said}"
    );
    let left = waiting().await;
    assert_eq!(left.len(), deferred.len() - 1, "{left:?}");
    assert!(
        left.iter()
            .all(|name| !name.starts_with(&format!("review-request.{key}.")))
    );

    for path in ["/", "/tasks/sitemap-refresh", "/dead-letters", "/deferred"] {
        client.goto(&format!("{base}{path}")).await.unwrap();
        let source = client.source().await.unwrap();
        assert!(!source.contains(SECRET), "{path} shows the secret");
    }
    client.close().await.unwrap();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(!logged.contains(SECRET), "{logged}");
    drop(shop);
}

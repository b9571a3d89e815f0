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

/// `ops console` on `state`; returns the process, its base URL and a reader of its stderr.
fn console(state: &Path, extra: &[&str]) -> (Running, String, PathBuf) {
    let log = state.join(format!("console-{}.log", extra.len()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ops"))
        .args(["console", "--listen", "127.0.0.1:0", "--state-dir"])
        .arg(state)
        .args(extra)
        .env("SHOP_DATA_DIR", state.join("data"))
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("USER", "console-test")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("console for state directory"), "{line}");
    assert!(!line.contains(SECRET), "{line}");
    let url = line
        .split_whitespace()
        .last()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    (Running(child), url, log)
}

/// chromedriver on a free port, and a headless Chromium session through it.
async fn browser() -> (Running, Client) {
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
            Ok(client) => return (driver, client),
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
    save_screenshot(&client, "console-overview.png").await;

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
    save_screenshot(&client, "console-task.png").await;

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
    let mut child = operator
        .command()
        .args([
            "console",
            "--listen",
            "127.0.0.1:0",
            "--env",
            &operator.environment,
        ])
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("USER", "console-test")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("console for deployment example-shop-"),
        "{line}"
    );
    let url = line
        .split_whitespace()
        .last()
        .unwrap()
        .trim_end_matches('/')
        .to_owned();
    (Running(child), url)
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
    assert!(said.contains("paused by console-test"), "{said}");
    let delivered = quarter_hours_ago(4);
    let skipped = operator.ops(&["invoke", "sitemap-refresh", "--at", &delivered, "--wait"]);
    assert!(
        skipped.contains("skipped: paused by console-test"),
        "{skipped}"
    );
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

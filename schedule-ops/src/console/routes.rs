//! The console's routes: views are `GET`, actions are `POST` forms that answer with a redirect
//! to the view they concern, carrying the action's output (Post/Redirect/Get, so a reload
//! never repeats an action).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;
use schedule_core::jiff::tz::TimeZone;
use schedule_core::jiff::{SignedDuration, Timestamp, civil};
use schedule_core::{format_instant, time_zone};
use schedule_runtime::ledger::{self, Query as LedgerQuery, Status};
use schedule_runtime::{Registration, Registry};
use serde::Deserialize;

use super::guard::Guard;
use super::pages::{self, Filter, Frame, TaskPage};
use super::pictures::{GRID, Health};
use super::source::Source;

/// The console's state, shared by every request.
pub(crate) struct Console {
    registry: Registry,
    source: Source,
    guard: Guard,
    read_only: bool,
    /// The outputs of recent actions, by number, for the page they redirect to.
    results: Mutex<VecDeque<(u64, String, bool)>>,
    next_result: Mutex<u64>,
}

/// How many action outputs are kept for their pages.
const RESULTS_KEPT: usize = 64;

/// Occurrences on one page of a task's history.
const PAGE: usize = 50;

/// With a status filter, how many records one page reads at most to find its matches.
const FILTER_READ: usize = 1_000;

type Shared = Arc<Console>;

impl Console {
    pub(crate) fn new(registry: Registry, source: Source, guard: Guard, read_only: bool) -> Shared {
        Arc::new(Console {
            registry,
            source,
            guard,
            read_only,
            results: Mutex::new(VecDeque::new()),
            next_result: Mutex::new(0),
        })
    }

    fn frame<'a>(&'a self, result: Option<(&'a str, bool)>) -> Frame<'a> {
        Frame {
            environment: self.source.environment(),
            place: "",
            read_only: self.read_only,
            token: &self.guard.token,
            result,
        }
    }

    fn keep(&self, text: String, ok: bool) -> u64 {
        let id = {
            let mut next = self
                .next_result
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *next += 1;
            *next
        };
        let mut results = self
            .results
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if results.len() == RESULTS_KEPT {
            results.pop_front();
        }
        results.push_back((id, text, ok));
        id
    }

    fn result(&self, id: Option<u64>) -> Option<(String, bool)> {
        let id = id?;
        let results = self
            .results
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        results
            .iter()
            .find(|(kept, _, _)| *kept == id)
            .map(|(_, text, ok)| (text.clone(), *ok))
    }

    fn task(&self, name: &str) -> Result<&'static Registration, Box<Response>> {
        self.registry.get(name).ok_or_else(|| {
            Box::new(self.problem(
                StatusCode::NOT_FOUND,
                &schedule_runtime::cli::ledger::unknown_task(&self.registry, name),
            ))
        })
    }

    fn problem(&self, status: StatusCode, text: &str) -> Response {
        let place = self.source.place();
        let mut frame = self.frame(None);
        frame.place = &place;
        (status, pages::problem(&frame, text)).into_response()
    }

    fn render(
        &self,
        result: Option<&(String, bool)>,
        body: impl FnOnce(&Frame<'_>) -> Markup,
    ) -> Response {
        let place = self.source.place();
        let result = result.map(|(text, ok)| (text.as_str(), *ok));
        let mut frame = self.frame(result);
        frame.place = &place;
        body(&frame).into_response()
    }
}

/// The router, with the host check and the response headers on every route.
pub(crate) fn router(console: Shared) -> Router {
    Router::new()
        .route("/", get(overview))
        .route("/tasks/{task}", get(task))
        .route(
            "/tasks/{task}/backfill",
            get(backfill_preview).post(backfill),
        )
        .route("/tasks/{task}/{action}", post(task_action))
        .route("/dead-letters", get(dead_letters))
        .route("/dead-letters/replay", post(replay))
        .route("/deferred", get(deferred))
        .route("/deferred/cancel", post(cancel_deferred))
        .route("/assets/console.css", get(stylesheet))
        .route("/assets/console.js", get(script))
        .layer(middleware::from_fn(compressed))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&console),
            guarded,
        ))
        .with_state(console)
}

/// Refuses a request for another host name, and marks every answer as not to be cached,
/// framed or sent on as a referrer, with a policy that allows only the console's own assets.
async fn guarded(State(console): State<Shared>, request: Request, next: Next) -> Response {
    if !console.guard.host_ok(request.headers()) {
        return (
            StatusCode::MISDIRECTED_REQUEST,
            "this console answers only to the address it printed",
        )
            .into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name, value| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(
        headers,
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    // Not `no-referrer`: under it the browser sends `Origin: null` with the forms, which the
    // origin check must refuse.
    set(headers, header::REFERRER_POLICY, "same-origin");
    set(headers, header::CACHE_CONTROL, "no-store");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    response
}

/// The most a page may weigh before compression; a larger one is sent as it is.
const MOST_COMPRESSED: usize = 16 << 20;

/// Gzips an HTML page for a browser that accepts it: the overview of 500 tasks is half a
/// megabyte of mostly repeated markup, and about a tenth of that gzipped (BENCHMARKS.md).
async fn compressed(request: Request, next: Next) -> Response {
    let accepts_gzip = request
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|coding| coding.trim().starts_with("gzip")));
    let response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !accepts_gzip || !is_html {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MOST_COMPRESSED).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "the page was too large").into_response();
    };
    let Ok(gzipped) = gzip(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts
        .headers
        .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    parts
        .headers
        .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    Response::from_parts(parts, axum::body::Body::from(gzipped))
}

/// `bytes` gzipped as the console sends its pages (fast level: the page is made per request).
pub(crate) fn gzip(bytes: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, bytes)?;
    encoder.finish()
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../../assets/console.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../../assets/console.js"),
    )
}

/// `?result=N`: the output of the action that led here.
#[derive(Debug, Default, Deserialize)]
struct Shown {
    result: Option<u64>,
}

/// The overview's query: the action's output, and the health group to show alone.
#[derive(Debug, Default, Deserialize)]
struct OverviewQuery {
    result: Option<u64>,
    only: Option<String>,
}

async fn overview(State(console): State<Shared>, Query(shown): Query<OverviewQuery>) -> Response {
    let only = match shown.only.as_deref().filter(|word| !word.is_empty()) {
        None => None,
        Some(word) => match Health::parse(word) {
            Some(group) => Some(group),
            None => {
                let words: Vec<&str> = Health::ALL.iter().map(|group| group.word()).collect();
                return console.problem(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "no health group is called `{word}`; the groups are {}",
                        words.join(", ")
                    ),
                );
            }
        },
    };
    let now = Timestamp::now();
    let place = console.source.place();
    let result = console.result(shown.result);
    let mut frame = console.frame(result.as_ref().map(|(text, ok)| (text.as_str(), *ok)));
    frame.place = &place;
    let page = super::overview(
        &console.registry,
        console.source.environment(),
        console.source.ledger(),
        &frame,
        only,
        now,
    )
    .await;
    match page {
        Ok(page) => page.into_response(),
        Err(problem) => console.problem(StatusCode::BAD_GATEWAY, &problem),
    }
}

/// A task page's query: the history filter, the page, the action's output, the occurrence to
/// follow. Times are RFC 3339, or `datetime-local` values read in the task's zone.
#[derive(Debug, Default, Deserialize)]
struct TaskQuery {
    status: Option<String>,
    since: Option<String>,
    until: Option<String>,
    result: Option<u64>,
    follow: Option<String>,
    /// One occurrence (a grid's cell): the page of history that starts with it, followed.
    at: Option<String>,
}

/// An instant from a form: RFC 3339, or a `datetime-local` value in `zone`. Empty is none.
fn instant(text: Option<&str>, zone: &TimeZone, what: &str) -> Result<Option<Timestamp>, String> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Ok(at) = text.parse::<Timestamp>() {
        return Ok(Some(at));
    }
    text.parse::<civil::DateTime>()
        .ok()
        .and_then(|civil| civil.to_zoned_datetime(zone.clone()).ok())
        .map(|zoned| Some(zoned.timestamp()))
        .ok_or_else(|| {
            format!("{what}: `{text}` is neither an RFC 3339 instant nor a local date and time")
        })
}

async fn task(
    State(console): State<Shared>,
    Path(name): Path<String>,
    Query(query): Query<TaskQuery>,
) -> Response {
    let task = match console.task(&name) {
        Ok(task) => task,
        Err(response) => return *response,
    };
    let spec = task.spec();
    let zone = time_zone(spec.timezone).unwrap_or(TimeZone::UTC);
    let status_word = query.status.clone().filter(|s| !s.is_empty());
    if let Some(word) = &status_word
        && Status::parse(word).is_none()
    {
        return console.problem(
            StatusCode::BAD_REQUEST,
            &format!("no status is called `{word}`"),
        );
    }
    let times = (
        instant(query.since.as_deref(), &zone, "since"),
        instant(query.until.as_deref(), &zone, "until"),
        instant(query.follow.as_deref(), &zone, "follow"),
        instant(query.at.as_deref(), &zone, "at"),
    );
    let (since, until, follow) = match times {
        (Ok(since), Ok(until), Ok(follow), Ok(None)) => (since, until, follow),
        (Ok(since), Ok(_), Ok(_), Ok(Some(at))) => {
            // The occurrence and those before it: it heads the page, highlighted.
            (
                since,
                at.checked_add(SignedDuration::from_nanos(1)).ok(),
                Some(at),
            )
        }
        (Err(problem), ..) | (_, Err(problem), ..) | (.., Err(problem), _) | (.., Err(problem)) => {
            return console.problem(StatusCode::BAD_REQUEST, &problem);
        }
    };
    let now = Timestamp::now();
    let retention = match schedule_runtime::environment::ledger_retention() {
        Ok(retention) => retention,
        Err(problem) => return console.problem(StatusCode::INTERNAL_SERVER_ERROR, &problem),
    };
    let environment = console.source.environment();
    let ledger = console.source.ledger();
    let report = match ledger::task_report(task, environment, ledger, now, retention, GRID).await {
        Ok(report) => report,
        Err(error) => {
            return console.problem(
                StatusCode::BAD_GATEWAY,
                &schedule_runtime::with_causes(&error),
            );
        }
    };
    // One page: the newest PAGE occurrences before `until`; with a status filter, read more
    // and keep the matches, so a page is full unless the window runs out.
    let read = if status_word.is_some() {
        FILTER_READ
    } else {
        PAGE + 1
    };
    let records = match ledger::history(
        task,
        environment,
        ledger,
        LedgerQuery {
            since,
            until,
            limit: read,
        },
        now,
    )
    .await
    {
        Ok(records) => records,
        Err(error) => {
            return console.problem(
                StatusCode::BAD_GATEWAY,
                &schedule_runtime::with_causes(&error),
            );
        }
    };
    let full_read = records.len() >= read;
    let mut shown: Vec<_> = records
        .iter()
        .filter(|r| {
            status_word
                .as_deref()
                .is_none_or(|word| ledger::shown_status(r, spec, now) == word)
        })
        .cloned()
        .collect();
    let older = if shown.len() > PAGE {
        shown.truncate(PAGE);
        shown.last().map(|r| r.scheduled_time)
    } else if full_read {
        records.last().map(|r| r.scheduled_time)
    } else {
        None
    };
    let filter = Filter {
        status: status_word,
        since,
        until,
    };
    let view = TaskPage {
        task,
        status: &report.status,
        recent: &report.occurrences,
        records: &shown,
        filter: &filter,
        older,
        follow,
    };
    console.render(console.result(query.result).as_ref(), |frame| {
        pages::task(frame, &view, now)
    })
}

/// The backfill preview's interval.
#[derive(Debug, Deserialize)]
struct Interval {
    from: Option<String>,
    to: Option<String>,
}

fn interval(
    task: &'static Registration,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Timestamp, Timestamp), String> {
    let zone = time_zone(task.spec().timezone).unwrap_or(TimeZone::UTC);
    let from = instant(from, &zone, "from")?.ok_or("say from when: `from` is empty")?;
    let to = instant(to, &zone, "to")?.ok_or("say until when: `to` is empty")?;
    Ok((from, to))
}

async fn backfill_preview(
    State(console): State<Shared>,
    Path(name): Path<String>,
    Query(asked): Query<Interval>,
) -> Response {
    let task = match console.task(&name) {
        Ok(task) => task,
        Err(response) => return *response,
    };
    let planned =
        interval(task, asked.from.as_deref(), asked.to.as_deref()).and_then(|(from, to)| {
            Source::backfill_plan(&console.registry, &name, from, to).map(|plan| (from, to, plan))
        });
    match planned {
        Ok((from, to, plan)) => console.render(None, |frame| {
            pages::backfill_preview(frame, task, (from, to), &plan.due)
        }),
        Err(problem) => console.problem(StatusCode::BAD_REQUEST, &problem),
    }
}

/// Every action's form: the token, and what the action takes.
#[derive(Debug, Default, Deserialize)]
struct ActionForm {
    #[serde(default)]
    csrf: String,
    reason: Option<String>,
    from: Option<String>,
    to: Option<String>,
    task: Option<String>,
    key: Option<String>,
}

impl Console {
    /// The refusal of an action that is not allowed or not from the console's page.
    fn refuse(&self, headers: &HeaderMap, form: &ActionForm) -> Option<Response> {
        if self.read_only {
            return Some(self.problem(
                StatusCode::FORBIDDEN,
                "this console is read-only (--read-only): it takes no action",
            ));
        }
        self.guard
            .refuse_action(headers, &form.csrf)
            .map(|why| self.problem(StatusCode::FORBIDDEN, &format!("refused: {why}")))
    }

    /// Keeps the action's output and redirects to `to` with it.
    fn done(&self, to: &str, outcome: Result<String, String>, extra: &str) -> Response {
        let (text, ok) = match outcome {
            Ok(text) => (text, true),
            Err(text) => (text, false),
        };
        let id = self.keep(text, ok);
        Redirect::to(&format!("{to}?result={id}{extra}")).into_response()
    }
}

async fn task_action(
    State(console): State<Shared>,
    Path((name, action)): Path<(String, String)>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = console.refuse(&headers, &form) {
        return refused;
    }
    if let Err(response) = console.task(&name) {
        return *response;
    }
    let page = format!("/tasks/{name}");
    let registry = &console.registry;
    match action.as_str() {
        "pause" => {
            let reason = form.reason.filter(|r| !r.trim().is_empty());
            let outcome = console
                .source
                .set_pause(registry, &name, true, reason)
                .await;
            console.done(&page, outcome, "")
        }
        "resume" => {
            let outcome = console.source.set_pause(registry, &name, false, None).await;
            console.done(&page, outcome, "")
        }
        "run" => {
            let at = Timestamp::from_second(Timestamp::now().as_second()).unwrap_or_default();
            let outcome = console.source.run_now(registry, &name, at).await;
            let follow = format!(
                "&follow={}",
                format_instant(at, &TimeZone::UTC).replace('+', "%2B")
            );
            console.done(&page, outcome, &follow)
        }
        other => console.problem(
            StatusCode::NOT_FOUND,
            &format!("no action is called `{other}`"),
        ),
    }
}

async fn backfill(
    State(console): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = console.refuse(&headers, &form) {
        return refused;
    }
    let task = match console.task(&name) {
        Ok(task) => task,
        Err(response) => return *response,
    };
    let plan = interval(task, form.from.as_deref(), form.to.as_deref())
        .and_then(|(from, to)| Source::backfill_plan(&console.registry, &name, from, to));
    let outcome = match plan {
        Ok(plan) => console.source.backfill(plan).await,
        Err(problem) => Err(problem),
    };
    console.done(&format!("/tasks/{name}"), outcome, "")
}

async fn dead_letters(State(console): State<Shared>, Query(shown): Query<Shown>) -> Response {
    match console.source.dead_letters().await {
        Ok(letters) => console.render(console.result(shown.result).as_ref(), |frame| {
            pages::dead_letters(frame, &letters)
        }),
        Err(problem) => console.problem(StatusCode::BAD_GATEWAY, &problem),
    }
}

async fn replay(
    State(console): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = console.refuse(&headers, &form) {
        return refused;
    }
    let outcome = console.source.replay(&console.registry).await;
    console.done("/dead-letters", outcome, "")
}

async fn deferred(State(console): State<Shared>, Query(shown): Query<Shown>) -> Response {
    match console.source.deferred().await {
        Ok(runs) => console.render(console.result(shown.result).as_ref(), |frame| {
            pages::deferred(frame, &console.registry, &runs)
        }),
        Err(problem) => console.problem(StatusCode::BAD_GATEWAY, &problem),
    }
}

async fn cancel_deferred(
    State(console): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<ActionForm>,
) -> Response {
    if let Some(refused) = console.refuse(&headers, &form) {
        return refused;
    }
    let (Some(task), Some(key)) = (form.task.as_deref(), form.key.as_deref()) else {
        return console.problem(StatusCode::BAD_REQUEST, "say which run: `task` and `key`");
    };
    let outcome = console.source.cancel_deferred(task, key).await;
    console.done("/deferred", outcome, "")
}

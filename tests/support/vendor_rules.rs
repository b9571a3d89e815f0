//! What each monitor vendor's ingest endpoint accepts and what it ignores, as the vendor's own
//! code or documentation states it, for the loopback stand-ins of the tests. Written from the
//! vendors' sources, not from `schedule_runtime::heartbeat::protocol`: a stand-in that shared
//! the code under test would agree with any bug in it.
//!
//! Included by path (`#[path = ...] mod vendor_rules;`) in each test crate that stands in for
//! a vendor, so that every stand-in enforces the same rules.

#![allow(dead_code)]

use std::collections::HashMap;

/// A vendor whose ingest endpoint a stand-in plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Vendor {
    Healthchecks,
    Sentry,
    Cronitor,
    UptimeRobot,
}

/// How the vendor answered one request, and whether it took the check-in into account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// The HTTP status answered.
    pub(crate) status: u16,
    /// The answer's body, or why the check-in was dropped.
    pub(crate) reason: String,
    /// Whether the check-in changed what the vendor shows (false for a rejected request and
    /// for one the vendor accepts on the wire but drops in processing).
    pub(crate) counted: bool,
}

impl Verdict {
    fn counted(status: u16, body: &str) -> Verdict {
        Verdict {
            status,
            reason: body.to_owned(),
            counted: true,
        }
    }

    fn rejected(status: u16, reason: &str) -> Verdict {
        Verdict {
            status,
            reason: reason.to_owned(),
            counted: false,
        }
    }

    fn dropped(status: u16, reason: &str) -> Verdict {
        Verdict {
            status,
            reason: reason.to_owned(),
            counted: false,
        }
    }
}

/// What a vendor remembers between check-ins: Sentry's check-ins by id, with whether each has
/// finished.
#[derive(Debug, Default)]
pub(crate) struct Memory {
    sentry_finished: HashMap<String, bool>,
}

/// The vendor's answer to `method target` (path and query).
pub(crate) fn judge(vendor: Vendor, memory: &mut Memory, method: &str, target: &str) -> Verdict {
    match vendor {
        Vendor::Healthchecks => healthchecks(method, target),
        Vendor::Sentry => sentry(memory, method, target),
        Vendor::Cronitor => cronitor(method, target),
        Vendor::UptimeRobot => uptimerobot(method),
    }
}

/// healthchecks/healthchecks `hc/api/views.py` (`ping`): a `rid` that is not a UUID in its
/// canonical textual form is answered `400 invalid uuid format`
/// (`hc/lib/string.py`, `is_valid_uuid_string`: 8-4-4-4-12 hex digits, case ignored); any
/// other ping is `200 OK`. `hc/api/urls.py` routes the ping itself, `/start`, `/fail`, `/log`
/// and `/<exit status>`.
fn healthchecks(method: &str, target: &str) -> Verdict {
    if !matches!(method, "GET" | "HEAD" | "POST") {
        return Verdict::rejected(405, "method not allowed");
    }
    if let Some(rid) = query(target, "rid")
        && !canonical_uuid(rid)
    {
        return Verdict::rejected(400, "invalid uuid format");
    }
    Verdict::counted(200, "OK")
}

/// getsentry/relay's HTTP check-in endpoint (`relay-server` `endpoints/monitor.rs`, the
/// payload in `relay-monitors`): `status` is one of `in_progress`, `ok`, `error` (and the
/// server's own `missed`, `timeout`), `check_in_id` a UUID; the endpoint answers `202` and
/// processes later. getsentry/sentry `src/sentry/monitors/consumers/monitor_consumer.py`
/// then drops an update to a check-in that has finished ("check-in was finished: attempted
/// update").
fn sentry(memory: &mut Memory, method: &str, target: &str) -> Verdict {
    if !matches!(method, "GET" | "POST") {
        return Verdict::rejected(405, "method not allowed");
    }
    let Some(status) = query(target, "status") else {
        return Verdict::rejected(400, "missing status");
    };
    if !matches!(status, "in_progress" | "ok" | "error") {
        return Verdict::rejected(400, "invalid status");
    }
    let Some(id) = query(target, "check_in_id") else {
        // Without an id, a check-in is a new one (or closes the latest in progress).
        return Verdict::counted(202, "");
    };
    let Some(id) = uuid_digits(id) else {
        return Verdict::rejected(400, "invalid check_in_id");
    };
    let finishes = status != "in_progress";
    match memory.sentry_finished.get(&id) {
        Some(true) => Verdict::dropped(202, "check-in was finished: attempted update"),
        _ => {
            memory.sentry_finished.insert(id, finishes);
            Verdict::counted(202, "")
        }
    }
}

/// Cronitor's Telemetry API (cronitor.io/docs/telemetry-api): `/p/<api key>/<monitor key>`,
/// `state` one of `run`, `complete`, `fail`, `ok` when given.
fn cronitor(method: &str, target: &str) -> Verdict {
    if !matches!(method, "GET" | "HEAD" | "POST") {
        return Verdict::rejected(405, "method not allowed");
    }
    let path = target.split('?').next().unwrap_or_default();
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() < 4 || parts[parts.len() - 3] != "p" {
        return Verdict::rejected(404, "not a telemetry URL");
    }
    match query(target, "state") {
        None | Some("run" | "complete" | "fail" | "ok") => Verdict::counted(200, "OK"),
        Some(_) => Verdict::rejected(400, "invalid state"),
    }
}

/// UptimeRobot's heartbeat URL: any request to it is a beat.
fn uptimerobot(method: &str) -> Verdict {
    if !matches!(method, "GET" | "HEAD" | "POST") {
        return Verdict::rejected(405, "method not allowed");
    }
    Verdict::counted(200, "OK")
}

/// The value of `name` in `target`'s query, as sent.
pub(crate) fn query<'a>(target: &'a str, name: &str) -> Option<&'a str> {
    let (_, query) = target.split_once('?')?;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// Healthchecks' pattern: `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
/// case ignored.
pub(crate) fn canonical_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// A UUID in any of the forms Relay's parser reads (hyphenated or 32 digits), as its 32
/// lower-case digits.
fn uuid_digits(value: &str) -> Option<String> {
    let digits: String = if canonical_uuid(value) {
        value.replace('-', "")
    } else {
        value.to_owned()
    };
    (digits.len() == 32 && digits.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| digits.to_ascii_lowercase())
}

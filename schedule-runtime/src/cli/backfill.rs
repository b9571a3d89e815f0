//! `backfill`: the occurrences of a task that were due in an interval, each sent again with its
//! own scheduled time. Where they go differs (the application's binary runs them through its
//! local dispatcher; the operator's `ops backfill --env` sends them to the deployed
//! function), so this module holds what both share: the request, which occurrences are due,
//! asking before many, pacing, and the lines printed.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use schedule_core::format_instant;
use schedule_core::jiff::Timestamp;
use schedule_core::jiff::tz::TimeZone;

use crate::registry::Registry;
use crate::task::Registration;

/// Above this many occurrences, `backfill` asks first (or wants `--yes`).
pub const CONFIRM_ABOVE: usize = 10;

/// The most occurrences one `backfill` takes on.
pub const LIMIT: usize = 10_000;

/// What `backfill` is asked to do: the command line's arguments.
#[cfg(feature = "app")]
#[derive(Debug, Clone, clap::Args)]
pub struct Request {
    /// The task's name (see `list`).
    pub task: String,
    /// The interval's start, an RFC 3339 instant (included).
    #[arg(long, value_name = "RFC3339")]
    pub from: Timestamp,
    /// The interval's end, an RFC 3339 instant (not included).
    #[arg(long, value_name = "RFC3339")]
    pub to: Timestamp,
    /// List the occurrences and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Send more than the confirmation threshold without asking.
    #[arg(long)]
    pub yes: bool,
    /// How many occurrences are under way at once.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub concurrency: usize,
    /// How many occurrences start per second, at most.
    #[arg(long, default_value_t = 5.0, value_name = "N")]
    pub per_second: f64,
}

/// The occurrences a request covers, checked.
#[derive(Debug)]
pub struct Plan {
    /// The task.
    pub task: &'static Registration,
    /// Its occurrences due in the interval, oldest first.
    pub due: Vec<Timestamp>,
    /// At most this many under way at once.
    pub concurrency: usize,
    /// The time between two starts.
    pub spacing: Duration,
    zone: TimeZone,
}

#[cfg(feature = "app")]
impl Request {
    /// Checks the request against the registry: a known task, an interval that is one, pacing
    /// above zero, at most [`LIMIT`] occurrences.
    pub fn plan(&self, registry: &Registry) -> Result<Plan, String> {
        plan(
            registry,
            &self.task,
            (self.from, self.to),
            (self.concurrency, self.per_second),
        )
    }

    /// `Ok(false)` when there is nothing to send (nothing due, or a dry run: the list is then
    /// in `out`), an error when more than [`CONFIRM_ABOVE`] are due, `--yes` was not given and
    /// the operator did not confirm on the terminal.
    pub fn go_ahead(&self, plan: &Plan, verb: &str, out: &mut String) -> Result<bool, String> {
        let task = plan.task.spec().name;
        if plan.due.is_empty() {
            out.push_str(&format!(
                "no occurrence of `{task}` is due from {} to {}\n",
                self.from, self.to
            ));
            return Ok(false);
        }
        if self.dry_run {
            for time in &plan.due {
                out.push_str(&format!("{}\n", plan.shown(*time)));
            }
            out.push_str(&format!(
                "{} occurrence(s) of `{task}` would be {verb} (dry run: nothing was)\n",
                plan.due.len()
            ));
            return Ok(false);
        }
        if plan.due.len() > CONFIRM_ABOVE && !self.yes && !confirmed(plan.due.len(), task, verb) {
            return Err(format!(
                "not confirmed: {} occurrences of `{task}`; pass --yes to go ahead without asking (or --dry-run to list them)",
                plan.due.len()
            ));
        }
        Ok(true)
    }
}

/// [`Request::plan`] for its parts: `interval` is `[from, to)`, `pacing` is (at once, per
/// second).
pub fn plan(
    registry: &Registry,
    task: &str,
    (from, to): (Timestamp, Timestamp),
    (concurrency, per_second): (usize, f64),
) -> Result<Plan, String> {
    let registration = registry
        .get(task)
        .ok_or_else(|| super::ledger::unknown_task(registry, task))?;
    if registration.spec().expression.is_none() {
        return Err(format!(
            "`{task}` has no schedule (it runs when the code defers it), so nothing was due: run an occurrence with `invoke {task} --at <RFC3339>`"
        ));
    }
    if to <= from {
        return Err(format!("--to ({to}) is not after --from ({from})"));
    }
    if concurrency == 0 || !per_second.is_finite() || per_second <= 0.0 {
        return Err("--concurrency and --per-second must be above zero".to_owned());
    }
    let due = crate::runner::due_between(registration, from, to, LIMIT + 1);
    if due.len() > LIMIT {
        return Err(format!(
            "more than {LIMIT} occurrences of `{task}` are due in that interval; backfill a shorter one"
        ));
    }
    Ok(Plan {
        task: registration,
        due,
        concurrency,
        spacing: Duration::from_secs_f64(1.0 / per_second),
        zone: registration.spec().time_zone().unwrap_or(TimeZone::UTC),
    })
}

impl Plan {
    /// An occurrence as the lines show it: in the task's zone, then in UTC.
    pub fn shown(&self, time: Timestamp) -> String {
        format!(
            "{} ({})",
            format_instant(time, &self.zone),
            format_instant(time, &TimeZone::UTC)
        )
    }

    /// Calls `send` for every occurrence, oldest first, starting one every `spacing` and at
    /// most `concurrency` at once; the answers come back in the same order.
    pub async fn paced<F, Fut, T>(&self, send: F) -> Vec<(Timestamp, T)>
    where
        F: Fn(Timestamp) -> Fut,
        Fut: Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        paced(&self.due, self.concurrency, self.spacing, send).await
    }
}

/// [`Plan::paced`] for any list of times.
async fn paced<F, Fut, T>(
    due: &[Timestamp],
    concurrency: usize,
    spacing: Duration,
    send: F,
) -> Vec<(Timestamp, T)>
where
    F: Fn(Timestamp) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut under_way = tokio::task::JoinSet::new();
    for (index, time) in due.iter().copied().enumerate() {
        if index > 0 {
            tokio::time::sleep(spacing).await;
        }
        // The semaphore is never closed, so acquiring cannot fail.
        let Ok(permit) = Arc::clone(&gate).acquire_owned().await else {
            break;
        };
        let sent = send(time);
        under_way.spawn(async move {
            let answer = sent.await;
            drop(permit);
            (index, time, answer)
        });
    }
    let mut answers = Vec::with_capacity(due.len());
    while let Some(joined) = under_way.join_next().await {
        // A panicking `send` is a bug in it; its occurrence is left out, not guessed at.
        if let Ok(answer) = joined {
            answers.push(answer);
        }
    }
    answers.sort_by_key(|(index, ..)| *index);
    answers
        .into_iter()
        .map(|(_, time, answer)| (time, answer))
        .collect()
}

/// Asks on the terminal whether to go ahead with `count` occurrences; `false` when stdin is
/// no terminal.
#[cfg(feature = "app")]
fn confirmed(count: usize, task: &str, verb: &str) -> bool {
    use std::io::{BufRead, IsTerminal, Write};
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let _ = write!(
        std::io::stderr().lock(),
        "{count} occurrences of `{task}` will be {verb}. Go ahead? [y/N] "
    );
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn paced_keeps_the_order_and_never_exceeds_the_concurrency() {
        let start: Timestamp = "2026-11-30T00:00:00Z".parse().unwrap();
        let due: Vec<Timestamp> = (0..8)
            .map(|i| start + schedule_core::jiff::SignedDuration::from_hours(i))
            .collect();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let answers = paced(&due, 3, Duration::from_millis(1), |time| {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                // Later occurrences finish first: the answers must still come back in order.
                let hours = start.duration_until(time).as_hours();
                tokio::time::sleep(Duration::from_millis(400 - 40 * hours as u64)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                time
            }
        })
        .await;
        let times: Vec<Timestamp> = answers.iter().map(|(time, _)| *time).collect();
        assert_eq!(times, due);
        assert!(answers.iter().all(|(time, answer)| time == answer));
        let most = most.load(Ordering::SeqCst);
        assert!(most <= 3, "{most} under way at once");
        assert!(most >= 2, "the pacing ran them one by one");
    }
}

//! `backfill <task> --from T --to T --env NAME`: send the deployment the occurrences that were
//! due in an interval, each with its own scheduled time.

use std::collections::HashSet;
use std::io::Write;

use schedule_runtime::Registry;
use schedule_runtime::cli::backfill::{Plan, Request};
use schedule_runtime::ledger::Status;

use crate::deployment::{Deployment, Target, say};

/// `backfill`'s arguments: the application binary's, and the deployment.
#[derive(Debug, clap::Args)]
pub(crate) struct Backfill {
    #[command(flatten)]
    request: Request,
    #[command(flatten)]
    pub(crate) target: Target,
}

/// Sends every occurrence of the task due in the interval to its alias (asynchronously, so
/// its retries and dead-letter queue apply), paced as asked, one line each. An idempotent
/// task's occurrences that the ledger shows completed are not sent.
pub(crate) async fn backfill(args: Backfill, out: &mut dyn Write) -> Result<(), String> {
    let Backfill { request, target } = args;
    let registry = Registry::load().map_err(|e| e.to_string())?;
    let plan = request.plan(&registry)?;
    let deployment = Deployment::connect(&target).await?;
    send(
        &deployment,
        plan,
        |plan, listing| {
            let function = deployment.function_of(plan.task.spec());
            request.go_ahead(plan, &format!("sent to {function}"), listing)
        },
        out,
    )
    .await
}

/// Sends the plan's occurrences that `go_ahead` (given the plan left once completed ones of an
/// idempotent task are taken out) lets through, printing one line each and a summary.
pub(crate) async fn send<W: Write + ?Sized>(
    deployment: &Deployment,
    mut plan: Plan,
    go_ahead: impl FnOnce(&Plan, &mut String) -> Result<bool, String>,
    out: &mut W,
) -> Result<(), String> {
    let spec = plan.task.spec();
    let mut done = 0;
    if spec.idempotency.is_some()
        && let (Some(first), Some(last)) = (plan.due.first(), plan.due.last())
    {
        let until = last
            .checked_add(schedule_core::jiff::SignedDuration::from_millis(1))
            .unwrap_or(*last);
        let completed: HashSet<_> = deployment
            .records(spec.name, *first, until)
            .await?
            .into_iter()
            .filter(|r| matches!(r.status, Status::Succeeded | Status::Duplicate))
            .map(|r| r.scheduled_time)
            .collect();
        for time in plan.due.iter().filter(|t| completed.contains(t)) {
            say(
                out,
                &format!(
                    "{} already done (idempotent): not sent\n",
                    plan.shown(*time)
                ),
            )?;
        }
        done = completed.len();
        plan.due.retain(|t| !completed.contains(t));
    }
    let mut listing = String::new();
    let go = go_ahead(&plan, &mut listing);
    say(out, &listing)?;
    if !go? {
        return Ok(());
    }
    let input = spec.input;
    let sent = plan
        .paced(|time| {
            let event = schedule_runtime::event::operator_event(spec.name, input, time)
                .map(|(event, _)| event)
                .map_err(|e| format!("the task's declared input is not valid JSON: {e}"));
            // Each send borrows the deployment's clients; the clients are cheap to clone.
            let lambda = deployment.for_send();
            async move { lambda.send(spec, &event?).await }
        })
        .await;
    let mut failed = 0;
    for (time, answer) in &sent {
        let line = match answer {
            Ok(request_id) => format!("sent: request id {request_id}"),
            Err(problem) => {
                failed += 1;
                format!("not sent: {problem}")
            }
        };
        say(out, &format!("{} {line}\n", plan.shown(*time)))?;
    }
    let summary = format!(
        "{} occurrence(s) of `{}`: {} sent to {}, {done} already done, {failed} not sent; `history {} --env {}` shows their runs",
        sent.len() + done,
        spec.name,
        sent.len() - failed,
        deployment.function_of(spec),
        spec.name,
        deployment.environment,
    );
    if failed > 0 {
        return Err(summary);
    }
    say(out, &format!("{summary}\n"))
}

//! `replay --env NAME`: send the occurrences in the deployed dead-letter queue to their tasks
//! again, deleting each message only once Lambda accepted its event.

use std::collections::HashSet;
use std::io::Write;

use schedule_core::format_instant;
use schedule_core::jiff::tz::TimeZone;
use schedule_runtime::Registry;
use schedule_runtime::ledger::Status;

use crate::dead_letter::{self, DeadLetter};
use crate::deployment::{Deployment, Target, aws_error, say};

/// `replay`'s arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Replay {
    #[command(flatten)]
    selection: Selection,
    #[command(flatten)]
    pub(crate) target: Target,
}

/// Which dead letters `replay` takes, and whether it only says what it would do.
#[derive(Debug, Default, Clone, clap::Args)]
pub(crate) struct Selection {
    /// Only this task's dead letters; the others stay in the queue as they are.
    #[arg(long, value_name = "TASK")]
    pub(crate) task: Option<String>,
    /// Show the dead letters and what would happen; send and delete nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

/// How long a received message stays hidden from other readers while this command decides
/// (every message not deleted is made visible again at the end).
const HOLD_SECONDS: i32 = 300;

/// The most messages one `replay` reads.
const MOST: usize = 10_000;

/// What became of the messages.
#[derive(Debug, Default)]
struct Tally {
    sent: usize,
    dropped: usize,
    left: usize,
    /// Messages left alone because `--task` asked for another task's.
    others: usize,
}

/// Reads the whole queue and, for each dead letter of the application, sends its event to its
/// task's alias again (deleting the message once accepted) or drops it when the ledger shows
/// the occurrence succeeded since. Messages it cannot read or send stay in the queue.
pub(crate) async fn replay(args: Replay, out: &mut dyn Write) -> Result<(), String> {
    let registry = Registry::load().map_err(|e| e.to_string())?;
    if let Some(task) = &args.selection.task
        && registry.get(task).is_none()
    {
        return Err(schedule_runtime::cli::ledger::unknown_task(&registry, task));
    }
    let deployment = Deployment::connect(&args.target).await?;
    replay_on(&args.selection, &registry, &deployment, out).await
}

/// [`replay`] on a connected deployment, for the dead letters `args` selects.
pub(crate) async fn replay_on<W: Write + ?Sized>(
    args: &Selection,
    registry: &Registry,
    deployment: &Deployment,
    out: &mut W,
) -> Result<(), String> {
    let (queue_name, queue) = deployment.dead_letter_queue().await?;
    let mut held = Vec::new();
    let result = drain(args, registry, deployment, &queue, &mut held, out).await;
    // Whatever happened, what was not deleted is visible again for the next reader.
    deployment.release(&queue, held).await;
    let tally = result?;
    let mut summary = format!(
        "{} dead letter(s) in {queue_name}: {} sent again, {} dropped (succeeded since), {} left in the queue",
        tally.sent + tally.dropped + tally.left,
        tally.sent,
        tally.dropped,
        tally.left
    );
    if tally.others > 0 {
        summary.push_str(&format!(
            ", {} other message(s) untouched (--task)",
            tally.others
        ));
    }
    if args.dry_run {
        summary.push_str(" (dry run: nothing was sent or deleted)");
    }
    if tally.left > 0 && !args.dry_run {
        return Err(summary);
    }
    say(out, &format!("{summary}\n"))
}

/// Receives until the queue has nothing more to give, deciding each message; `held` collects
/// the receipts of messages to make visible again.
async fn drain<W: Write + ?Sized>(
    args: &Selection,
    registry: &Registry,
    deployment: &Deployment,
    queue: &str,
    held: &mut Vec<String>,
    out: &mut W,
) -> Result<Tally, String> {
    let mut tally = Tally::default();
    let mut seen = HashSet::new();
    while seen.len() < MOST {
        let messages = deployment.receive(queue, 1, HOLD_SECONDS).await?;
        if messages.is_empty() {
            break;
        }
        for message in &messages {
            let Some(receipt) = message.receipt_handle() else {
                continue;
            };
            let id = message.message_id().unwrap_or(receipt).to_owned();
            // Seen before: its hold lapsed while this command was busy. Decided already.
            if !seen.insert(id.clone()) {
                held.push(receipt.to_owned());
                continue;
            }
            let letter = match dead_letter::of_message(message) {
                Ok(letter) => letter,
                // Asked for one task's letters: what is no letter is no business of this run.
                Err(_) if args.task.is_some() => {
                    tally.others += 1;
                    held.push(receipt.to_owned());
                    continue;
                }
                Err(problem) => {
                    say(
                        out,
                        &format!("message {id}: {problem}\n  left in the queue\n"),
                    )?;
                    tally.left += 1;
                    held.push(receipt.to_owned());
                    continue;
                }
            };
            if args
                .task
                .as_ref()
                .is_some_and(|only| *only != letter.decoded.task)
            {
                tally.others += 1;
                held.push(receipt.to_owned());
                continue;
            }
            let delete = decide(args, registry, deployment, &letter, &mut tally, out).await?;
            if delete && !args.dry_run {
                deployment
                    .sqs
                    .delete_message()
                    .queue_url(queue)
                    .receipt_handle(receipt)
                    .send()
                    .await
                    .map_err(aws_error(format!("deleting message {id}")))?;
            } else {
                held.push(receipt.to_owned());
            }
        }
    }
    Ok(tally)
}

/// Prints one dead letter and what becomes of it; `true` when its message may go.
async fn decide<W: Write + ?Sized>(
    args: &Selection,
    registry: &Registry,
    deployment: &Deployment,
    letter: &DeadLetter,
    tally: &mut Tally,
    out: &mut W,
) -> Result<bool, String> {
    let task = letter.decoded.task.as_str();
    let Some(registration) = registry.get(task) else {
        say(
            out,
            &format!(
                "{task}: {}\n  no task of that name in this application (renamed or removed?): left in the queue\n",
                letter.why
            ),
        )?;
        tally.left += 1;
        return Ok(false);
    };
    let zone = registration.spec().time_zone().unwrap_or(TimeZone::UTC);
    let when = letter.decoded.scheduled_time.map_or_else(
        || "(no scheduled time)".to_owned(),
        |at| {
            format!(
                "{} ({})",
                format_instant(at, &zone),
                format_instant(at, &TimeZone::UTC)
            )
        },
    );
    say(out, &format!("{task} {when}: {}\n", letter.why))?;
    if let Some(at) = letter.decoded.scheduled_time
        && let Some(record) = deployment.record(task, at).await?
        && record.status == Status::Succeeded
    {
        tally.dropped += 1;
        let verb = if args.dry_run {
            "would be dropped"
        } else {
            "dropped"
        };
        say(out, &format!("  succeeded since: {verb}\n"))?;
        return Ok(true);
    }
    if args.dry_run {
        tally.sent += 1;
        say(out, "  would be sent again\n")?;
        return Ok(false);
    }
    // Sent by an operator, not by its schedule: without the schedule's ARN.
    let event = schedule_runtime::event::resent(letter.event.clone());
    match deployment.send(registration.spec(), &event).await {
        Ok(request_id) => {
            tally.sent += 1;
            say(out, &format!("  sent again: request id {request_id}\n"))?;
            Ok(true)
        }
        Err(problem) => {
            tally.left += 1;
            say(out, &format!("  not sent ({problem}): left in the queue\n"))?;
            Ok(false)
        }
    }
}

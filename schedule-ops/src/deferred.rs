//! A deployment's deferred runs: the one-time schedules code put in the application's schedule
//! group (`schedule_runtime::defer`), listed and cancelled with the operator's credentials.
//! The group also holds the tasks' own schedules; a deferred run's is told by its name
//! (`<task>.<key>.<12 hex digits>`) and, for certain, by its target's input, which names its
//! key (`schedule_runtime::event::deferred_input`).

use aws_sdk_scheduler::operation::get_schedule::GetScheduleError;
use schedule_core::jiff::Timestamp;
use schedule_runtime::deferred::Pending;

use crate::deployment::{Deployment, aws_error};

/// One deferred run waiting in the group, and its schedule's name.
pub(crate) struct Scheduled {
    pub(crate) schedule: String,
    pub(crate) run: Pending,
}

/// Whether `name` has the shape of a deferred run's schedule: a task's own schedule is named
/// like the task, which rarely ends in twelve hex digits after two dots.
fn looks_deferred(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(rest, hash)| {
        hash.len() == 12 && hash.bytes().all(|b| b.is_ascii_hexdigit()) && rest.contains('.')
    })
}

/// The deferred runs waiting in the deployment's schedule group, soonest first.
pub(crate) async fn list(deployment: &Deployment) -> Result<Vec<Scheduled>, String> {
    let group = &deployment.name;
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = deployment
            .scheduler
            .list_schedules()
            .group_name(group)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(aws_error(format!("listing the schedules of group {group}")))?;
        names.extend(
            page.schedules()
                .iter()
                .filter_map(|s| s.name())
                .filter(|name| looks_deferred(name))
                .map(str::to_owned),
        );
        match page.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    let mut runs = Vec::new();
    for name in names {
        if let Some(run) = read(deployment, &name).await? {
            runs.push(Scheduled {
                schedule: name,
                run,
            });
        }
    }
    runs.sort_by_key(|s| s.run.at);
    Ok(runs)
}

/// The deferred run the schedule `name` holds; `None` when it is gone or holds no deferred run.
async fn read(deployment: &Deployment, name: &str) -> Result<Option<Pending>, String> {
    let got = deployment
        .scheduler
        .get_schedule()
        .group_name(&deployment.name)
        .name(name)
        .send()
        .await;
    let schedule = match got {
        Ok(schedule) => schedule,
        // Fired (and deleted after completion) since it was listed.
        Err(e)
            if e.as_service_error()
                .is_some_and(GetScheduleError::is_resource_not_found_exception) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(aws_error(format!("reading the schedule {name}"))(e)),
    };
    let Some(input) = schedule.target().map(|t| t.input().unwrap_or_default()) else {
        return Ok(None);
    };
    // The input is Scheduler's template (its placeholders not yet filled in, so no event):
    // read the fields a deferred run's input has.
    let Ok(input) = serde_json::from_str::<serde_json::Value>(input) else {
        return Ok(None);
    };
    let text = |field: &str| input.get(field).and_then(serde_json::Value::as_str);
    let (Some(task), Some(key), Some(Ok(at))) = (
        text("task"),
        text("deferral"),
        text("scheduled_time").map(str::parse::<Timestamp>),
    ) else {
        return Ok(None);
    };
    let deferred_at = schedule
        .creation_date()
        .and_then(|d| Timestamp::from_second(d.secs()).ok())
        .unwrap_or(Timestamp::UNIX_EPOCH);
    Ok(Some(Pending {
        task: task.to_owned(),
        key: key.to_owned(),
        at,
        input: input.get("input").cloned().unwrap_or_default(),
        deferred_at,
    }))
}

/// Cancels the deferred run of `task` under `key`: deletes its schedule.
pub(crate) async fn cancel(
    deployment: &Deployment,
    task: &str,
    key: &str,
) -> Result<String, String> {
    let waiting = list(deployment).await?;
    let Some(found) = waiting
        .iter()
        .find(|s| s.run.task == task && s.run.key == key)
    else {
        return Err(format!(
            "{task} {key}: no such deferred run is waiting in {}",
            deployment.name
        ));
    };
    deployment
        .scheduler
        .delete_schedule()
        .group_name(&deployment.name)
        .name(&found.schedule)
        .send()
        .await
        .map_err(aws_error(format!(
            "deleting the schedule {}",
            found.schedule
        )))?;
    Ok(format!(
        "{task} {key}: cancelled (schedule {} deleted from {})\n",
        found.schedule, deployment.name
    ))
}

#[cfg(test)]
mod tests {
    use super::looks_deferred;

    #[test]
    fn a_deferred_run_schedule_is_told_from_a_task_schedule_by_its_name() {
        assert!(looks_deferred("review-request.order-42.8e14e124ab14"));
        assert!(!looks_deferred("review-request"));
        assert!(!looks_deferred("reports.daily"));
        assert!(!looks_deferred("order-42.8e14e124ab14"));
    }
}

use schedule_runtime::scheduled;

#[scheduled("rate(1 day)")]
async fn tâche_nocturne() {}

fn main() {}

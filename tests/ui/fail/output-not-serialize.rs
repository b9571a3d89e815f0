use schedule_runtime::scheduled;

struct Report;

#[scheduled("rate(1 day)")]
async fn nightly() -> Result<Report, std::io::Error> {
    Ok(Report)
}

fn main() {}

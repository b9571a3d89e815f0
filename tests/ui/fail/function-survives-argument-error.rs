use schedule_runtime::scheduled;

#[scheduled("rate(1 dya)")]
async fn nightly() -> u32 {
    7
}

// The attribute is wrong, but the function is still defined: this call compiles, and the
// only error is the one about the expression.
fn main() {
    let _future = nightly();
}

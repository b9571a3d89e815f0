#!/usr/bin/env bash
# Shows that no test depends on the calendar or the time of day: runs the test binaries that
# talk to moto and drive the shop's binaries (`schedule-aws-tests`, `example-shop`) through
# `scripts/test.sh`, with every test process (and each process it starts: the shop's binary,
# `codegen`) on a clock moved by libfaketime. Cargo itself and moto keep the real time.
#
# By default two runs: a year ahead, then a year ahead at 20 seconds past the next hour,
# computed when that run starts (its first test binaries start just after an hour boundary;
# later ones minutes after it). Or give offsets in libfaketime's relative form
# (`bash scripts/test-another-day.sh +86400s`), or `next-hour` for the second kind.
#
# Not part of CI (it runs those suites twice more); run it when a test touches time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "error: faketime is not installed (apt-get install faketime)" >&2; exit 1; }

[ $# -gt 0 ] || set -- "+$((365 * 86400))s" next-hour
host=$(rustc -vV | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')
# cargo-lambda's emulator builds the function it serves with `cargo run`; under libfaketime that
# run used rustup's default toolchain instead of the one rust-toolchain.toml pins (seen on
# 2026-12-02), a full rebuild that outlasts the test's five minutes. The binary it would serve
# is the one `lambda.rs` drives directly, which does run here.
skip=a_task_that_awaits_succeeds_under_cargo_lambda_watch
failed=()
for offset in "$@"; do
    if [ "$offset" = next-hour ]; then
        now=$(date +%s)
        offset="+$(( (now / 3600 + 1) * 3600 + 20 + 365 * 86400 - now ))s"
    fi
    printf '\n==> the test processes at %s: %s\n' "$offset" "$(faketime -f "$offset" date -u)"
    # The target runner starts each test binary under faketime; cargo's own clock is real, so
    # nothing is rebuilt.
    if ! env "CARGO_TARGET_${host}_RUNNER=faketime -f $offset" \
        bash scripts/test.sh -p schedule-aws-tests -p example-shop --no-fail-fast -- --skip "$skip"; then
        failed+=("$offset")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "error: tests failed with the clock at ${failed[*]}" >&2
    exit 1
fi

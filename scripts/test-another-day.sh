#!/usr/bin/env bash
# Shows that no test depends on the calendar or the time of day: runs the test binaries that
# talk to moto and drive the shop's binaries (`schedule-aws-tests`, `example-shop`) through
# `scripts/test.sh`, with every test process (and each process it starts: the shop's binary,
# `codegen`) on a clock moved by libfaketime. Cargo itself and moto keep the real time.
#
# By default two runs: a year ahead, then a year ahead at 20 seconds past the next hour (the
# first test binaries start just after an hour boundary; later ones minutes after it). Or give
# offsets in libfaketime's relative form: `bash scripts/test-another-day.sh +86400s`.
#
# Not part of CI (it runs those suites twice more); run it when a test touches time.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v faketime >/dev/null || { echo "error: faketime is not installed (apt-get install faketime)" >&2; exit 1; }

if [ $# -eq 0 ]; then
    now=$(date +%s)
    year=$((365 * 86400))
    past_the_hour=$(( (now / 3600 + 1) * 3600 + 20 + year - now ))
    set -- "+${year}s" "+${past_the_hour}s"
fi
host=$(rustc -vV | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')
for offset in "$@"; do
    printf '\n==> the test processes at %s: %s\n' "$offset" "$(faketime -f "$offset" date -u)"
    # The target runner starts each test binary under faketime; cargo's own clock is real, so
    # nothing is rebuilt.
    env "CARGO_TARGET_${host}_RUNNER=faketime -f $offset" \
        bash scripts/test.sh -p schedule-aws-tests -p example-shop --no-fail-fast
done

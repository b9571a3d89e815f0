#!/usr/bin/env bash
# Mutation testing with cargo-mutants (from crates.io): each mutant is a small wrong change to
# the code (a comparison flipped, a body replaced by a default); a mutant that no test notices
# "survives" and points at behaviour the tests do not pin down. Too slow for CI (TESTING.md
# gives the timings); run it on what you changed before you ask for review.
#
#   bash scripts/mutants.sh                  the modules TESTING.md keeps mutation-tested
#   bash scripts/mutants.sh --changed [REV]  only code your change touched since REV
#                                            (default: the merge base with origin/main, else HEAD~1)
#   bash scripts/mutants.sh FILE...          these files
#
# Each mutant is tested by its own package's tests and, for schedule-runtime, by the
# in-process tests of `schedule-aws-tests` (the dispatcher against loopback stand-ins). Tests
# that need moto, Terraform or a browser are `#[ignore]`d and do not run here. The results
# (caught, missed, timeouts, unviable) are in target/mutants/<crate>/mutants.out/; its
# `missed.txt` lists the survivors.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v cargo-mutants >/dev/null || {
    echo "installing cargo-mutants (once, a few minutes)" >&2
    cargo install --locked cargo-mutants
}

# The modules whose mutants are reviewed: refusals, wire formats, the ledger's state changes.
default_files=(
    schedule-runtime/src/dispatch/claim.rs
    schedule-runtime/src/dispatch/delivery.rs
    schedule-runtime/src/dispatch/streak.rs
    schedule-runtime/src/dispatch/error.rs
    schedule-runtime/src/heartbeat/protocol.rs
    schedule-runtime/src/ledger/mod.rs
    schedule-runtime/src/idempotency/mod.rs
    schedule-runtime/src/idempotency/memory.rs
    schedule-codegen/src/terraform/quotas.rs
    schedule-codegen/src/terraform/monitors/mod.rs
    schedule-codegen/src/terraform/monitors/uptimerobot.rs
    schedule-ops/src/console/pictures.rs
)

# The files to mutate, and a diff to limit them to when asked.
files=()
in_diff=()
case "${1:-}" in
    --changed)
        base=${2:-$(git merge-base HEAD origin/main 2>/dev/null || git rev-parse HEAD~1)}
        diff=$(mktemp)
        trap 'rm -f "$diff"' EXIT
        git diff "$base" -- '*.rs' > "$diff"
        in_diff=(--in-diff "$diff")
        mapfile -t files < <(git diff --name-only "$base" -- '*.rs')
        ;;
    "") files=("${default_files[@]}") ;;
    *) files=("$@") ;;
esac

# One run per crate, tested by the packages that exercise it (a codegen mutant cannot fail a
# runtime test, so it is not asked to). What follows the crate's name goes to every cargo
# command cargo-mutants runs (the baseline's build too, so that the tests build only once).
run() {
    local name=$1
    shift
    local selected=()
    for file in "${files[@]}"; do
        case "$file" in "$name"/src/*) selected+=(--file "$file") ;; esac
    done
    [ "${#selected[@]}" -gt 0 ] || return 0
    echo "==> mutants of $name" >&2
    mkdir -p "target/mutants/$name"
    local cargo_args=()
    for arg in "$@"; do cargo_args+=("--cargo-arg=$arg"); done
    cargo mutants --package "$name" --timeout 120 "${in_diff[@]}" "${selected[@]}" \
        "${cargo_args[@]}" --output "target/mutants/$name" || true
    echo "survivors: target/mutants/$name/mutants.out/missed.txt" >&2
}
# The runtime's own tests and the dispatcher's in-process ones (those that need no server).
run schedule-runtime -p schedule-aws-tests --lib --test check_ins --test dispatch --test streaks \
    --test heartbeat_parameters --test defer_throttled --test defer_local --test duplicates \
    --test ledger_local --test ledger --test runner --test secrets
run schedule-codegen
run schedule-core
# The operator's side: its unit tests (the console's pages and pictures are pure functions).
run schedule-ops

#!/usr/bin/env bash
# Walks the README's first-application path as a new user would, outside this repository:
# `scripts/new-app.sh` creates an application in a temporary directory, whose files must be
# the ones the README shows (`scripts/readme_matches_app.py`); it builds offline
# (this checkout's Cargo.lock, the target directory shared so nothing compiles twice), lists
# and invokes its task, passes its own test, generates its Terraform, finds it up to date with
# a codegen binary built in another target directory, its `ops` binary answers, and
# `terraform validate` accepts it.
# `scripts/test.sh` runs it after the suite (it needs TF_CLI_CONFIG_FILE for the provider
# mirror); exits non-zero at the first step that fails.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR="$repo/target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
app="$work/first-app"

step() { printf '  new application: %s\n' "$*"; }
fail() { printf 'new application: FAILED: %s\n' "$*" >&2; exit 1; }

step "created with scripts/new-app.sh"
(cd "$work" && bash "$repo/scripts/new-app.sh" first-app >/dev/null)
cd "$app"

step "its files are the README's"
python3 "$repo/scripts/readme_matches_app.py" "$repo/README.md" "$app" first-app \
    || fail "the README's first-application files differ from what new-app.sh writes"

step "builds offline"
cargo build --offline --quiet --bins
bin="$CARGO_TARGET_DIR/debug/first-app"

step "lists its task"
"$bin" list | grep -q '^hello  *rate(1 minute)' || fail "list does not show hello"

step "invokes it"
out=$("$bin" invoke hello --at 2026-11-27T09:00:00Z 2>/dev/null)
grep -q '"status": "succeeded"' <<<"$out" || fail "invoke: $out"
grep -q 'hello from the run due at 2026-11-27T09:00:00Z' <<<"$out" || fail "invoke: $out"

step "passes its own test"
cargo test --offline --quiet --lib >/dev/null 2>&1 || fail "cargo test in the new application"

step "generates its Terraform"
cargo run --offline --quiet --bin codegen -- terraform >/dev/null
[ -f terraform/main.tf ] || fail "no terraform/main.tf"

step "--check agrees with a codegen binary from another target directory"
mkdir -p "$work/elsewhere/release"
cp "$CARGO_TARGET_DIR/debug/codegen" "$work/elsewhere/release/codegen"
CARGO_TARGET_DIR="$work/elsewhere" "$work/elsewhere/release/codegen" terraform --app first-app --check >/dev/null \
    || fail "--check from another target directory"

step "its ops binary lists the deployment's commands"
"$CARGO_TARGET_DIR/debug/ops" --help | grep -q '^  replay ' || fail "ops --help does not list replay"
# Captured first: `ops status` exits 2 here, which pipefail would report as grep's failure.
out=$("$CARGO_TARGET_DIR/debug/ops" status 2>&1) && fail "ops status without --env succeeded"
grep -q -- '--env <NAME>' <<<"$out" || fail "ops status without --env does not ask for it: $out"

step "terraform fmt and validate accept it"
terraform -chdir=terraform fmt -check >/dev/null || fail "terraform fmt"
terraform -chdir=terraform init -backend=false -input=false >/dev/null || fail "terraform init"
terraform -chdir=terraform validate -no-color >/dev/null || fail "terraform validate"

echo "new application: 10 passed, 0 failed"

#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs moto (a DynamoDB-compatible server) and
# aws-croniter (an independent reader of AWS cron) from PyPI into .cache/venv if they are not
# there, starts moto on a free loopback port, runs `cargo test` with its address in
# SCHEDULE_TEST_DYNAMODB_ENDPOINT, then the differential test of `codegen next` against
# aws-croniter. Arguments go to `cargo test` (and skip the differential test).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.cache/venv
if ! "$venv/bin/python" -c "import moto.server, aws_croniter" 2>/dev/null; then
    echo "installing moto and aws-croniter into $venv (once, about a minute)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "moto[dynamodb,server]==5.2.*" "aws-croniter==2.1.*"
fi

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p target
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > target/moto.log 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT

# Wait (at most 30 s) until it answers.
for _ in $(seq 1 60); do
    if "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; then
        break
    fi
    sleep 0.5
done

export SCHEDULE_TEST_DYNAMODB_ENDPOINT="http://127.0.0.1:$port"
cargo test "$@"

if [ $# -eq 0 ]; then
    cargo build --quiet --bin codegen
    "$venv/bin/python" scripts/differential.py target/debug/codegen 1500
fi

#!/usr/bin/env bash
# BENCHMARKS.md's "Hundreds of tasks" figures: the module generated for 10, 100 and 1,000 tasks
# (`benchmarks/examples/scale.rs`: files, `codegen terraform` time, runs a month), each planned
# with `terraform plan` against moto's server (wall time, resources), and the monthly cost of it
# all at list prices (`scripts/scale_cost.py`, which cites them). Needs what `scripts/test.sh`
# installs (run it once): moto in .cache/venv and target/terraform.tfrc for the provider mirror.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/venv
[ -x "$venv/bin/moto_server" ] && [ -f target/terraform.tfrc ] \
    || { echo "error: run bash scripts/test.sh once first (moto, the provider mirror)" >&2; exit 1; }
export TF_CLI_CONFIG_FILE="$PWD/target/terraform.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1

cargo build --release --quiet -p schedule-benchmarks --example scale
out=target/scale
rm -rf "$out" && mkdir -p "$out"
target/release/examples/scale "$out" > "$out/figures.jsonl"

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > "$out/moto.log" 2>&1 &
moto=$!
trap 'kill "$moto" 2>/dev/null || true' EXIT
until "$venv/bin/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/')" 2>/dev/null; do
    sleep 0.2
done

: > "$out/results.jsonl"
while read -r figures; do
    n=$("$venv/bin/python" -c 'import json, sys; print(json.loads(sys.argv[1])["tasks"])' "$figures")
    dir="$out/$n"
    endpoints=""
    for service in cloudwatch dynamodb iam lambda logs scheduler sqs ssm sts; do
        endpoints+="    $service = \"http://127.0.0.1:$port\"\n"
    done
    printf 'provider "aws" {\n  region = "us-east-1"\n  access_key = "testing"\n  secret_key = "testing"\n  skip_credentials_validation = true\n  skip_metadata_api_check = true\n  skip_requesting_account_id = true\n  endpoints {\n%b  }\n}\n' "$endpoints" > "$dir/moto.tf"
    "$venv/bin/python" -c "import zipfile; zipfile.ZipFile('$dir/bootstrap.zip', 'w').writestr('bootstrap', '')"
    terraform -chdir="$dir" init -backend=false -input=false >/dev/null
    started=$(date +%s.%N)
    terraform -chdir="$dir" plan -out=plan.bin -input=false -var environment=bench \
        -var "lambda_zip=$PWD/$dir/bootstrap.zip" >/dev/null
    ended=$(date +%s.%N)
    terraform -chdir="$dir" show -json plan.bin > "$dir/plan.json"
    "$venv/bin/python" - "$figures" "$started" "$ended" "$dir/plan.json" >> "$out/results.jsonl" <<'EOF'
import collections, json, sys
figures, started, ended, plan = json.loads(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
counts = collections.Counter(
    change["address"].split("[")[0]
    for change in json.load(open(plan))["resource_changes"]
    if change["mode"] == "managed"
)
figures.update(plan_seconds=ended - started, resources=counts)
print(json.dumps(figures))
EOF
done < "$out/figures.jsonl"

"$venv/bin/python" scripts/scale_cost.py "$out/results.jsonl"

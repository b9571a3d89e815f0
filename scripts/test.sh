#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs moto (an AWS server: DynamoDB, and
# everything the generated Terraform creates), aws-croniter (an independent reader of AWS
# cron) and cargo-lambda (the Lambda emulator developers use) from PyPI into .cache/venv, and
# checkov into .cache/checkov, if they are not there; finds libfaketime (Debian's `faketime`
# package) and Chromium with chromedriver (Debian's `chromium` and `chromium-driver`), which
# `.ci/run` installs; points Terraform at the machine's provider mirror; starts moto on a free loopback port; runs `cargo test` with its address in
# SCHEDULE_TEST_DYNAMODB_ENDPOINT, including the tests that
# plain `cargo test` leaves out because they need these tools (marked `#[ignore = "needs ..."]`);
# then the differential test of `next` (the application's binary) against aws-croniter and the walk of a new
# application (`scripts/walk-new-app.sh`). Arguments go to `cargo test` (and skip those two).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.cache/venv
if ! "$venv/bin/python" -c "import moto.server, moto.ssm.models, aws_croniter, boto3" 2>/dev/null \
    || ! [ -x "$venv/bin/cargo-lambda" ]; then
    echo "installing moto, aws-croniter and cargo-lambda into $venv (once, about a minute)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "moto[server,dynamodb,sqs,scheduler,iam,cloudwatch,logs,ssm,sts]==5.2.*" "aws-croniter==2.1.*" \
        "cargo-lambda==1.9.*"
fi
# checkov pins its own versions of boto3 and friends: it gets a virtualenv of its own.
checkov=.cache/checkov
if ! "$checkov/bin/checkov" --version >/dev/null 2>&1; then
    echo "installing checkov into $checkov (once, about a minute)" >&2
    python3 -m venv "$checkov"
    "$checkov/bin/pip" install --quiet --disable-pip-version-check "checkov==3.2.*"
fi
export SCHEDULE_TEST_CHECKOV="$PWD/$checkov/bin/checkov"
export SCHEDULE_TEST_PYTHON="$PWD/$venv/bin/python"
export SCHEDULE_TEST_CARGO_LAMBDA="$PWD/$venv/bin/cargo-lambda"

# libfaketime moves a test function's wall clock (the missed-run check, hours after a deploy).
libfaketime=$(find /usr/lib /usr/local/lib -name 'libfaketime.so.1' -path '*faketime*' 2>/dev/null | head -n 1)
[ -n "$libfaketime" ] || { echo "error: libfaketime is not installed (Debian: apt-get install faketime)" >&2; exit 1; }
export SCHEDULE_TEST_LIBFAKETIME="$libfaketime"

# The console's tests drive Debian's Chromium through chromedriver (`.ci/run` installs both).
chromedriver=$(command -v chromedriver || true)
chromium=$(command -v chromium || true)
[ -n "$chromedriver" ] && [ -n "$chromium" ] || { echo "error: Chromium and chromedriver are not installed (Debian: apt-get install chromium chromium-driver)" >&2; exit 1; }
export SCHEDULE_TEST_CHROMEDRIVER="$chromedriver" SCHEDULE_TEST_CHROMIUM="$chromium"

# Terraform runs offline: the hashicorp/aws provider comes from the machine's filesystem mirror.
command -v terraform >/dev/null || { echo "error: terraform is not installed" >&2; exit 1; }
provider=$(find /opt /usr/local /usr/share "$HOME" -name 'terraform-provider-aws_*' -type f 2>/dev/null | head -n 1)
[ -n "$provider" ] || { echo "error: no filesystem mirror of the hashicorp/aws provider found" >&2; exit 1; }
mirror=${provider%%/registry.terraform.io/*}
mkdir -p target
cat > target/terraform.tfrc <<EOF
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/aws"]
  }
}
EOF
export TF_CLI_CONFIG_FILE="$PWD/target/terraform.tfrc"

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
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
# The shop's binary as `cargo lambda watch` builds it (the package alone, so its own feature
# set): built here, the emulator's first invocation does not wait for a compile.
cargo build --quiet -p example-shop --bin example-shop
# The test binaries' own arguments follow the first `--`; add --include-ignored to them.
case " $* " in
    *" -- "*) cargo test "$@" --include-ignored ;;
    *) cargo test "$@" -- --include-ignored ;;
esac

if [ $# -eq 0 ]; then
    cargo build --quiet -p example-minimal
    "$venv/bin/python" scripts/differential.py target/debug/example-minimal 1500
    # The README's first-application path, walked outside the repository.
    bash scripts/walk-new-app.sh
fi

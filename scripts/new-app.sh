#!/usr/bin/env bash
# Creates a new schedule application from templates/app: `bash scripts/new-app.sh my-app [DIR]`
# writes DIR (default ./my-app, relative to where you run it) with the tasks in its library,
# the three binaries (`src/main.rs`, the tasks here and in Lambda; `src/bin/codegen.rs`, the
# Terraform; `src/bin/ops.rs`, a deployment), `default-run`, the dependencies (on this checkout,
# by path, until the crates are published), a `.gitignore`, and a first task with a test. Works offline: it copies files, and this checkout's Cargo.lock pins the same versions
# this repository builds with, so Cargo needs nothing it has not already downloaded.
set -euo pipefail

name=${1:-}
if ! [[ "$name" =~ ^[a-z][a-z0-9_-]*$ ]]; then
    echo "usage: bash scripts/new-app.sh NAME [DIR]  (NAME: a package name, e.g. my-app)" >&2
    exit 2
fi
dir=${2:-$name}
if [ -e "$dir" ]; then
    echo "error: $dir already exists; choose another directory" >&2
    exit 1
fi
schedule=$(cd "$(dirname "$0")/.." && pwd)
crate=${name//-/_}

mkdir -p "$dir"
cp -R "$schedule/templates/app/." "$dir/"
mv "$dir/gitignore" "$dir/.gitignore"
cp "$schedule/Cargo.lock" "$dir/Cargo.lock"
while IFS= read -r -d '' file; do
    sed -i -e "s|{{name}}|$name|g" -e "s|{{crate}}|$crate|g" -e "s|{{schedule}}|$schedule|g" "$file"
done < <(find "$dir" -type f \( -name '*.rs' -o -name '*.toml' \) -print0)

cat <<MSG
created $dir: the tasks are in $dir/src/lib.rs. Next:

  cd $dir
  cargo run                                  # runs the tasks on their schedules; Ctrl-C stops
  cargo run -- invoke hello                  # one run now, as Scheduler would send it
  cargo run --bin codegen -- terraform       # the Terraform that deploys them, in ./terraform
  cargo run --bin ops -- status --env production   # once deployed: its status (AWS credentials)
MSG

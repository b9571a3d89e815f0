#!/usr/bin/env python3
"""Every repository path that ARCHITECTURE.md, README.md, docs/guide.md and docs/contracts.md
name in backticks exists.

A name counts as a path when it has a `/` or a file extension (`cron/parse.rs`, `lambda.tf`,
`examples/shop/`). It is looked up from the repository's root, or as the end of a tracked path:
under a heading that names folders (`### \`schedule-codegen\``), of a path inside them, else of
any. A `.tf` name may also be a file that codegen renders (`terraform/rules.rs` renders
`rules.tf`). Exits 1 listing every name that resolves nowhere.
"""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ["ARCHITECTURE.md", "README.md", "docs/guide.md", "docs/contracts.md"]
EXTENSIONS = (".rs", ".md", ".toml", ".sh", ".py", ".tf", ".hcl", ".json", ".jsonl", ".lock")
# Names that look like paths but are not the repository's: what a user writes in their own
# crate, files generated at run time, and names of things outside the repository.
NOT_OURS = re.compile(
    r"^(src/(main|lib)\.rs|src/bin/(codegen|ops)\.rs|Cargo\.toml|\.schedule/.*|idempotency\.json|"
    r"dead-letters\.jsonl|ledger\.jsonl|deferred\.json|backend\.tf|terraform/\.terraform/?|target/.*|bootstrap\.zip|"
    r"\$TMPDIR/.*|/usr/.*|.*\.tfstate|\./terraform|\.cache/.*|"
    r"hashicorp/aws|kristofferahl/healthchecksio|jianyuan/sentry|henrywhitaker3/cronitor|uptimerobot/uptimerobot|(healthchecks|sentry|cronitor|uptimerobot)\.tf|/start|/fail|/target|/\.schedule|/terraform/\.terraform|"
    # The console's pages (`ops console`): addresses, not files.
    r"/dead-letters(/replay)?|/deferred(/cancel)?|/tasks/.*)$"
)


def tracked():
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    files = set(out.split())
    folders = {str(Path(f).parent) + "/" for f in files}
    for f in list(folders):
        parts = Path(f).parts
        folders.update("/".join(parts[:i]) + "/" for i in range(1, len(parts)))
    return files, folders


def looks_like_path(token):
    if not re.search(r"[A-Za-z0-9]", token):
        return False
    if " " in token or token.startswith(("http", "-", "::")) or "::" in token:
        return False
    if any(c in token for c in "<>*{}()=,;'\"|"):
        return False
    return "/" in token or token.endswith(EXTENSIONS)


def exists(name, files, folders):
    name = name.rstrip("/") if name.endswith("/") else name
    return name in files or name + "/" in folders


def resolves(token, sections, files, folders):
    if exists(token, files, folders):
        return True
    bare = token.rstrip("/")
    within = [s + "/" for s in sections] or [""]
    if any(p.startswith(w) and p.endswith("/" + bare) for w in within for p in files):
        return True
    if any(f.startswith(w) and f.rstrip("/").endswith("/" + bare) for w in within for f in folders):
        return True
    if token.endswith(".tf"):
        rendered = f"schedule-codegen/src/terraform/{token[:-3]}.rs"
        return rendered in files or any(f.endswith("/" + token) for f in files)
    return False


def main():
    files, folders = tracked()
    missing = []
    for doc in DOCS:
        sections = []
        in_code = False
        for number, line in enumerate((ROOT / doc).read_text().splitlines(), 1):
            if line.startswith("```"):
                in_code = not in_code
                continue
            if in_code:
                continue
            if line.startswith("#"):
                names = [n.rstrip("/") for n in re.findall(r"`([\w./-]+)`", line)]
                sections = [n for n in names if n + "/" in folders]
            for token in re.findall(r"`([^`]+)`", line):
                if not looks_like_path(token) or NOT_OURS.match(token):
                    continue
                if not resolves(token, sections, files, folders):
                    missing.append(f"{doc}:{number}: `{token}` names no file or folder")
    for line in missing:
        print(line, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

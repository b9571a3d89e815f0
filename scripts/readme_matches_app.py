#!/usr/bin/env python3
"""The README's first-application files are the ones CI compiles: every code line of each block
that names a file (`// src/lib.rs: ...`, `# Cargo.toml`) appears, in order, in that file of an
application made by scripts/new-app.sh. Usage: readme_matches_app.py README.md APP_DIR NAME.
Exits 1 naming each line that is not there."""

import re
import sys
from pathlib import Path

readme, app, name = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
text = readme.read_text()
start = text.index("## Your first application")
section = text[start:text.index("\n## ", start)]
blocks = re.findall(r"```(?:toml|text|rust)\n(.*?)```", section, re.S)
problems, checked = [], 0
for block in blocks:
    lines = block.splitlines()
    label = re.match(r"(?://|#) (src/\S+?|Cargo\.toml)(?::|$)", lines[0]) if lines else None
    if not label:
        continue
    path = app / label.group(1)
    if not path.is_file():
        problems.append(f"{label.group(1)}: the application has no such file")
        continue
    actual = [l.rstrip() for l in path.read_text().splitlines()]
    position = 0
    for line in lines[1:]:
        code = re.sub(r"\s+(//|#) .*$", "", line).rstrip()
        code = code.replace("my-app", name).replace("my_app", name.replace("-", "_"))
        if not code or code.lstrip().startswith(("//", "#")) or "/path/to/schedule" in code:
            continue
        found = next((i for i in range(position, len(actual)) if actual[i].split(" #")[0].rstrip() == code), None)
        if found is None:
            problems.append(f"{label.group(1)}: README line not in the generated file (in order): {code!r}")
        else:
            position = found + 1
            checked += 1
for p in problems:
    print(p, file=sys.stderr)
if not checked:
    print("no README line was checked: did the section's blocks move?", file=sys.stderr)
    sys.exit(1)
sys.exit(1 if problems else 0)

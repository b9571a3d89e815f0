#!/usr/bin/env python3
"""The layering of schedule-runtime, checked by reading its imports (ARCHITECTURE.md states it).

Each top-level module of `schedule-runtime/src` sits in one layer. A module may use modules of
its own layer or of a lower one, never a higher one, and the modules' uses form no cycle. Doc
comments and comments are not uses (an intra-doc link may point anywhere); `lib.rs`, which
composes the crate, is not checked. Exits 1 naming every violation.
"""

import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "schedule-runtime" / "src"

# Lowest first. Keep in step with ARCHITECTURE.md ("schedule-runtime's layers").
LAYERS = [
    ("foundations", {"atomic_file", "aws", "causes", "clock", "context", "environment",
                     "event", "https", "secret", "stable_hash", "task"}),
    ("the registry", {"registry"}),
    ("stores and effects", {"deferred", "defer", "heartbeat", "idempotency", "ledger", "metrics",
                            "secret_store"}),
    ("the dispatcher", {"dispatch"}),
    ("the local side", {"runner"}),
    ("the command line", {"cli"}),
    ("the Lambda edge", {"entry", "lambda_logs"}),
]
LAYER = {module: rank for rank, (_, modules) in enumerate(LAYERS) for module in modules}


def module_of(path: Path) -> str:
    relative = path.relative_to(SRC)
    return relative.parts[0].removesuffix(".rs")


def uses(text: str) -> set[str]:
    """Top-level modules named through `crate::` in code (not comments)."""
    code = "\n".join(line.split("//", 1)[0] for line in text.splitlines())
    found = set(re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", code))
    for group in re.findall(r"\bcrate::\{([^}]*)\}", code, flags=re.S):
        found.update(re.findall(r"(?:^|,)\s*([a-z_][a-z0-9_]*)", group))
    return found


def cycles(edges: dict[str, set[str]], where: str = "") -> list[str]:
    """Each import cycle in `edges` (module -> the modules it uses), named once."""
    found = []
    state: dict[str, int] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = 1
        for used in sorted(edges.get(module, ())):
            if state.get(used) == 1:
                cycle = trail[trail.index(used):] + [used] if used in trail else [module, used]
                found.append(f"import cycle{where}: " + " -> ".join(cycle))
            elif used not in state:
                visit(used, trail + [used])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    return found


def sibling_cycles() -> list[str]:
    """Cycles among the submodules of one module (`super::sibling` uses), in both crates that
    have modules of modules: a shared piece gets a home of its own instead."""
    found = []
    for crate in ("schedule-runtime", "schedule-codegen"):
        for directory in sorted(p for p in (SRC.parent.parent / crate / "src").rglob("*") if p.is_dir()):
            siblings = {p.stem for p in directory.glob("*.rs") if p.stem != "mod"}
            siblings |= {p.name for p in directory.iterdir() if p.is_dir()}
            edges: dict[str, set[str]] = {}
            for module in siblings:
                path = directory / f"{module}.rs"
                if not path.exists():
                    path = directory / module / "mod.rs"
                if not path.exists():
                    continue
                code = "\n".join(line.split("//", 1)[0] for line in path.read_text().splitlines())
                used = set(re.findall(r"\bsuper::([a-z_][a-z0-9_]*)", code))
                for group in re.findall(r"\bsuper::\{([^}]*)\}", code, flags=re.S):
                    used.update(re.findall(r"(?:^|,)\s*([a-z_][a-z0-9_]*)", group))
                edges[module] = (used & siblings) - {module}
            found.extend(cycles(edges, f" in {directory.relative_to(SRC.parent.parent)}"))
    return found


def main() -> int:
    problems = []
    edges: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.rs")):
        if path == SRC / "lib.rs":
            continue
        module = module_of(path)
        if module not in LAYER:
            problems.append(f"{path.relative_to(SRC)}: module `{module}` is in no layer")
            continue
        for used in sorted(uses(path.read_text())):
            # Items of lib.rs itself (the re-exported macro, `main`) are the crate's surface.
            if used == module or used not in LAYER:
                continue
            edges.setdefault(module, set()).add(used)
            if LAYER[used] > LAYER[module]:
                problems.append(
                    f"{path.relative_to(SRC)}: `{module}` ({LAYERS[LAYER[module]][0]}) uses "
                    f"`{used}` ({LAYERS[LAYER[used]][0]}), a higher layer"
                )
    # Cycles among modules (within a layer: across layers the rule above excludes them).
    problems.extend(cycles(edges))
    problems.extend(sibling_cycles())
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"schedule-runtime: {len(LAYER)} modules in {len(LAYERS)} layers, no upward use, no cycle;"
          " no cycle among the submodules of a module in schedule-runtime or schedule-codegen")
    return 0


if __name__ == "__main__":
    sys.exit(main())

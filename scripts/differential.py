"""Differential test of `next` (any application's binary) against aws-croniter, an independent
implementation.

aws-croniter (PyPI) is the most faithful third-party reader of AWS's cron dialect; it evaluates
in UTC only and cannot do `L` alone in day-of-week, `LW`, or steps in years. This script
generates random expressions from the dialect, asks both for the next four fire times after a
random instant, and fails on any disagreement. Expressions aws-croniter cannot evaluate are
counted as skipped, not as agreement.

    python scripts/differential.py APPLICATION_BINARY [COUNT] [SEED]
"""

import datetime
import random
import subprocess
import sys

from aws_croniter import AwsCroniter

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def value(rng, low, high, names=None):
    number = rng.randint(low, high)
    if names and rng.random() < 0.3:
        return names[number - 1]
    return str(number)


def field(rng, low, high, names=None, steps=True):
    """`*`, `*/n`, or up to three values, ranges (possibly wrapping) and stepped values."""
    roll = rng.random()
    if roll < 0.2:
        return "*"
    if steps and roll < 0.3:
        return f"*/{rng.randint(1, min(high, 12))}"
    items = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.random()
        if kind < 0.5:
            items.append(value(rng, low, high, names))
        elif kind < 0.8 or not steps:
            items.append(f"{rng.randint(low, high)}-{rng.randint(low, high)}")
        else:
            items.append(f"{value(rng, low, high)}/{rng.randint(1, min(high, 12))}")
    return ",".join(items)


def expression(rng):
    minutes, hours = field(rng, 0, 59), field(rng, 0, 23)
    month = field(rng, 1, 12, MONTHS)
    year = rng.choice(["*", "*", "2026-2030", "2027", "2026-2028,2030"])
    if rng.random() < 0.5:
        roll = rng.random()
        if roll < 0.1:
            day_of_month = "L"
        elif roll < 0.2:
            day_of_month = f"{rng.randint(1, 31)}W"
        else:
            day_of_month = field(rng, 1, 31)
        day_of_week = "?"
    else:
        day_of_month = "?"
        roll = rng.random()
        if roll < 0.1:
            day_of_week = f"{rng.randint(1, 7)}L"
        elif roll < 0.25:
            day_of_week = f"{rng.randint(1, 7)}#{rng.randint(1, 5)}"
        else:
            day_of_week = field(rng, 1, 7, DAYS, steps=False)
    return f"{minutes} {hours} {day_of_month} {month} {day_of_week} {year}"


def main():
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 20261126)
    agreed = skipped = 0
    disagreements = []
    for _ in range(count):
        body = expression(rng)
        after = datetime.datetime(
            2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), rng.randint(0, 59),
            tzinfo=datetime.timezone.utc,
        )
        try:
            times = AwsCroniter(body).get_next(after, n=4)
            theirs = [t.strftime("%Y-%m-%dT%H:%M:%S+00:00") for t in times]
        except Exception:  # noqa: BLE001 - any failure means it cannot evaluate this one
            skipped += 1
            continue
        run = subprocess.run(
            [binary, "next", f"cron({body})", "--after", after.strftime("%Y-%m-%dT%H:%M:%SZ"), "-n", "4"],
            capture_output=True, text=True, check=False,
        )
        ours = run.stdout.split() if run.returncode == 0 else [run.stderr.strip()]
        if ours == theirs:
            agreed += 1
        else:
            disagreements.append(f"cron({body}) after {after.isoformat()}\n  ours:        {ours}\n  aws-croniter: {theirs}")
    for disagreement in disagreements:
        print(disagreement)
    print(f"differential: {agreed} passed, {len(disagreements)} failed, {skipped} skipped (aws-croniter cannot evaluate them)")
    sys.exit(1 if disagreements else 0)


if __name__ == "__main__":
    main()

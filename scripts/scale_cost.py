"""The monthly cost of what a generated module creates and of what its tasks make AWS do, from
`benchmarks/examples/scale.rs`'s figures and `terraform plan`'s resources.

Usage: scale_cost.py RESULTS_JSONL
Each line of RESULTS_JSONL is the example's JSON for one size, with `plan_seconds` and
`resources` (address -> count, from `terraform show -json`) added by scripts/scale-benchmark.sh.
Prints the table of BENCHMARKS.md's "Hundreds of tasks" section.

List prices, us-east-1, as published on:
- CloudWatch, https://aws.amazon.com/cloudwatch/pricing/: a standard-resolution alarm $0.10 a
  month; a custom metric $0.30 a month (first 10,000), prorated by the hour: a metric costs
  $0.30/730 for each hour in which something is published to it; a dashboard $3.00 a month.
- EventBridge Scheduler, https://aws.amazon.com/eventbridge/pricing/: $1.00 per million
  invocations (after 14 million free a month, not applied here).
- Lambda, https://aws.amazon.com/lambda/pricing/: $0.20 per million requests (the tasks' own
  compute time is theirs and not counted).
- DynamoDB on demand, https://aws.amazon.com/dynamodb/pricing/on-demand/: $0.625 per million
  write request units, $0.125 per million read request units.
- SSM Parameter Store standard parameters and standard throughput: no charge.
"""
import json
import sys

ALARM = 0.10
METRIC_MONTH = 0.30
HOURS_PER_MONTH = 730
DASHBOARD = 3.00
SCHEDULER_PER_MILLION = 1.00
LAMBDA_PER_MILLION = 0.20
WRU_PER_MILLION = 0.625
RRU_PER_MILLION = 0.125

# The missed-run check runs every 15 minutes: 4 invocations an hour, 720 hours in 30 days.
CHECKS_PER_MONTH = 4 * 720
# Metrics a successful run publishes per task, Runs and Duration (Failures, Duplicates and
# LedgerWriteFailures only when not zero: taken as never, so failures cost more than this);
# the application's totals, Runs, Duration and MissedRuns, published every hour.
METRICS_PER_RUN = 2
TOTAL_METRICS = 3
# Before zeros were dropped (`schedule-runtime/src/metrics.rs`): all five per run, each task's
# MissedRuns every check, and six totals.
ZEROS_METRICS_PER_RUN = 5
ZEROS_TOTAL_METRICS = 6
# DynamoDB per run: the start, a transaction of an update and a condition check (2 request
# units each, transactional), and the end, one update. Per task and check: one query and one
# update of its mark.
WRU_PER_RUN = 2 + 2 + 1
WRU_PER_CHECK = 1
RRU_PER_CHECK = 1


def cost(row, alarm_shape):
    n = row["tasks"]
    resources = row["resources"]
    alarms = sum(c for a, c in resources.items() if a.startswith("aws_cloudwatch_metric_alarm."))
    per_task_alarms = resources.get("aws_cloudwatch_metric_alarm.task_failures", 0) + resources.get(
        "aws_cloudwatch_metric_alarm.missed_runs", 0
    )
    if alarm_shape == "application":
        alarms = alarms - per_task_alarms + 2
    dashboards = resources.get("aws_cloudwatch_dashboard.app", 0)
    runs = row["runs_per_month"]
    # A task's run metrics in the hours it runs, and the totals every hour.
    metric_hours = METRICS_PER_RUN * row["task_active_hours_per_month"] + TOTAL_METRICS * 720
    requests = runs + CHECKS_PER_MONTH
    parts = {
        "alarms": alarms * ALARM,
        "metrics": metric_hours / HOURS_PER_MONTH * METRIC_MONTH,
        "dashboards": dashboards * DASHBOARD,
        "requests": requests / 1e6 * (SCHEDULER_PER_MILLION + LAMBDA_PER_MILLION),
        "ledger": (runs * WRU_PER_RUN + n * CHECKS_PER_MONTH * WRU_PER_CHECK) / 1e6 * WRU_PER_MILLION
        + n * CHECKS_PER_MONTH * RRU_PER_CHECK / 1e6 * RRU_PER_MILLION,
    }
    zeros_hours = n * 720 + ZEROS_METRICS_PER_RUN * row["task_active_hours_per_month"] + ZEROS_TOTAL_METRICS * 720
    return alarms, parts, zeros_hours / HOURS_PER_MONTH * METRIC_MONTH


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    print("| tasks (heartbeat) | generated files | `codegen terraform` | `terraform plan` on moto | resources | runs a month |")
    print("|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['tasks']:,} ({row['heartbeat_tasks']}) | {row['files']} files, {row['bytes']:,} B "
            f"| {row['codegen_ms']:.1f} ms | {row['plan_seconds']:.1f} s | {sum(row['resources'].values()):,} "
            f"| {row['runs_per_month']:,} |"
        )
    print()
    print("| tasks | alarms | alarms $ | custom metrics $ (with zeros, as before) | dashboards $ | Scheduler + Lambda requests $ | ledger writes and reads $ | a month | with `alarms = \"application\"` |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        alarms, parts, zeros = cost(row, "task")
        app_alarms, app_parts, _ = cost(row, "application")
        print(
            f"| {row['tasks']:,} | {alarms:,} | {parts['alarms']:,.2f} | {parts['metrics']:,.2f} ({zeros:,.2f}) | {parts['dashboards']:,.2f} "
            f"| {parts['requests']:,.2f} | {parts['ledger']:,.2f} | **{sum(parts.values()):,.2f}** "
            f"| {sum(app_parts.values()):,.2f} ({app_alarms} alarms) |"
        )


main()

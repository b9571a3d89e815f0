"""Reads a deployed schedule application back from AWS (here: moto's server) as JSON.

Usage: read_deployment.py ENDPOINT OUTPUTS_JSON
OUTPUTS_JSON is `terraform output -json` of the generated module. Prints one JSON object:
the schedules of the group (or, for a module generated with --eventbridge-rules, the rules
with their targets), the function with its aliases, the roles' trust and permission policies,
the operator's managed policy, the dashboard's pages, the heartbeat parameters (without their
values), the metric alarms named after the function, the table and the queue, and each function
group's function, aliases, role and secrets, as the AWS APIs return them. Used by the Terraform tests
(examples/shop/tests/terraform.rs, schedule-codegen/tests/rules.rs) to compare what was
deployed with the code.
"""
import json
import sys
import urllib.parse

import boto3


def main():
    endpoint, outputs = sys.argv[1], json.loads(open(sys.argv[2]).read())
    out = {k: v["value"] for k, v in outputs.items()}

    def client(service):
        return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    lam, iam = client("lambda"), client("iam")
    schedules = {}
    if "schedule_group_name" in out:
        scheduler, group = client("scheduler"), out["schedule_group_name"]
        for summary in scheduler.list_schedules(GroupName=group)["Schedules"]:
            s = scheduler.get_schedule(GroupName=group, Name=summary["Name"])
            for key in ("ResponseMetadata", "CreationDate", "LastModificationDate"):
                s.pop(key, None)
            schedules[s["Name"]] = s
    rules = {}
    for task, arn in out.get("rule_arns", {}).items():
        events, name = client("events"), arn.rsplit("/", 1)[1]
        rule = events.describe_rule(Name=name)
        rule.pop("ResponseMetadata", None)
        rule["Targets"] = events.list_targets_by_rule(Rule=name)["Targets"]
        rules[task] = rule

    function = lam.get_function_configuration(FunctionName=out["function_name"])
    aliases = lam.list_aliases(FunctionName=out["function_name"])["Aliases"]

    def role(arn):
        name = arn.rsplit("/", 1)[1]
        trust = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        if isinstance(trust, str):
            trust = json.loads(urllib.parse.unquote(trust))
        policies = {}
        for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"]
            policies[policy] = json.loads(urllib.parse.unquote(doc)) if isinstance(doc, str) else doc
        attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        return {"trust": trust, "policies": policies, "attached": attached}

    scheduler_roles = {s["Target"]["RoleArn"] for s in schedules.values()}

    table = None
    if "idempotency_table_name" in out:
        dynamodb = client("dynamodb")
        name = out["idempotency_table_name"]
        table = {
            "table": dynamodb.describe_table(TableName=name)["Table"],
            "ttl": dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
            "backups": dynamodb.describe_continuous_backups(TableName=name)["ContinuousBackupsDescription"],
        }
    # What grows with the tasks, or could: the operator's managed policy, the dashboard's
    # pages and the heartbeat parameters (names and types only: the values are secrets).
    operator_policy = None
    if "operator_policy_arn" in out:
        arn = out["operator_policy_arn"]
        version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
        doc = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
        operator_policy = json.loads(urllib.parse.unquote(doc)) if isinstance(doc, str) else doc
    cloudwatch = client("cloudwatch")
    dashboards = {name: json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
                  for name in out.get("dashboard_names", [])}
    alarms = {}
    for page in cloudwatch.get_paginator("describe_alarms").paginate(
            AlarmNamePrefix=out["function_name"] + "-"):
        for alarm in page["MetricAlarms"]:
            alarms[alarm["AlarmName"]] = {key: alarm.get(key) for key in (
                "MetricName", "Namespace", "Statistic", "Threshold", "ComparisonOperator",
                "EvaluationPeriods", "TreatMissingData", "Dimensions", "AlarmActions",
                "OKActions")}
    parameters = []
    prefix = function.get("Environment", {}).get("Variables", {}).get("SCHEDULE_HEARTBEAT_PARAMETERS")
    if prefix:
        pages = client("ssm").get_paginator("get_parameters_by_path")
        for page in pages.paginate(Path=prefix, Recursive=True):
            parameters += [{"Name": p["Name"], "Type": p["Type"]} for p in page["Parameters"]]
    # Each secret a function is told of: a parameter read back decrypted (the test compares
    # it with the value it gave), a Secrets Manager secret described (its value is the test's).
    def secrets_of(function):
        secrets = {}
        places = json.loads(function.get("Environment", {}).get("Variables", {}).get("SCHEDULE_SECRETS") or "{}")
        for name, place in places.items():
            if place.startswith("arn:") and place.split(":")[2] == "secretsmanager":
                described = client("secretsmanager").describe_secret(SecretId=place)
                secrets[name] = {"ARN": described["ARN"], "Name": described["Name"]}
            else:
                parameter = client("ssm").get_parameter(Name=place, WithDecryption=True)["Parameter"]
                secrets[name] = {key: parameter[key] for key in ("Name", "Type", "Value", "ARN")}
        return secrets
    secrets = secrets_of(function)
    groups = {}
    for group, names in out.get("function_groups", {}).items():
        config = lam.get_function_configuration(FunctionName=names["function_name"])
        groups[group] = {
            "function": config,
            "aliases": lam.list_aliases(FunctionName=names["function_name"])["Aliases"],
            "role": role(config["Role"]),
            "secrets": secrets_of(config),
        }
    queue = client("sqs").get_queue_attributes(QueueUrl=out["dead_letter_queue_url"],
                                               AttributeNames=["All"])["Attributes"]
    print(json.dumps({
        "outputs": out,
        "schedules": schedules,
        "rules": rules,
        "function": function,
        "aliases": aliases,
        "dispatch_role": role(function["Role"]),
        "scheduler_roles": {arn: role(arn) for arn in sorted(scheduler_roles)},
        "table": table,
        "queue": queue,
        "operator_policy": operator_policy,
        "dashboards": dashboards,
        "alarms": alarms,
        "heartbeat_parameters": parameters,
        "secrets": secrets,
        "groups": groups,
    }, default=str, indent=1))


main()

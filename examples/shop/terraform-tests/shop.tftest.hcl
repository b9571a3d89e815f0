# `terraform test` of the generated module with a mocked AWS provider, run by
# examples/shop/tests/terraform.rs. Every expected value below is read from the #[scheduled]
# attributes in examples/shop/src/lib.rs, not from the generated files.

mock_provider "aws" {
  source = "./tests"
}

variables {
  environment = "production"
  lambda_zip  = "bootstrap.zip"
  secrets     = { "supplier-api-key" = "k-test", "database-url" = "postgres://backup:p@db.internal/shop" }
}

run "production" {
  command = apply

  assert {
    condition     = aws_scheduler_schedule.task["daily-sales-report"].schedule_expression == "cron(0 8 * * ? *)"
    error_message = "daily-sales-report runs at cron(0 8 * * ? *)"
  }
  assert {
    condition     = aws_scheduler_schedule.task["daily-sales-report"].schedule_expression_timezone == "Europe/Moscow"
    error_message = "daily-sales-report is read in Moscow time"
  }
  assert {
    condition     = aws_scheduler_schedule.task["daily-sales-report"].flexible_time_window[0].mode == "FLEXIBLE" && aws_scheduler_schedule.task["daily-sales-report"].flexible_time_window[0].maximum_window_in_minutes == 15
    error_message = "daily-sales-report has a 15 minute window"
  }
  assert {
    condition     = aws_scheduler_schedule.task["daily-sales-report"].state == "ENABLED"
    error_message = "daily-sales-report is enabled in production"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.task["daily-sales-report"].maximum_retry_attempts == 2 && aws_lambda_function_event_invoke_config.task["daily-sales-report"].maximum_event_age_in_seconds == 3600
    error_message = "daily-sales-report is retried twice within an hour"
  }
  assert {
    condition     = aws_scheduler_schedule.task["daily-sales-report"].target[0].retry_policy[0].maximum_event_age_in_seconds == 3600 && aws_scheduler_schedule.task["daily-sales-report"].target[0].retry_policy[0].maximum_retry_attempts < 185
    error_message = "delivery of daily-sales-report stops after an hour, not after AWS's 185 attempts"
  }
  assert {
    condition     = jsondecode(aws_scheduler_schedule.task["daily-sales-report"].target[0].input).input == { report_type = "daily_sales", format = "pdf" }
    error_message = "daily-sales-report receives its declared input"
  }
  assert {
    condition     = jsondecode(aws_scheduler_schedule.task["daily-sales-report"].target[0].input).scheduled_time == "<aws.scheduler.scheduled-time>" && jsondecode(aws_scheduler_schedule.task["daily-sales-report"].target[0].input).attempt == "<aws.scheduler.attempt-number>"
    error_message = "the input carries Scheduler's context keywords, unescaped"
  }
  assert {
    condition     = strcontains(aws_scheduler_schedule.task["daily-sales-report"].target[0].input, "\"execution_id\":\"<aws.scheduler.execution-id>\"") && strcontains(aws_scheduler_schedule.task["daily-sales-report"].target[0].input, "\"schedule_arn\":\"<aws.scheduler.schedule-arn>\"")
    error_message = "the input text holds the keywords literally"
  }
  assert {
    condition     = aws_scheduler_schedule.task["daily-sales-report"].target[0].arn == aws_lambda_alias.task["daily-sales-report"].arn
    error_message = "each schedule targets its task's alias"
  }
  assert {
    condition     = aws_scheduler_schedule.task["daily-sales-report"].target[0].dead_letter_config[0].arn == aws_sqs_queue.dead_letter.arn
    error_message = "undelivered occurrences go to the dead-letter queue"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.task["daily-sales-report"].destination_config[0].on_failure[0].destination == aws_sqs_queue.dead_letter.arn
    error_message = "failed runs go to the dead-letter queue"
  }

  assert {
    condition     = aws_scheduler_schedule.task["weekly-digest"].schedule_expression == "cron(0 9 ? * MON *)" && aws_scheduler_schedule.task["weekly-digest"].schedule_expression_timezone == "Europe/Berlin"
    error_message = "weekly-digest runs Mondays 09:00 Berlin time"
  }
  assert {
    condition     = aws_scheduler_schedule.task["weekly-digest"].flexible_time_window[0].mode == "OFF"
    error_message = "weekly-digest fires at the exact time"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.task["weekly-digest"].maximum_retry_attempts == 0
    error_message = "weekly-digest is never retried"
  }
  assert {
    condition     = aws_scheduler_schedule.task["expired-session-cleanup"].schedule_expression == "rate(1 hour)" && aws_scheduler_schedule.task["expired-session-cleanup"].schedule_expression_timezone == "UTC"
    error_message = "expired-session-cleanup runs every hour"
  }
  assert {
    condition     = aws_lambda_function.dispatch.timeout == 900
    error_message = "the function outlives the longest task (year-end-stocktake, 15 minutes) within Lambda's 15 minute limit"
  }
  assert {
    condition     = aws_scheduler_schedule.task["winter-sale-launch"].schedule_expression == "at(2030-01-15T09:00:00)" && aws_scheduler_schedule.task["winter-sale-launch"].schedule_expression_timezone == "Europe/Paris"
    error_message = "winter-sale-launch runs once, 09:00 Paris time"
  }
  assert {
    condition     = aws_scheduler_schedule.task["year-end-stocktake"].start_date == "2029-12-01T00:00:00Z" && aws_scheduler_schedule.task["year-end-stocktake"].end_date == "2035-01-01T00:00:00Z"
    error_message = "year-end-stocktake runs between its start and end dates"
  }
  assert {
    condition     = aws_scheduler_schedule.task["year-end-stocktake"].schedule_expression == "cron(0 18 L 12 ? *)" && aws_scheduler_schedule.task["year-end-stocktake"].description == "Stocktake, 31 December 18:00 Berlin time, 2029 to 2034"
    error_message = "year-end-stocktake keeps its expression and description"
  }
  assert {
    condition     = aws_scheduler_schedule.task["expired-session-cleanup"].start_date == null && aws_scheduler_schedule.task["expired-session-cleanup"].end_date == null
    error_message = "a task without dates has none"
  }
  assert {
    condition     = aws_lambda_function.dispatch.runtime == "provided.al2023" && aws_lambda_function.dispatch.logging_config[0].log_format == "JSON"
    error_message = "the function is an OS-only runtime logging JSON"
  }
  assert {
    condition     = aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_ENVIRONMENT"] == "production" && aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_IDEMPOTENCY_TABLE"] == aws_dynamodb_table.idempotency.name
    error_message = "the runtime learns its environment and table"
  }
  assert {
    condition     = aws_dynamodb_table.idempotency.hash_key == "pk" && one(aws_dynamodb_table.idempotency.ttl).attribute_name == "expires_at" && one(aws_dynamodb_table.idempotency.point_in_time_recovery).enabled
    error_message = "the table has the runtime's key, TTL on expires_at, and point-in-time recovery"
  }
  assert {
    condition     = aws_sqs_queue.dead_letter.message_retention_seconds == 1209600 && aws_sqs_queue.dead_letter.sqs_managed_sse_enabled
    error_message = "the dead-letter queue keeps 14 days, encrypted"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.task_failures) == 11 && alltrue([for alarm in aws_cloudwatch_metric_alarm.task_failures : alarm.namespace == "Schedule" && alarm.metric_name == "Failures"]) && !contains(keys(aws_cloudwatch_metric_alarm.task_failures), "ssl-certificate-check")
    error_message = "every task but the one declaring alert_after has a failure alarm on the ledger's metric"
  }
  assert {
    condition     = keys(aws_cloudwatch_metric_alarm.failure_streaks) == ["ssl-certificate-check"] && aws_cloudwatch_metric_alarm.failure_streaks["ssl-certificate-check"].metric_name == "ConsecutiveFailures" && aws_cloudwatch_metric_alarm.failure_streaks["ssl-certificate-check"].threshold == 2 && aws_cloudwatch_metric_alarm.failure_streaks["ssl-certificate-check"].comparison_operator == "GreaterThanOrEqualToThreshold" && aws_cloudwatch_metric_alarm.failure_streaks["ssl-certificate-check"].treat_missing_data == "ignore" && aws_cloudwatch_metric_alarm.failure_streaks["ssl-certificate-check"].alarm_name == "example-shop-production-ssl-certificate-check-failures"
    error_message = "ssl-certificate-check (alert_after = 2) alarms at its second failure in a row, and keeps its state until a success"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.missed_runs) == 11 && !contains(keys(aws_cloudwatch_metric_alarm.missed_runs), "review-request") && aws_cloudwatch_metric_alarm.missed_runs["daily-sales-report"].dimensions["Task"] == "daily-sales-report"
    error_message = "in production every task with a schedule has a missed-runs alarm (review-request runs only when deferred)"
  }
  assert {
    condition     = aws_dynamodb_table.ledger.name == "example-shop-production-ledger" && aws_dynamodb_table.ledger.hash_key == "task" && aws_dynamodb_table.ledger.range_key == "at" && one(aws_dynamodb_table.ledger.ttl).attribute_name == "expires_at"
    error_message = "the ledger table has the runtime's keys and TTL"
  }
  assert {
    condition     = aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_LEDGER_TABLE"] == aws_dynamodb_table.ledger.name && aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_LEDGER_RETENTION_DAYS"] == "30"
    error_message = "the runtime learns its ledger table and retention"
  }
  assert {
    condition     = aws_scheduler_schedule.missed_run_check.schedule_expression == "rate(15 minutes)" && aws_scheduler_schedule.missed_run_check.target[0].input == "{\"check\":\"missed_runs\"}"
    error_message = "the missed-run check runs every 15 minutes"
  }
  assert {
    condition     = keys(aws_cloudwatch_dashboard.app) == ["1"] && aws_cloudwatch_dashboard.app["1"].dashboard_name == "example-shop-production" && length(jsondecode(aws_cloudwatch_dashboard.app["1"].dashboard_body).widgets) == 14
    error_message = "twelve tasks fit one dashboard page: the overview's two widgets (totals, dead-letter queue) and a row per task"
  }
  assert {
    condition     = [for m in jsondecode(aws_cloudwatch_dashboard.app["1"].dashboard_body).widgets[0].properties.metrics : m[1]] == ["Runs", "Failures", "MissedRuns", "Duration"] && alltrue([for m in jsondecode(aws_cloudwatch_dashboard.app["1"].dashboard_body).widgets[0].properties.metrics : length(m) <= 5])
    error_message = "the overview reads the application's totals (dimension Function only)"
  }
  assert {
    condition     = one([for w in jsondecode(aws_cloudwatch_dashboard.app["1"].dashboard_body).widgets : w.properties.annotations.horizontal[0].value if w.properties.title == "daily-sales-report"]) == 43200000 && length(one([for w in jsondecode(aws_cloudwatch_dashboard.app["1"].dashboard_body).widgets : w.properties.annotations.horizontal if w.properties.title == "review-request"])) == 0
    error_message = "a daily task's duration graph draws its warning line at half a day; a task without a schedule has none"
  }
  assert {
    condition     = length(aws_cloudwatch_metric_alarm.failures) == 0 && length(aws_cloudwatch_metric_alarm.missed) == 0
    error_message = "by default the alarms are per task, with no application-wide pair"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.operator.statement : s.sid] == ["LedgerReadAndPause", "InvokeTaskAliases", "ReplayDeadLetters", "ListDeferredRuns", "ReadAndCancelDeferredRuns"] && data.aws_iam_policy_document.operator.statement[3].actions == toset(["scheduler:ListSchedules"]) && data.aws_iam_policy_document.operator.statement[3].resources == toset(["*"]) && data.aws_iam_policy_document.operator.statement[4].actions == toset(["scheduler:DeleteSchedule", "scheduler:GetSchedule"]) && alltrue([for r in data.aws_iam_policy_document.operator.statement[4].resources : endswith(r, ":schedule/${aws_scheduler_schedule_group.app.name}/*")]) && data.aws_iam_policy_document.operator.statement[1].resources == toset(["${aws_lambda_function.dispatch.arn}:*"]) && data.aws_iam_policy_document.operator.statement[1].actions == toset(["lambda:InvokeFunction"]) && data.aws_iam_policy_document.operator.statement[2].actions == toset(["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]) && data.aws_iam_policy_document.operator.statement[2].resources == toset([aws_sqs_queue.dead_letter.arn])
    error_message = "the operator policy reads and pauses through the ledger, invokes the task aliases, replays the dead-letter queue, and lists and cancels the deferred runs (the shop defers review requests) in its schedule group, nothing more"
  }
  assert {
    condition     = !contains(keys(aws_scheduler_schedule.task), "review-request") && contains(keys(aws_lambda_alias.task), "review-request") && aws_lambda_function_event_invoke_config.task["review-request"].maximum_retry_attempts == 2
    error_message = "review-request, declared deferred, has no schedule of its own but an alias with its two retries"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.defer.statement : s.sid] == ["DeferredRunSchedules", "PassSchedulerRoleToScheduler"] && data.aws_iam_policy_document.defer.statement[0].actions == toset(["scheduler:CreateSchedule", "scheduler:DeleteSchedule", "scheduler:GetSchedule"]) && data.aws_iam_policy_document.defer.statement[0].resources == toset(["arn:aws:scheduler:us-east-1:123456789012:schedule/example-shop-production/*"])
    error_message = "deferring may create, read and delete schedules in the application's group only"
  }
  assert {
    condition     = data.aws_iam_policy_document.defer.statement[1].actions == toset(["iam:PassRole"]) && data.aws_iam_policy_document.defer.statement[1].resources == toset([aws_iam_role.scheduler.arn])
    error_message = "deferring passes the Scheduler role"
  }
  assert {
    condition     = one(data.aws_iam_policy_document.defer.statement[1].condition).variable == "iam:PassedToService" && one(data.aws_iam_policy_document.defer.statement[1].condition).test == "StringEquals"
    error_message = "deferring passes the role to one service"
  }
  assert {
    condition     = toset(one(data.aws_iam_policy_document.defer.statement[1].condition).values) == toset(["scheduler.amazonaws.com"])
    error_message = "that service is Scheduler"
  }
  assert {
    condition     = aws_iam_role_policy.defer.role == aws_iam_role.dispatch.id && aws_iam_policy.deferrer.name == "example-shop-production-deferrer"
    error_message = "the function may defer, and other services get a policy to attach"
  }
  assert {
    condition     = aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_DEFER_GROUP"] == "example-shop-production" && aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_DEFER_FUNCTION_ARN"] == "arn:aws:lambda:us-east-1:123456789012:function:example-shop-production" && aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_DEFER_ROLE_ARN"] == aws_iam_role.scheduler.arn && aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_DEFER_DEAD_LETTER_ARN"] == aws_sqs_queue.dead_letter.arn
    error_message = "the function learns where deferred runs go: the group, the Scheduler role, its own ARN and the dead-letter queue"
  }
  assert {
    condition     = output.defer_environment == { for k, v in aws_lambda_function.dispatch.environment[0].variables : k => v if startswith(k, "SCHEDULE_DEFER_") }
    error_message = "other services get the same variables as the function"
  }
}


run "staging" {
  command = apply

  variables {
    environment = "staging"
  }

  assert {
    condition     = aws_scheduler_schedule.task["daily-sales-report"].state == "DISABLED"
    error_message = "daily-sales-report runs only in production"
  }
  assert {
    condition     = !contains(keys(aws_cloudwatch_metric_alarm.missed_runs), "daily-sales-report") && length(aws_cloudwatch_metric_alarm.missed_runs) == 9
    error_message = "a task disabled here has no missed-runs alarm here"
  }
  assert {
    condition     = aws_scheduler_schedule.task["weekly-digest"].state == "ENABLED" && aws_scheduler_schedule.task["expired-session-cleanup"].state == "ENABLED"
    error_message = "tasks without environments run everywhere"
  }
  assert {
    condition     = aws_lambda_function.dispatch.function_name == "example-shop-staging"
    error_message = "resource names carry the environment"
  }
}

run "heartbeat_url" {
  command = apply

  variables {
    heartbeat_urls = { "daily-sales-report" = "https://hc-ping.com/0e1a7c" }
  }

  assert {
    condition     = keys(aws_ssm_parameter.heartbeat) == ["daily-sales-report"] && aws_ssm_parameter.heartbeat["daily-sales-report"].name == "/example-shop-production/heartbeat/daily-sales-report" && aws_ssm_parameter.heartbeat["daily-sales-report"].type == "SecureString" && aws_ssm_parameter.heartbeat["daily-sales-report"].value == "https://hc-ping.com/0e1a7c"
    error_message = "the given ping URL is a SecureString parameter under the application's prefix; a heartbeat task without a URL has none"
  }
  assert {
    condition     = aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_HEARTBEAT_PARAMETERS"] == "/example-shop-production/heartbeat/" && length([for k, v in aws_lambda_function.dispatch.environment[0].variables : k if strcontains(v, "hc-ping.com")]) == 0
    error_message = "the function learns the parameters' prefix, and no URL"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.dispatch.statement : s.resources if s.sid == "HeartbeatUrls"] == [toset(["arn:aws:ssm:us-east-1:123456789012:parameter/example-shop-production/heartbeat/*"])] && [for s in data.aws_iam_policy_document.dispatch.statement : s.actions if s.sid == "HeartbeatUrls"] == [toset(["ssm:GetParameter"])]
    error_message = "the function may read exactly the parameters under its prefix"
  }
}

run "alarms_per_application" {
  command = apply

  variables {
    alarms = "application"
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.task_failures) == 0 && length(aws_cloudwatch_metric_alarm.failure_streaks) == 0 && length(aws_cloudwatch_metric_alarm.missed_runs) == 0
    error_message = "no alarm per task"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.failures["application"].alarm_name == "example-shop-production-failures" && aws_cloudwatch_metric_alarm.failures["application"].metric_name == "Failures" && aws_cloudwatch_metric_alarm.failures["application"].dimensions == tomap({ Function = "example-shop-production" })
    error_message = "one failure alarm on the application's total"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.missed["application"].metric_name == "MissedRuns" && aws_cloudwatch_metric_alarm.missed["application"].dimensions == tomap({ Function = "example-shop-production" })
    error_message = "one missed-run alarm on the application's total"
  }
}

run "heartbeat_url_for_a_task_without_heartbeat" {
  command = plan

  variables {
    heartbeat_urls = { "weekly-digest" = "https://hc-ping.com/0e1a7c" }
  }

  expect_failures = [var.heartbeat_urls]
}

run "environment_name_with_a_dot" {
  command = plan

  variables {
    environment = "prod.eu"
  }

  expect_failures = [var.environment]
}

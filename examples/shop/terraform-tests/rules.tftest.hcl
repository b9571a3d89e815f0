# `terraform test` of a module rendered with --eventbridge-rules from the tasks in
# examples/shop/tests/rules.rs; expected values are those tasks' declarations.

mock_provider "aws" {
  source = "./tests"
}

variables {
  environment = "staging"
  lambda_zip  = "bootstrap.zip"
}

run "staging" {
  command = apply

  assert {
    condition     = aws_cloudwatch_event_rule.task["nightly-export"].schedule_expression == "cron(30 2 * * ? *)" && aws_cloudwatch_event_rule.task["sync"].schedule_expression == "rate(15 minutes)"
    error_message = "each task's rule has its expression"
  }
  assert {
    condition     = aws_cloudwatch_event_rule.task["nightly-export"].state == "DISABLED" && aws_cloudwatch_event_rule.task["sync"].state == "ENABLED"
    error_message = "nightly-export runs only in production"
  }
  assert {
    condition     = aws_cloudwatch_event_target.task["nightly-export"].input_transformer[0].input_paths["time"] == "$.time"
    error_message = "the scheduled time comes from the rule's event"
  }
  assert {
    condition     = jsondecode(aws_cloudwatch_event_target.task["nightly-export"].input_transformer[0].input_template) == { task = "nightly-export", scheduled_time = "<time>", execution_id = "<id>", schedule_arn = "<rule>", input = { bucket = "exports" } }
    error_message = "the event template carries the task, its context and its input"
  }
  assert {
    condition     = aws_cloudwatch_event_target.task["nightly-export"].retry_policy[0].maximum_event_age_in_seconds == 7200 && aws_cloudwatch_event_target.task["nightly-export"].dead_letter_config[0].arn == aws_sqs_queue.dead_letter.arn
    error_message = "delivery gives up after max_age, into the dead-letter queue"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.task["nightly-export"].maximum_retry_attempts == 1 && aws_lambda_function_event_invoke_config.task["sync"].maximum_retry_attempts == 0
    error_message = "each task's alias carries its retries"
  }
  assert {
    condition     = aws_lambda_permission.task["sync"].principal == "events.amazonaws.com" && aws_lambda_permission.task["sync"].source_arn == aws_cloudwatch_event_rule.task["sync"].arn && aws_lambda_permission.task["sync"].qualifier == aws_lambda_alias.task["sync"].name
    error_message = "each rule may invoke only its task's alias"
  }
}

run "name_too_long_for_a_rule" {
  command = plan

  variables {
    name_prefix = "a-name-prefix-that-is-thirty-two"
    environment = "a-long-environment-x"
  }

  expect_failures = [aws_cloudwatch_event_rule.task]
}

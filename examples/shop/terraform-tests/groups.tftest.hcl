# `terraform test` of a module whose tasks run in function groups, rendered from the tasks in
# examples/shop/tests/groups.rs (nightly-backup in `backup` with a 600 s timeout, review-mail
# in `mail`, outbox in the default function); the limits are Lambda's and IAM's, cited in
# schedule-codegen/src/terraform/functions.rs.

mock_provider "aws" {
  source = "./tests"
}

variables {
  environment = "production"
  lambda_zip  = "bootstrap.zip"
  secrets     = { "backup-key" = "b", "smtp-password" = "s" }
}

run "settings_given_and_defaults" {
  command = apply

  variables {
    functions = { backup = { memory_size = 1024, ephemeral_storage = 2048, reserved_concurrency = 1, environment = { BACKUP_BUCKET = "shop-backups" } } }
  }

  assert {
    condition     = aws_lambda_function.group["backup"].function_name == "jobs-production-backup" && aws_lambda_function.group["backup"].memory_size == 1024 && aws_lambda_function.group["backup"].ephemeral_storage[0].size == 2048 && aws_lambda_function.group["backup"].reserved_concurrent_executions == 1
    error_message = "the backup group gets the settings given"
  }
  assert {
    condition     = aws_lambda_function.group["backup"].timeout == 610 && aws_lambda_function.group["mail"].timeout == 70 && aws_lambda_function.dispatch.timeout == 70
    error_message = "each function's timeout is its longest task's plus 10 s"
  }
  assert {
    condition     = aws_lambda_function.group["mail"].memory_size == 128 && aws_lambda_function.group["mail"].ephemeral_storage[0].size == 512 && aws_lambda_function.group["mail"].reserved_concurrent_executions == -1 && aws_lambda_function.group["mail"].architectures[0] == "x86_64"
    error_message = "a group not listed gets the defaults"
  }
  assert {
    condition     = aws_lambda_function.group["backup"].environment[0].variables["BACKUP_BUCKET"] == "shop-backups" && aws_lambda_function.group["backup"].environment[0].variables["SCHEDULE_FUNCTION_GROUP"] == "backup" && !contains(keys(aws_lambda_function.group["mail"].environment[0].variables), "BACKUP_BUCKET")
    error_message = "a group's variables are its own, beside the framework's"
  }
  assert {
    condition     = aws_lambda_alias.task["nightly-backup"].function_name == "jobs-production-backup" && aws_lambda_alias.task["outbox"].function_name == "jobs-production" && aws_lambda_function_event_invoke_config.task["review-mail"].function_name == "jobs-production-mail"
    error_message = "each task's alias and retry policy are in its group's function"
  }
  assert {
    condition     = length(aws_vpc_endpoint.dynamodb) == 0 && length(aws_iam_role_policy_attachment.group) == 0
    error_message = "no endpoint and no managed policy unless asked"
  }
}

run "managed_policies_attached" {
  command = apply

  variables {
    functions = { mail = { managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonSESFullAccess"] } }
  }

  assert {
    condition     = keys(aws_iam_role_policy_attachment.group) == ["mail arn:aws:iam::aws:policy/AmazonSESFullAccess"]
    error_message = "a managed policy is attached to its group's role only"
  }
}

run "a_group_no_task_declares" {
  command = plan
  variables {
    functions = { reports = {} }
  }
  expect_failures = [var.functions]
}

run "memory_below_lambda_minimum" {
  command = plan
  variables {
    functions = { backup = { memory_size = 64 } }
  }
  expect_failures = [var.functions]
}

run "ephemeral_storage_below_lambda_minimum" {
  command = plan
  variables {
    functions = { backup = { ephemeral_storage = 256 } }
  }
  expect_failures = [var.functions]
}

run "a_framework_variable" {
  command = plan
  variables {
    functions = { backup = { environment = { SCHEDULE_ENVIRONMENT = "x" } } }
  }
  expect_failures = [var.functions]
}

run "a_lambda_variable" {
  command = plan
  variables {
    functions = { backup = { environment = { TZ = "Europe/Berlin" } } }
  }
  expect_failures = [var.functions]
}

run "variables_beyond_lambda_size" {
  command = plan
  variables {
    functions = { backup = { environment = { BIG = format("%4000s", "") } } }
  }
  expect_failures = [var.functions]
}

run "a_statement_without_actions" {
  command = plan
  variables {
    functions = { backup = { policy_statements = [{ actions = [], resources = ["*"] }] } }
  }
  expect_failures = [var.functions]
}

run "more_managed_policies_than_iam_allows" {
  command = plan
  variables {
    functions = { backup = { managed_policy_arns = [for i in range(11) : "arn:aws:iam::123456789012:policy/p${i}"] } }
  }
  expect_failures = [var.functions]
}

run "subnets_without_security_groups" {
  command = plan
  variables {
    functions = { backup = { subnet_ids = ["subnet-1"] } }
  }
  expect_failures = [var.functions]
}

run "an_unknown_architecture" {
  command = plan
  variables {
    functions = { backup = { architecture = "sparc" } }
  }
  expect_failures = [var.functions]
}

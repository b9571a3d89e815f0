# `terraform test` of a module whose tasks declare secrets, rendered from the tasks in
# examples/shop/tests/secrets.rs (supplier-sync reads supplier-api-key and db-url, report reads
# db-url); the expected places follow the module's contract in docs/contracts.md.

mock_provider "aws" {
  source = "./tests"
}

variables {
  environment = "production"
  lambda_zip  = "bootstrap.zip"
  secrets     = { "supplier-api-key" = "k-test-value" }
  secret_arns = { "db-url" = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jobs/db-url-AbCdEf" }
}

run "a_value_and_an_arn" {
  command = apply

  assert {
    condition     = keys(aws_ssm_parameter.secret) == ["supplier-api-key"]
    error_message = "a parameter is made for the secret given as a value, none for the one given as an ARN"
  }
  assert {
    condition     = aws_ssm_parameter.secret["supplier-api-key"].name == "/jobs-production/secrets/supplier-api-key" && aws_ssm_parameter.secret["supplier-api-key"].type == "SecureString"
    error_message = "the value is kept as a SecureString under /<name>/secrets/"
  }
  assert {
    condition     = jsondecode(aws_lambda_function.dispatch.environment[0].variables["SCHEDULE_SECRETS"]) == { "supplier-api-key" = "/jobs-production/secrets/supplier-api-key", "db-url" = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jobs/db-url-AbCdEf" }
    error_message = "the function is told where each secret is"
  }
  assert {
    condition     = !strcontains(jsonencode(aws_lambda_function.dispatch.environment[0].variables), "k-test-value")
    error_message = "no secret value is in the function's environment"
  }
  assert {
    condition     = output.secrets == { "supplier-api-key" = "/jobs-production/secrets/supplier-api-key", "db-url" = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jobs/db-url-AbCdEf" }
    error_message = "the output names each secret's place"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.dispatch.statement : s.actions if s.sid == "SecretsManagerSecrets"] == [toset(["secretsmanager:GetSecretValue"])] && [for s in data.aws_iam_policy_document.dispatch.statement : s.resources if s.sid == "SecretsManagerSecrets"] == [toset(["arn:aws:secretsmanager:us-east-1:123456789012:secret:jobs/db-url-AbCdEf"])]
    error_message = "the role may read the given secret, and only it"
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.dispatch.statement : s.actions if s.sid == "SecretParameters"] == [toset(["ssm:GetParameter"])] && [for s in data.aws_iam_policy_document.dispatch.statement : s.resources if s.sid == "SecretParameters"] == [toset([aws_ssm_parameter.secret["supplier-api-key"].arn])]
    error_message = "the role may read the parameter made, and only it"
  }
}

run "a_declared_secret_without_a_value" {
  command = plan

  variables {
    secret_arns = {}
  }

  expect_failures = [output.secrets]
}

run "a_secret_given_twice" {
  command = plan

  variables {
    secret_arns = { "db-url" = "arn:aws:secretsmanager:us-east-1:123456789012:secret:jobs/db-url-AbCdEf", "supplier-api-key" = "arn:aws:ssm:us-east-1:123456789012:parameter/jobs/key" }
  }

  expect_failures = [output.secrets]
}

run "a_secret_no_task_declares" {
  command = plan

  variables {
    secrets = { "supplier-api-key" = "k", "payroll" = "p" }
  }

  expect_failures = [var.secrets]
}

run "not_an_arn" {
  command = plan

  variables {
    secret_arns = { "db-url" = "postgres://db" }
  }

  expect_failures = [var.secret_arns]
}

"""A JSON secret (seed 003's agent-api-prd-db-secrets) as one variable per key: secret export/exec with --keys
or the secret's vegaops:env-keys tag, names by naming.env_var_name; secret get lists its keys masked."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3
import pytest

from vegaops import dotenv

pytestmark = pytest.mark.usefixtures("aws", "project")

DB = {"MASTER_USERNAME": "agent_admin", "MASTER_USER_PASSWORD": "pw-Very-Secret-42", "port": 5432}
PRINT_ENV = "import json, os, sys; json.dump(dict(os.environ), open(sys.argv[1], 'w'))"


@pytest.fixture
def stores(aws: None) -> None:
    sm = boto3.client("secretsmanager")
    sm.create_secret(Name="vega/staging/agent-api-prd-db-secrets", SecretString=json.dumps(DB))
    sm.create_secret(Name="vega/staging/openai-key", SecretString="sk-plain")
    boto3.client("ssm").put_parameter(Name="/vega/staging/log-level", Value='{"not": "expanded"}', Type="String")


@pytest.mark.usefixtures("stores")
def test_export_keys_gives_one_variable_per_key(cli) -> None:  # type: ignore[no-untyped-def]
    whole = dotenv.parse(cli("secret", "export").stdout)
    assert json.loads(whole["AGENT_API_PRD_DB_SECRETS"]) == DB  # unchanged without --keys
    r = cli("secret", "export", "--keys")
    assert r.exit_code == 0, r.output
    assert dotenv.parse(r.stdout) == {
        "MASTER_USERNAME": "agent_admin",
        "MASTER_USER_PASSWORD": "pw-Very-Secret-42",
        "PORT": "5432",
        "OPENAI_KEY": "sk-plain",
    }


@pytest.mark.usefixtures("stores")
def test_the_tag_opts_one_secret_in(cli) -> None:  # type: ignore[no-untyped-def]
    boto3.client("secretsmanager").tag_resource(
        SecretId="vega/staging/agent-api-prd-db-secrets", Tags=[{"Key": "vegaops:env-keys", "Value": "true"}]
    )
    values = json.loads(cli("secret", "export", "--format", "json").stdout)
    assert values["MASTER_USER_PASSWORD"] == "pw-Very-Secret-42" and "AGENT_API_PRD_DB_SECRETS" not in values


@pytest.mark.usefixtures("stores")
@pytest.mark.e2e  # exec starts the command as a subprocess
def test_exec_keys_injects_each_key(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "env.json"
    r = cli("exec", "--keys", "--pristine", "--", sys.executable, "-c", PRINT_ENV, str(out))
    assert r.exit_code == 0, r.output
    env = json.loads(out.read_text())
    assert env["MASTER_USERNAME"] == "agent_admin" and env["MASTER_USER_PASSWORD"] == "pw-Very-Secret-42"
    assert env["LOG_LEVEL"] == '{"not": "expanded"}'  # parameters stay whole
    assert "pw-Very-Secret-42" not in r.output


@pytest.mark.usefixtures("stores")
def test_a_key_colliding_with_another_variable_is_a_usage_error(cli) -> None:  # type: ignore[no-untyped-def]
    boto3.client("secretsmanager").create_secret(Name="vega/staging/master-username", SecretString="other")
    r = cli("secret", "export", "--keys")
    assert r.exit_code == 2
    assert "MASTER_USERNAME" in r.stderr and "agent-api-prd-db-secrets" in r.stderr
    assert "agent_admin" not in r.output and "other" not in r.stdout


@pytest.mark.usefixtures("stores")
def test_secret_get_lists_keys_masked(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("secret", "get", "agent-api-prd-db-secrets")
    assert r.exit_code == 0, r.output
    for key in DB:
        assert f"key {key}" in r.stdout
    assert "pw-Very-Secret-42" not in r.output and "agent_admin" not in r.output
    doc = json.loads(cli("-o", "json", "secret", "get", "agent-api-prd-db-secrets").stdout)
    assert sorted(doc["data"]["keys"]) == sorted(DB)
    assert doc["data"]["keys"]["MASTER_USER_PASSWORD"]["length"] == len("pw-Very-Secret-42")
    assert "pw-Very-Secret-42" not in json.dumps(doc)


@pytest.mark.usefixtures("stores")
@pytest.mark.e2e  # exec starts the command as a subprocess
def test_exec_service_keys_expands_a_whole_json_secret(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    arn = boto3.client("secretsmanager").describe_secret(SecretId="vega/staging/agent-api-prd-db-secrets")["ARN"]
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {"name": "api", "image": "x", "memory": 64, "secrets": [{"name": "DB_SECRETS", "valueFrom": arn}]}
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="api", desiredCount=1)
    out = tmp_path / "env.json"
    cmd = ["--pristine", "--", sys.executable, "-c", PRINT_ENV, str(out)]
    assert cli("exec", "--service", "api", *cmd).exit_code == 0
    assert json.loads(json.loads(out.read_text())["DB_SECRETS"]) == DB  # exactly the task definition's
    assert cli("exec", "--service", "api", "--keys", *cmd).exit_code == 0
    env = json.loads(out.read_text())
    assert env["MASTER_USER_PASSWORD"] == "pw-Very-Secret-42" and "DB_SECRETS" not in env


@pytest.mark.usefixtures("stores")
def test_env_vars_keys_lists_the_variables_per_key_never_values(cli) -> None:  # type: ignore[no-untyped-def]
    arn = boto3.client("secretsmanager").describe_secret(SecretId="vega/staging/agent-api-prd-db-secrets")["ARN"]
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {"name": "api", "image": "x", "memory": 64, "secrets": [{"name": "DB_SECRETS", "valueFrom": arn}]}
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="api", desiredCount=1)
    assert "MASTER_USER_PASSWORD" not in cli("env", "vars", "api").stdout
    r = cli("env", "vars", "api", "--keys")
    assert r.exit_code == 0, r.output
    assert "MASTER_USER_PASSWORD" in r.stdout and "PORT" in r.stdout
    assert "pw-Very-Secret-42" not in r.output and "agent_admin" not in r.output
    doc = json.loads(cli("-o", "json", "env", "vars", "api", "--keys").stdout)
    (var,) = doc["data"]["variables"]
    assert var["keys"] == {
        "MASTER_USERNAME": "MASTER_USERNAME",
        "MASTER_USER_PASSWORD": "MASTER_USER_PASSWORD",
        "port": "PORT",
    }

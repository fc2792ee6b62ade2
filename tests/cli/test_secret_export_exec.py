"""secret export (dotenv/json/env, --to 0600) and vegaops exec (secrets + config injected, nothing written)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import boto3
import pytest

from vegaops import dotenv

pytestmark = pytest.mark.usefixtures("aws", "project")

TRICKY = "p@ss \"quoted\" 'single' $HOME \\back\nsecond line"


@pytest.fixture
def stores(aws: None) -> None:
    sm, ssm = boto3.client("secretsmanager"), boto3.client("ssm")
    sm.create_secret(Name="vega/staging/db-password", SecretString=TRICKY)
    sm.create_secret(Name="vega/staging/api/openai.key", SecretString="sk-x")
    sm.create_secret(Name="vega/prod/db-password", SecretString="prod")
    ssm.put_parameter(Name="/vega/staging/log-level", Value="debug", Type="String")
    ssm.put_parameter(Name="/vega/staging/api/rate", Value="600", Type="SecureString")


@pytest.mark.usefixtures("stores")
def test_export_dotenv_round_trips(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("secret", "export")
    assert r.exit_code == 0, r.output
    assert dotenv.parse(r.stdout) == {"DB_PASSWORD": TRICKY, "API_OPENAI_KEY": "sk-x"}
    assert r.stderr == ""


@pytest.mark.usefixtures("stores")
def test_export_json_env_and_prefix(cli) -> None:  # type: ignore[no-untyped-def]
    assert json.loads(cli("secret", "export", "--format", "json").stdout)["DB_PASSWORD"] == TRICKY
    assert cli("secret", "export", "api/", "--format", "env").stdout == "export API_OPENAI_KEY=sk-x\n"
    assert cli("secret", "export", "--format", "yaml").exit_code == 2


@pytest.mark.usefixtures("stores")
def test_export_to_file_is_0600(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.env"
    target.write_text("old")
    os.chmod(target, 0o644)
    r = cli("secret", "export", "--to", str(target))
    assert r.exit_code == 0 and TRICKY not in r.output and "0600" in r.stdout
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert dotenv.parse(target.read_text())["DB_PASSWORD"] == TRICKY


# LC_CTYPE: the child Python sets it itself (PEP 538 locale coercion) when the environment has no locale
PRINT_ENV = (
    "import json, os, sys; env = dict(os.environ); env.pop('LC_CTYPE', None); json.dump(env, open(sys.argv[1], 'w'))"
)


@pytest.mark.e2e  # runs a child process
@pytest.mark.usefixtures("stores")
def test_exec_injects_secrets_and_config(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "env.json"
    r = cli("exec", "--", sys.executable, "-c", PRINT_ENV, str(out))
    assert r.exit_code == 0, r.output
    env = json.loads(out.read_text())
    assert env["DB_PASSWORD"] == TRICKY and env["LOG_LEVEL"] == "debug" and env["API_RATE"] == "600"
    assert env["API_OPENAI_KEY"] == "sk-x" and "HOME" in env
    assert TRICKY not in r.output


@pytest.mark.e2e  # runs a child process
@pytest.mark.usefixtures("stores")
def test_exec_prefix_pristine_and_exit_code(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "env.json"
    r = cli("exec", "--prefix", "api", "--pristine", "--", sys.executable, "-c", PRINT_ENV, str(out))
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text()) == {"API_OPENAI_KEY": "sk-x", "API_RATE": "600"}
    assert cli("exec", "--", sys.executable, "-c", "raise SystemExit(7)").exit_code == 7
    assert cli("exec", "--", "no-such-command-xyz").exit_code == 2


@pytest.mark.e2e  # runs a child process
@pytest.mark.usefixtures("stores")
def test_exec_service_gets_exactly_its_task_definition(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sm, ecs = boto3.client("secretsmanager"), boto3.client("ecs")
    arn = sm.describe_secret(SecretId="vega/staging/db-password")["ARN"]
    sm.create_secret(Name="vega/staging/admin", SecretString='{"password": "adm"}')
    admin = sm.describe_secret(SecretId="vega/staging/admin")["ARN"]
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {
                "name": "api",
                "image": "x",
                "memory": 64,
                "environment": [{"name": "PORT", "value": "8080"}],
                "secrets": [
                    {"name": "DATABASE_URL", "valueFrom": arn},
                    {"name": "ADMIN", "valueFrom": admin + ":password::"},
                    {"name": "LOG", "valueFrom": "/vega/staging/log-level"},
                ],
            }
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="api", desiredCount=1)
    out = tmp_path / "env.json"
    r = cli("exec", "--service", "api", "--pristine", "--", sys.executable, "-c", PRINT_ENV, str(out))
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text()) == {"PORT": "8080", "DATABASE_URL": TRICKY, "ADMIN": "adm", "LOG": "debug"}

"""The link to ECS: env vars, secret refs, --redeploy; valueFrom parsing (in-process moto)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest

from tests.cli.test_config_cli import envelope
from vegaops.refs import ValueFrom, parse_value_from, secret_matches, stale_tasks

SECRET = "refs-hunter2-value"
ACCOUNT = "123456789012"
REGION = "eu-central-1"
SSM_ARN = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/vega/staging/log-level"


def test_parse_value_from_forms() -> None:
    base = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:vega/staging/db-AbCdEf"
    assert parse_value_from(base) == ValueFrom("secretsmanager", base)
    assert parse_value_from(base + ":password::") == ValueFrom("secretsmanager", base, "password")
    assert parse_value_from(base + "::AWSPREVIOUS:") == ValueFrom("secretsmanager", base, None, "AWSPREVIOUS")
    assert parse_value_from(base + ":k::v-1") == ValueFrom("secretsmanager", base, "k", None, "v-1")
    assert parse_value_from(f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/vega/staging/log-level") == ValueFrom(
        "ssm", "/vega/staging/log-level"
    )
    assert parse_value_from(f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/flat") == ValueFrom("ssm", "/flat")
    assert parse_value_from("/vega/staging/x") == ValueFrom("ssm", "/vega/staging/x")
    assert secret_matches(base, base, "vega/staging/db")
    partial = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:vega/staging/db"
    assert secret_matches(partial, base, "vega/staging/db")
    assert not secret_matches(partial + "x", base, "vega/staging/db")


def test_stale_tasks_started_before_the_change() -> None:
    change = datetime(2026, 1, 1, 12, tzinfo=UTC)
    tasks = [
        {"taskArn": "arn:x/t-old", "taskDefinitionArn": "td:1", "startedAt": change - timedelta(minutes=5)},
        {"taskArn": "arn:x/t-new", "taskDefinitionArn": "td:1", "startedAt": change + timedelta(seconds=1)},
        {"taskArn": "arn:x/t-other", "taskDefinitionArn": "td:2", "startedAt": change - timedelta(hours=1)},
    ]
    assert [t["task"] for t in stale_tasks(tasks, "td:1", change)] == ["t-old"]


@pytest.fixture
def estate(aws, project):  # type: ignore[no-untyped-def]
    """Cluster vega-staging: vega-api reads 2 secrets + 2 params (one missing), vega-worker reads one secret."""
    sm, ssm, ecs = boto3.client("secretsmanager"), boto3.client("ssm"), boto3.client("ecs")
    db = sm.create_secret(Name="vega/staging/database-url", SecretString=SECRET)["ARN"]
    admin = sm.create_secret(Name="vega/staging/admin", SecretString=json.dumps({"password": SECRET}))["ARN"]
    ssm.put_parameter(Name="/vega/staging/log-level", Value="info", Type="String")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {
                "name": "api",
                "image": "api:1",
                "memory": 256,
                "environment": [{"name": "PORT", "value": "8080"}],
                "secrets": [
                    {"name": "DATABASE_URL", "valueFrom": db},
                    {"name": "ADMIN_PASSWORD", "valueFrom": admin + ":password::"},
                    {"name": "ADMIN_USER", "valueFrom": admin + ":user::"},
                    {"name": "LOG_LEVEL", "valueFrom": SSM_ARN},
                    {"name": "REDIS_ADDR", "valueFrom": "/vega/staging/redis-endpoint"},
                ],
            }
        ],
    )
    ecs.register_task_definition(
        family="worker",
        containerDefinitions=[
            {"name": "worker", "image": "w:1", "memory": 256, "secrets": [{"name": "DB", "valueFrom": db}]}
        ],
    )
    ecs.register_task_definition(family="web", containerDefinitions=[{"name": "web", "image": "x", "memory": 64}])
    for svc, td in (("vega-api", "api"), ("vega-worker", "worker"), ("vega-web", "web")):
        ecs.create_service(cluster="vega-staging", serviceName=svc, taskDefinition=td, desiredCount=1)
    return {"db": db, "admin": admin}


@pytest.mark.usefixtures("estate")
def test_env_vars_sources_and_resolution(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("-o", "json", "env", "vars", "api")
    assert r.exit_code == 0, r.output
    assert SECRET not in r.stdout
    rows = {v["name"]: v for v in envelope(r.stdout)["data"]["variables"]}  # type: ignore[index]
    assert set(rows) == {"PORT", "DATABASE_URL", "ADMIN_PASSWORD", "ADMIN_USER", "LOG_LEVEL", "REDIS_ADDR"}
    assert rows["PORT"]["source"] == "environment" and rows["PORT"]["resolves"] is None
    assert rows["DATABASE_URL"]["source"] == "secretsmanager" and rows["DATABASE_URL"]["resolves"] is True
    assert rows["ADMIN_PASSWORD"]["resolves"] is True and "key=password" in rows["ADMIN_PASSWORD"]["origin"]
    assert rows["ADMIN_USER"]["resolves"] is False and "user" in rows["ADMIN_USER"]["why"]
    assert rows["LOG_LEVEL"]["source"] == "ssm" and rows["LOG_LEVEL"]["resolves"] is True
    assert rows["LOG_LEVEL"]["origin"] == "/vega/staging/log-level"
    assert rows["REDIS_ADDR"]["resolves"] is False
    human = cli("env", "vars", "vega-api")
    assert human.exit_code == 0 and "2 do not resolve" in human.output and SECRET not in human.output
    assert cli("env", "vars", "nope").exit_code == 3


@pytest.mark.usefixtures("estate")
def test_secret_refs_finds_task_definitions(cli) -> None:  # type: ignore[no-untyped-def]
    doc = envelope(cli("-o", "json", "secret", "refs", "database-url").stdout)
    refs = doc["data"]["references"]  # type: ignore[index]
    assert [(r["service"], r["variables"]) for r in refs] == [("vega-api", ["DATABASE_URL"]), ("vega-worker", ["DB"])]
    assert refs[0]["task_definition"].endswith("task-definition/api:1")
    doc = envelope(cli("-o", "json", "secret", "refs", "log-level", "--param").stdout)
    assert [r["service"] for r in doc["data"]["references"]] == ["vega-api"]  # type: ignore[index]
    r = cli("secret", "refs", "admin")
    assert r.exit_code == 0 and "ADMIN_PASSWORD, ADMIN_USER" in r.stdout
    assert cli("secret", "refs", "missing").exit_code == 3


@pytest.mark.usefixtures("estate")
def test_secret_list_shows_referencing_services(cli) -> None:  # type: ignore[no-untyped-def]
    doc = envelope(cli("-o", "json", "secret", "list").stdout)
    by_name = {s["name"]: s["services"] for s in doc["data"]["secrets"]}  # type: ignore[index]
    assert by_name == {"vega/staging/admin": ["vega-api"], "vega/staging/database-url": ["vega-api", "vega-worker"]}


def _deployments(service: str) -> list[str]:
    svc = boto3.client("ecs").describe_services(cluster="vega-staging", services=[service])["services"][0]
    return [d["id"] for d in svc["deployments"]]


@pytest.mark.usefixtures("estate")
def test_set_redeploy_exactly_the_referencing_services(cli) -> None:  # type: ignore[no-untyped-def]
    before = {s: _deployments(s) for s in ("vega-api", "vega-worker", "vega-web")}
    r = cli("-o", "json", "secret", "set", "database-url", "--redeploy", "--no-watch", input="new-" + SECRET)
    assert r.exit_code == 0, r.output
    assert SECRET not in r.stdout
    redeploy = envelope(r.stdout)["data"]["redeploy"]  # type: ignore[index]
    assert redeploy["services"] == ["vega-api", "vega-worker"]
    for service in ("vega-api", "vega-worker"):
        assert redeploy["deployments"][service] in _deployments(service)
        assert redeploy["deployments"][service] not in before[service]
    assert _deployments("vega-web") == before["vega-web"]
    human = cli("secret", "set", "database-url", "--redeploy", "--no-watch", input="third-" + SECRET)
    assert "pick up the new value as they are replaced" in human.output
    unchanged = cli("secret", "set", "database-url", "--redeploy", "--no-watch", input="third-" + SECRET)
    assert "no redeploy needed" in unchanged.output


@pytest.mark.usefixtures("estate")
def test_rollback_and_config_set_redeploy(cli) -> None:  # type: ignore[no-untyped-def]
    cli("secret", "set", "database-url", input="v2")
    r = cli("-o", "json", "secret", "rollback", "database-url", "--redeploy", "--no-watch")
    assert r.exit_code == 0, r.output
    assert envelope(r.stdout)["data"]["redeploy"]["services"] == ["vega-api", "vega-worker"]  # type: ignore[index]
    r = cli("-o", "json", "config", "set", "log-level", "debug", "--redeploy", "--no-watch")
    assert r.exit_code == 0, r.output
    assert list(envelope(r.stdout)["data"]["redeploy"]["deployments"]) == ["vega-api"]  # type: ignore[index]
    r = cli("--dry-run", "secret", "set", "database-url", "--redeploy", "--no-watch", input="v9")
    assert r.exit_code == 0 and "planned (dry run)" in r.output


@pytest.mark.usefixtures("estate")
def test_set_without_redeploy_names_the_services_to_redeploy(cli) -> None:  # type: ignore[no-untyped-def]
    before = _deployments("vega-api")
    r = cli("-o", "json", "secret", "set", "database-url", input="changed")
    assert envelope(r.stdout)["data"]["needs_redeploy"] == ["vega-api", "vega-worker"]  # type: ignore[index]
    assert _deployments("vega-api") == before
    r = cli("config", "set", "log-level", "warn")
    assert r.exit_code == 0 and "vega-api read this value" in r.stderr and "--redeploy" in r.stderr

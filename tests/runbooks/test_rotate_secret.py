"""runbooks/rotate-secret.toml: value from a file or stdin, redeploy of exactly the referencing services."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from vegaops.runbook.model import builtin_dir, parse

pytestmark = pytest.mark.usefixtures("aws", "project")

VALUE = "rotate-hunter2-new"


def test_rotate_secret_runbook_is_valid() -> None:
    path = builtin_dir() / "rotate-secret.toml"
    book = parse(path.read_text(), path)
    assert [s.uses for s in book.steps] == ["secrets.put", "ecs.force-redeploy", "health.check"]
    assert book.steps[-1].when == "${vars.check_health}"
    assert book.vars["value"].sensitive


def _deployments(service: str) -> list[str]:
    svc = boto3.client("ecs").describe_services(cluster="vega-staging", services=[service])["services"][0]
    return [d["id"] for d in svc["deployments"]]


def test_rotate_from_stdin_then_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sm, ecs = boto3.client("secretsmanager"), boto3.client("ecs")
    arn = sm.create_secret(Name="vega/staging/api-token", SecretString="old")["ARN"]
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {"name": "api", "image": "x", "memory": 64, "secrets": [{"name": "API_TOKEN", "valueFrom": arn}]}
        ],
    )
    ecs.register_task_definition(family="web", containerDefinitions=[{"name": "web", "image": "x", "memory": 64}])
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="api", desiredCount=1)
    ecs.create_service(cluster="vega-staging", serviceName="vega-web", taskDefinition="web", desiredCount=1)
    web, api = _deployments("vega-web"), _deployments("vega-api")

    r = cli("runbook", "plan", "rotate-secret", "--var", "name=api-token", "--var-file", "value=-", input=VALUE)
    assert r.exit_code == 0 and VALUE not in r.output
    assert sm.get_secret_value(SecretId="vega/staging/api-token")["SecretString"] == "old"

    r = cli(
        "runbook",
        "run",
        "rotate-secret",
        "--var",
        "name=api-token",
        "--var-file",
        "value=-",
        "--var",
        "check_health=false",
        input=VALUE + "\n",
    )
    assert r.exit_code == 0, r.output
    assert VALUE not in r.output
    assert sm.get_secret_value(SecretId="vega/staging/api-token", VersionStage="AWSCURRENT")["SecretString"] == VALUE
    redeployed = _deployments("vega-api")
    assert redeployed != api and _deployments("vega-web") == web

    f = tmp_path / "v.txt"
    f.write_text(VALUE)
    r = cli(
        "runbook",
        "run",
        "rotate-secret",
        "--var",
        "name=api-token",
        "--var-file",
        f"value={f}",
        "--var",
        "check_health=false",
    )
    assert r.exit_code == 0 and "2 unchanged" in r.stdout, r.output  # same value: no version, no redeploy
    assert _deployments("vega-api") == redeployed

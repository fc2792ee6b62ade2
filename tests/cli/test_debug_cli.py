"""``vegaops debug`` against moto: secrets that do not resolve, JSON report shape, the pure diagnosis."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.aws_estate import REGION, seed_service

pytestmark = pytest.mark.usefixtures("aws", "project")


def test_unresolvable_secrets_are_listed_and_named_as_a_cause(cli) -> None:  # type: ignore[no-untyped-def]
    sm = boto3.client("secretsmanager", REGION)
    good = sm.create_secret(Name="vega/staging/database-url", SecretString="postgres://x")["ARN"]
    boto3.client("ssm", REGION).put_parameter(Name="/vega/staging/log-level", Value="info", Type="String")
    missing = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:vega/staging/openai-api-key-AbCdEf"
    seed_service(
        secrets=[
            {"name": "DATABASE_URL", "valueFrom": good},
            {"name": "OPENAI_API_KEY", "valueFrom": missing},
            {"name": "LOG_LEVEL", "valueFrom": "/vega/staging/log-level"},
            {
                "name": "REDIS_ADDR",
                "valueFrom": f"arn:aws:ssm:{REGION}:123456789012:parameter/vega/staging/redis-endpoint",
            },
        ]
    )
    r = cli("-o", "json", "debug", "api")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)["data"]
    assert {s["name"] for s in doc["unresolved_secrets"]} == {"OPENAI_API_KEY", "REDIS_ADDR"}
    assert doc["likely_causes"][0]["kind"] == "secrets"
    assert "postgres://x" not in r.stdout
    human = cli("debug", "api")
    assert "Secrets that do not resolve" in human.stdout and "OPENAI_API_KEY" in human.stdout


def test_healthy_service_has_no_cause(cli) -> None:  # type: ignore[no-untyped-def]
    seed_service(desired=0)
    r = cli("debug", "api")
    assert r.exit_code == 0 and "no failure found" in r.stdout


def test_missing_service_exits_3(cli) -> None:  # type: ignore[no-untyped-def]
    boto3.client("ecs", REGION).create_cluster(clusterName="vega-staging")
    assert cli("debug", "api").exit_code == 3


def test_diagnose_ranks_stop_reasons() -> None:
    from vegaops.debug.report import diagnose

    def report(reason: str, codes: dict[str, int], lines: list[str]) -> dict[str, object]:
        return {
            "service": "api",
            "running": 0,
            "desired": 2,
            "current_deployment": None,
            "previous_deployments": [],
            "unhealthy_targets": [],
            "unresolved_secrets": [],
            "stopped_tasks": [
                {
                    "reason": reason,
                    "count": 3,
                    "exit_codes": codes,
                    "tasks": [{"stopped_reason": reason, "last_log_lines": lines}],
                }
            ],
        }

    crash = diagnose(report("Essential container in task exited", {"api=1": 3}, ["api: boom", "api: Error: x"]))
    assert crash[0].kind == "crash" and "Error: x" in crash[0].evidence
    oom = diagnose(report("Essential container in task exited", {"api=137 (OutOfMemoryError: killed)": 3}, []))
    assert oom[0].kind == "oom"
    assert (
        diagnose(report("CannotPullContainerError: failed to resolve ref r/x:v9: not found", {}, []))[0].kind
        == "image-pull"
    )
    assert diagnose(report("Task failed ELB health checks in (target-group t)", {}, []))[0].kind == "unhealthy"
    assert diagnose(report("ResourceInitializationError: unable to pull secrets", {}, []))[0].kind == "secrets"

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
    assert doc["likely_causes"][0]["kind"] == "secret-missing"
    assert "postgres://x" not in r.stdout
    human = cli("debug", "api")
    assert "Secrets that do not resolve" in human.stdout and "OPENAI_API_KEY" in human.stdout


def test_healthy_service_has_no_cause(cli) -> None:  # type: ignore[no-untyped-def]
    seed_service(desired=0)
    r = cli("debug", "api")
    assert r.exit_code == 0 and "healthy: 0/0 running" in r.stdout


def test_missing_service_exits_3(cli) -> None:  # type: ignore[no-untyped-def]
    boto3.client("ecs", REGION).create_cluster(clusterName="vega-staging")
    assert cli("debug", "api").exit_code == 3


def _group(
    reason: str, deployment: str, current: bool, containers: tuple[tuple[str, int | None, str | None], ...]
) -> dict[str, object]:
    from vegaops import diagnosis as dg

    stop = dg.TaskStop(
        "EssentialContainerExited" if "Essential" in reason else "ServiceSchedulerInitiated",
        reason,
        tuple(dg.ContainerState(n, c, r) for n, c, r in containers),
    )
    found = dg.classify_task(stop, "api")
    return {
        "reason": reason,
        "current": current,
        "deployment": deployment,
        "count": 3,
        "exit_codes": {f"{n}={c}": 3 for n, c, _ in containers if c is not None},
        "tasks": [
            {"stopped_reason": reason, "last_log_lines": ["api: Error: x"], "diagnosis": found and found.to_dict()}
        ],
    }


def _report(groups: list[dict[str, object]], running: int = 2, state: str = "COMPLETED") -> dict[str, object]:
    return {
        "service": "api",
        "status": "ACTIVE",
        "running": running,
        "desired": 2,
        "task_definition": "arn:aws:ecs:eu-central-1:1:task-definition/api:3",
        "current_deployment": {"id": "ecs-svc/3", "rollout_state": state},
        "previous_deployments": [],
        "unhealthy_targets": [],
        "unresolved_secrets": [],
        "events": [],
        "stopped_tasks": groups,
    }


def test_causes_come_from_the_current_deployment_and_earlier_failures_are_history() -> None:
    from vegaops.debug.report import diagnose, healthy, history_causes

    elb_old = _group("Task failed ELB health checks in (target-group t)", "ecs-svc/2", False, (("api", 137, None),))
    oom_old = _group(
        "Essential container in task exited", "ecs-svc/1", False, (("api", 137, "OutOfMemoryError: killed"),)
    )
    report = _report([elb_old, oom_old])
    causes = diagnose(report)
    assert causes == [] and healthy(report, causes)  # a healthy service is healthy, whatever happened before
    past = history_causes(report)
    assert {(c.deployment, c.kind) for c in past} == {("ecs-svc/2", "elb-health"), ("ecs-svc/1", "oom")}

    crash_now = _group("Essential container in task exited", "ecs-svc/3", True, (("api", 1, None),))
    report = _report([crash_now, oom_old], running=0, state="IN_PROGRESS")
    causes = diagnose(report)
    assert [c.kind for c in causes] == ["crash"] and "Error: x" in causes[0].evidence
    assert not healthy(report, causes)

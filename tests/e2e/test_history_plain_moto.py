"""``deploy history`` and ``rollback`` against a plain moto server (no sandbox): no ServiceDeployment API
(HTTP 500 with HTML), deployments that never complete. Unknown stays unknown, nothing is guessed, and
the commands still answer with their documented exit codes."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.e2e
IMAGE = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/vega-api@sha256:"


def _estate(moto_url: str) -> Any:
    ecs = boto3.client(
        "ecs", endpoint_url=moto_url, region_name="eu-central-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    ecs.create_cluster(clusterName="vega-staging")
    arns = []
    for rev in (1, 2, 3):
        td = ecs.register_task_definition(
            family="vega-api", containerDefinitions=[{"name": "api", "image": IMAGE + str(rev) * 64, "memory": 64}]
        )
        arns.append(td["taskDefinition"]["taskDefinitionArn"])
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="vega-api:2", desiredCount=1)
    # :1 succeeded under vegaops; :3 was being deployed when the deploy was killed (id recorded, no verdict);
    # with an old vegaops, :3 had copied :1's tags
    ecs.tag_resource(
        resourceArn=arns[0],
        tags=[{"key": "vegaops:outcome", "value": "succeeded"}, {"key": "vegaops:deployment", "value": "ecs-svc/1"}],
    )
    ecs.tag_resource(
        resourceArn=arns[2],
        tags=[{"key": "vegaops:outcome", "value": "unknown"}, {"key": "vegaops:deployment", "value": "ecs-svc/3"}],
    )
    return ecs


def test_history_on_plain_moto_guesses_nothing(run_vegaops: Any, moto_url: str) -> None:
    _estate(moto_url)
    r = run_vegaops("-o", "json", "deploy", "history", "api")
    assert r.exit_code == 0, r.output
    rows = {d["task_definition"]: d for d in json.loads(r.stdout)["data"]["deployments"]}
    assert rows["vega-api:3"]["outcome"] == "unknown"  # nothing in ECS says what became of ecs-svc/3
    assert rows["vega-api:1"]["outcome"] == "succeeded"
    # moto never completes a deployment: the running :2 is in progress, not succeeded
    assert (rows["vega-api:2"]["running"], rows["vega-api:2"]["outcome"]) == (True, "in_progress")


def test_rollback_on_plain_moto(run_vegaops: Any, moto_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")  # (in-process server) the service starts steady
    _estate(moto_url)
    plan = run_vegaops("-o", "json", "--dry-run", "rollback", "api")
    assert plan.exit_code == 0, plan.output
    assert json.loads(plan.stdout)["data"]["task_definition"].endswith("vega-api:1")
    missing = run_vegaops("rollback", "api", "--to", "999")
    assert missing.exit_code == 3, missing.output
    assert "vega-api:999 not found" in missing.stderr


def test_rollback_with_no_known_good_revision_refuses(
    run_vegaops: Any, moto_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "1")
    ecs = _estate(moto_url)
    arn1 = ecs.describe_task_definition(taskDefinition="vega-api:1")["taskDefinition"]["taskDefinitionArn"]
    ecs.tag_resource(resourceArn=arn1, tags=[{"key": "vegaops:outcome", "value": "rolled_back"}])
    r = run_vegaops("rollback", "api")
    assert r.exit_code == 8, r.output
    assert "vega-api:1 rolled_back" in r.stderr and "--to REVISION" in r.stderr

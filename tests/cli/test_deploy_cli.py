"""vegaops deploy/status/history/unlock on in-process moto: refusals before any change, dry run, idempotence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.steps.test_ecr_steps import manifest

pytestmark = pytest.mark.usefixtures("aws")

CONFIG = """
[project]
name = "vega"
region = "eu-central-1"
default_env = "staging"

[env.staging]
cluster = "vega-staging"
source_repo_prefix = "staging/"

[env.prod]
cluster = "vega-staging"
tag_rule = "-stable$"

[service.api]
ecs_service = "vega-api"
container = "api"
ecr_repo = "vega-api"
"""


@pytest.fixture
def estate(project: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("MOTO_ECS_SERVICE_RUNNING", "2")
    (project / "vegaops.toml").write_text(CONFIG)
    ecr = boto3.client("ecr")
    digests = {}
    for repo in ("vega-api", "staging/vega-api"):
        ecr.create_repository(repositoryName=repo)
    for repo, tag, layer in (
        ("vega-api", "v1-stable", "a"),
        ("vega-api", "v2-stable", "b"),
        ("staging/vega-api", "v3-stable", "c"),
    ):
        r = ecr.put_image(repositoryName=repo, imageManifest=manifest(layer), imageTag=tag)
        digests[tag] = r["image"]["imageId"]["imageDigest"]
    host = "123456789012.dkr.ecr.eu-central-1.amazonaws.com"
    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="vega-api",
        containerDefinitions=[{"name": "api", "image": f"{host}/vega-api@{digests['v1-stable']}", "memory": 512}],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="vega-api:1", desiredCount=2)
    return {"digests": digests, "ecs": ecs}


def _revisions(estate: dict[str, Any]) -> int:
    return len(estate["ecs"].list_task_definitions(familyPrefix="vega-api")["taskDefinitionArns"])


def test_tag_rule_refuses_before_any_change(cli: Any, estate: dict[str, Any]) -> None:
    r = cli("--env", "prod", "deploy", "--tag", "v2-rc1", "api")
    assert r.exit_code == 2, r.output
    assert "tag rule" in r.stderr and "-stable$" in r.stderr
    assert _revisions(estate) == 1


def test_missing_everywhere_is_exit_3_naming_repositories(cli: Any, estate: dict[str, Any]) -> None:
    r = cli("deploy", "--tag", "v9-stable", "api")
    assert r.exit_code == 3, r.output
    assert "searched: vega-api, staging/vega-api" in r.stderr


def test_preflight_missing_service_is_8(cli: Any, estate: dict[str, Any], project: Path) -> None:
    r = cli("-o", "json", "deploy", "--tag", "v2-stable", "vega-nope")
    assert r.exit_code == 8, r.output
    envelope = json.loads(r.stdout.splitlines()[-1])
    assert envelope["exit_code"] == 8 and "not found" in envelope["errors"][0]["message"]


def test_already_deployed_is_exit_0_and_changes_nothing(cli: Any, estate: dict[str, Any]) -> None:
    r = cli("-o", "json", "deploy", "--tag", "v1-stable", "api")
    assert r.exit_code == 0, r.output
    envelope = json.loads(r.stdout)
    assert envelope["status"] == "unchanged"
    assert envelope["data"]["services"][0]["already_deployed"] is True
    assert _revisions(estate) == 1


def test_dry_run_shows_the_task_definition_diff_and_changes_nothing(cli: Any, estate: dict[str, Any]) -> None:
    r = cli("deploy", "--tag", "v2-stable", "api", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "containerDefinitions[api].image" in r.stderr
    assert estate["digests"]["v2-stable"] in r.stderr
    assert "dry run" in r.stdout
    assert _revisions(estate) == 1


def test_lock_held_is_exit_8_naming_the_holder(cli: Any, estate: dict[str, Any]) -> None:
    boto3.client("ssm").put_parameter(
        Name="/vegaops/locks/staging/deploy/vega-api",
        Type="String",
        Overwrite=False,
        Value=json.dumps(
            {"who": "alice@ci", "at": "2026-01-01T00:00:00+00:00", "tag": "v0", "expires": "2999-01-01T00:00:00+00:00"}
        ),
    )
    r = cli("deploy", "--tag", "v2-stable", "api")
    assert r.exit_code == 8, r.output
    assert "alice@ci" in r.stderr
    assert _revisions(estate) == 1
    r = cli("deploy", "unlock", "api")
    assert r.exit_code == 0 and "alice@ci" in r.stdout


def test_status_and_history(cli: Any, estate: dict[str, Any]) -> None:
    r = cli("-o", "json", "status")
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)["data"]["services"][0]
    assert (row["service"], row["task_definition"], row["running"]) == ("vega-api", "vega-api:1", 2)
    assert json.loads(r.stdout)["data"]["api_calls"]["ecs"]["describe_services"] == 1
    r = cli("-o", "json", "deploy", "history", "api")
    assert r.exit_code == 0, r.output
    row = json.loads(r.stdout)["data"]["deployments"][0]
    # never tagged, but its deployment completed and the service runs it: resolved from ECS
    assert (row["outcome"], row["outcome_source"], row["running"]) == ("succeeded", "ecs:DescribeServices", True)
    assert cli("status", "vega-nope").exit_code == 3

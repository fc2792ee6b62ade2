"""``vegaops image promote`` and ``vegaops image list`` in-process against moto."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

pytestmark = pytest.mark.usefixtures("aws")

CONFIG = """\
[project]
name = "vega"
region = "eu-central-1"
default_env = "staging"

[env.staging]
cluster = "vega-staging"

[env.prod]
cluster = "vega-prod"

[env.broken]
cluster = "vega-broken"
profile = "no-such-profile"

[service.api]
ecs_service = "vega-api"
container = "api"
ecr_repo = "vega-api"

[env.staging.service.api]
ecr_repo = "staging/vega-api"
"""


def manifest(layer: str) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 7,
                "digest": "sha256:" + "c" * 64,
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 9,
                    "digest": "sha256:" + layer * 64,
                }
            ],
        }
    )


@pytest.fixture
def estate(project: Path) -> dict[str, Any]:
    (project / "vegaops.toml").write_text(CONFIG)
    ecr = boto3.client("ecr")
    ecs = boto3.client("ecs")
    ecr.create_repository(repositoryName="staging/vega-api")
    ecr.create_repository(repositoryName="vega-api", imageTagMutability="IMMUTABLE")
    digests = {}
    for tag, layer in (("sha-abc123", "a"), ("v1.3.0", "b")):
        r = ecr.put_image(repositoryName="staging/vega-api", imageManifest=manifest(layer), imageTag=tag)
        digests[tag] = r["image"]["imageId"]["imageDigest"]
    host = "123456789012.dkr.ecr.eu-central-1.amazonaws.com"
    for cluster, image in (
        ("vega-staging", f"{host}/staging/vega-api:sha-abc123"),
        ("vega-prod", f"{host}/vega-api@{digests['v1.3.0']}"),
    ):
        ecs.create_cluster(clusterName=cluster)
        td = ecs.register_task_definition(
            family="vega-api", containerDefinitions=[{"name": "api", "image": image, "memory": 512}]
        )["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster=cluster, serviceName="vega-api", taskDefinition=td, desiredCount=1)
    return digests


def test_promote_env_to_env_same_digest_then_noop(cli: Any, estate: dict[str, str]) -> None:
    r = cli("--output", "json", "--yes", "image", "promote", "v1.3.0", "--from", "staging", "--to", "prod")
    assert r.exit_code == 0, r.output
    env = json.loads(r.stdout)
    assert env["status"] == "changed" and env["data"]["digest"] == estate["v1.3.0"]
    got = boto3.client("ecr").describe_images(repositoryName="vega-api", imageIds=[{"imageTag": "v1.3.0"}])
    assert got["imageDetails"][0]["imageDigest"] == estate["v1.3.0"]
    again = cli("image", "promote", "v1.3.0", "--from", "staging", "--to", "prod")
    assert again.exit_code == 0 and "already there" in again.stdout


def test_promote_repo_names_with_new_tag_and_clash(cli: Any, estate: dict[str, str]) -> None:
    r = cli("image", "promote", "sha-abc123", "--from", "staging/vega-api", "--to", "vega-api", "--as", "live")
    assert r.exit_code == 0, r.output
    assert "promote staging/vega-api:sha-abc123 -> vega-api:live" in r.stdout
    clash = cli("image", "promote", "v1.3.0", "--from", "staging/vega-api", "--to", "vega-api", "--as", "live")
    assert clash.exit_code == 8 and "IMMUTABLE" in clash.stderr


def test_promote_dry_run_and_missing(cli: Any, estate: dict[str, str]) -> None:
    r = cli("image", "promote", "v1.3.0", "--from", "staging", "--to", "prod", "--dry-run")
    assert r.exit_code == 0 and "dry run" in r.stdout
    assert boto3.client("ecr").describe_images(repositoryName="vega-api")["imageDetails"] == []
    missing = cli("image", "promote", "v9", "--from", "staging", "--to", "prod")
    assert missing.exit_code == 3 and "tag 'v9' not found" in missing.stderr
    other = cli("image", "promote", "v1.3.0", "--from", "staging", "--to", "broken")
    assert other.exit_code == 4 and "no-such-profile" in other.stderr


def test_list_shows_images_and_what_each_env_runs(cli: Any, estate: dict[str, str]) -> None:
    r = cli("--output", "json", "image", "list", "api")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)["data"]
    assert data["repository"] == "staging/vega-api"
    by_tag = {i["tags"][0]: i for i in data["images"]}
    assert set(by_tag) == {"sha-abc123", "v1.3.0"}
    assert by_tag["sha-abc123"]["running_in"] == ["staging"]
    assert by_tag["v1.3.0"]["running_in"] == ["prod"]
    envs = {e["env"]: e for e in data["environments"]}
    assert envs["staging"]["tag"] == "sha-abc123" and envs["staging"]["digest"] == estate["sha-abc123"]
    assert envs["prod"]["digest"] == estate["v1.3.0"] and envs["prod"]["error"] is None
    assert "no-such-profile" in envs["broken"]["error"]
    human = cli("image", "list", "api")
    assert human.exit_code == 0
    lines = human.stdout.splitlines()
    assert any(line.startswith("sha-abc123") and line.rstrip().endswith("staging") for line in lines), human.stdout
    assert any(line.startswith("broken") and "no-such-profile" in line for line in lines)
    assert "could not read what runs in: broken" in human.stderr


def test_list_unknown_repo_is_not_found(cli: Any, estate: dict[str, str]) -> None:
    r = cli("--env", "prod", "image", "list", "api")
    assert r.exit_code == 0  # prod's repository exists (empty)
    assert "no images in vega-api" in r.stdout
    boto3.client("ecr").delete_repository(repositoryName="vega-api")
    gone = cli("--env", "prod", "image", "list", "api")
    assert gone.exit_code == 3 and "repository 'vega-api' does not exist" in gone.stderr


def test_list_names_the_running_tag_status_shows(cli: Any, estate: dict[str, str]) -> None:
    """An image pinned by digest runs a tag: ECR's tags for that digest, or the revision's vegaops:tag."""
    data = json.loads(cli("--output", "json", "image", "list", "api").stdout)["data"]
    envs = {e["env"]: e for e in data["environments"]}
    assert envs["prod"]["tag"] == "v1.3.0"  # from ECR: the digest's tag
    ecs = boto3.client("ecs")
    host = "123456789012.dkr.ecr.eu-central-1.amazonaws.com"
    td = ecs.register_task_definition(
        family="vega-api",
        containerDefinitions=[{"name": "api", "image": f"{host}/vega-api@sha256:{'e' * 64}", "memory": 512}],
        tags=[{"key": "vegaops:tag", "value": "v1.4.0-stable"}],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.update_service(cluster="vega-prod", service="vega-api", taskDefinition=td)
    human = cli("image", "list", "api")
    prod = next(line for line in human.stdout.splitlines() if line.startswith("prod "))
    assert "v1.4.0-stable" in prod, human.stdout  # the release tag of the revision, as status shows it

"""The sandbox registry: push to the real registry, ECR (moto over HTTP) reports the same digest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.images.imagegen import write_docker_archive, write_oci
from tests.images.test_push_client import registry_digest
from vegaops.sandbox import registry as sandbox_registry


@pytest.fixture
def sandbox_reg(moto_url: str, tmp_path: Path) -> Iterator[sandbox_registry.SandboxRegistry]:
    if not sandbox_registry.available():
        pytest.skip("docker-registry binary not installed (apt-get install docker-registry)")
    reg = sandbox_registry.start(tmp_path / "reg", moto_url, credentials=("testing", "testing"))
    yield reg
    reg.stop()


def test_push_is_mirrored_into_ecr_with_the_same_digest(
    cli: Any, project: Path, sandbox_reg: sandbox_registry.SandboxRegistry
) -> None:
    cfg = (
        (project / "vegaops.toml")
        .read_text()
        .replace('cluster = "vega-staging"', f'cluster = "vega-staging"\necr_registry = "{sandbox_reg.host}"')
    )
    (project / "vegaops.toml").write_text(cfg)
    ecr = boto3.client("ecr")
    ecr.create_repository(repositoryName="vega-api")
    digest = write_oci(project / "img", [20_000, 3_000], label="mirror")
    r = cli("--output", "json", "image", "push", "api", "--tag", "v2", "--source", f"oci:{project / 'img'}")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["data"]["digest"] == digest == registry_digest(sandbox_reg.registry, "vega-api", "v2")
    assert sandbox_reg.mirror.wait_for("vega-api", "v2", digest), sandbox_reg.mirror.errors
    got = ecr.describe_images(repositoryName="vega-api", imageIds=[{"imageTag": "v2"}])["imageDetails"][0]
    assert got["imageDigest"] == digest
    # ECR now knows it: the next push is an empty plan
    again = cli("image", "push", "api", "--tag", "v2", "--source", f"oci:{project / 'img'}")
    assert again.exit_code == 0 and "already present" in again.stdout
    # a docker-archive into a repository the sandbox ECR does not have yet: created by the mirror
    write_docker_archive(project / "w.tar", [5_000], label="mirror-archive")
    from vegaops.images.registry import RegistryClient, push_image
    from vegaops.images.source import load_source

    src = load_source("docker-archive", str(project / "w.tar"))
    report = push_image(RegistryClient(sandbox_reg.url), "vega-new", "n1", src)
    assert sandbox_reg.mirror.wait_for("vega-new", "n1", report.digest), sandbox_reg.mirror.errors
    assert ecr.describe_images(repositoryName="vega-new")["imageDetails"][0]["imageDigest"] == report.digest


def test_promote_between_registries_copies_blobs_same_digest(
    cli: Any, project: Path, moto_url: str, tmp_path: Path
) -> None:
    """Two environments whose ECR registries differ: promote copies blobs over the registry API."""
    if not sandbox_registry.available():
        pytest.skip("docker-registry binary not installed (apt-get install docker-registry)")
    staging = sandbox_registry.start(tmp_path / "staging", moto_url, credentials=("testing", "testing"))
    prod = sandbox_registry.start(tmp_path / "prod", moto_url, credentials=("testing", "testing"))
    try:
        (project / "vegaops.toml").write_text(f"""\
[project]
name = "vega"
region = "eu-central-1"

[env.staging]
cluster = "vega-staging"
ecr_registry = "{staging.host}"

[env.prod]
cluster = "vega-prod"
ecr_registry = "{prod.host}"

[service.api]
ecs_service = "vega-api"
ecr_repo = "vega-api"

[env.staging.service.api]
ecr_repo = "staging/vega-api"
""")
        ecr = boto3.client("ecr")
        ecr.create_repository(repositoryName="staging/vega-api")
        ecr.create_repository(repositoryName="vega-api", imageTagMutability="IMMUTABLE")
        digest = write_oci(project / "img", [40_000, 5_000], label="cross")
        r = cli("--env", "staging", "image", "push", "api", "--tag", "v1.3.0", "--source", f"oci:{project / 'img'}")
        assert r.exit_code == 0, r.output
        assert staging.mirror.wait_for("staging/vega-api", "v1.3.0", digest), staging.mirror.errors
        p = cli("--yes", "--output", "json", "image", "promote", "v1.3.0", "--from", "staging", "--to", "prod")
        assert p.exit_code == 0, p.output
        assert json.loads(p.stdout)["data"]["digest"] == digest
        assert registry_digest(prod.registry, "vega-api", "v1.3.0") == digest
        assert prod.mirror.wait_for("vega-api", "v1.3.0", digest), prod.mirror.errors
        again = cli("image", "promote", "v1.3.0", "--from", "staging", "--to", "prod")
        assert again.exit_code == 0 and "already there" in again.stdout
    finally:
        staging.stop()
        prod.stop()

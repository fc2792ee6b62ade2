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
        cli: Any, project: Path, sandbox_reg: sandbox_registry.SandboxRegistry) -> None:
    cfg = (project / "vegaops.toml").read_text().replace(
        'cluster = "vega-staging"', f'cluster = "vega-staging"\necr_registry = "{sandbox_reg.host}"')
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

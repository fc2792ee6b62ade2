"""build -> push -> ECR in the real sandbox process: its docker-registry mirrors pushes into its ECR."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.images.imagegen import write_oci
from vegaops.images import localregistry
from vegaops.sandbox.process import Handle
from vegaops.sandbox.state import read_state

pytestmark = pytest.mark.skipif(localregistry.available() is None,
                                reason="docker-registry binary not installed (apt-get install docker-registry)")


def wait_for_digest(ecr: Any, repo: str, tag: str, timeout: float = 15.0) -> str | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            details = ecr.describe_images(repositoryName=repo, imageIds=[{"imageTag": tag}])["imageDetails"]
            return str(details[0]["imageDigest"])
        except ecr.exceptions.ImageNotFoundException:
            time.sleep(0.1)
    return None


def test_push_to_sandbox_lands_in_its_ecr_with_the_same_digest(
        sandbox: Handle, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    state = read_state(sandbox.state_file)
    assert state is not None and state.registry and state.registry.startswith("127.0.0.1:")
    digest = write_oci(tmp_path / "img", [30_000, 4_000], label="sandbox-e2e")
    r = cli("--env", "sandbox", "--output", "json", "image", "push", "api", "--tag", "v2.0.0",
            "--source", f"oci:{tmp_path / 'img'}")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["data"]["digest"] == digest
    env = sandbox.env()
    ecr = boto3.client("ecr", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="eu-central-1",
                       aws_access_key_id="sandbox", aws_secret_access_key="sandbox")
    assert wait_for_digest(ecr, "vega-api", "v2.0.0") == digest
    again = cli("--env", "sandbox", "image", "push", "api", "--tag", "v2.0.0", "--source", f"oci:{tmp_path / 'img'}")
    assert again.exit_code == 0 and "already present" in again.stdout
    # promote the seeded staging-only tag and list what runs
    p = cli("--env", "sandbox", "image", "promote", "v1.3.0-stable", "--from", "staging/vega-api", "--to", "vega-api")
    assert p.exit_code == 0, p.output
    listing = cli("--env", "sandbox", "--output", "json", "image", "list", "api")
    data = json.loads(listing.stdout)["data"]
    tags = {t for i in data["images"] for t in i["tags"]}
    assert {"v2.0.0", "v1.3.0-stable", "v1.2.2-stable"} <= tags
    running = {e["env"]: e for e in data["environments"]}["sandbox"]
    assert running["error"] is None and running["digest"]
    assert any("sandbox" in i["running_in"] and "v1.2.2-stable" in i["tags"] for i in data["images"])

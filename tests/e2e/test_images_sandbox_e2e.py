"""build -> push -> ECR in the real sandbox process: its docker-registry mirrors pushes into its ECR."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.images.imagegen import write_oci
from vegaops.images import localregistry
from vegaops.sandbox.process import Handle
from vegaops.sandbox.state import read_state

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        localregistry.available() is None,
        reason="docker-registry binary not installed (apt-get install docker-registry)",
    ),
]


def test_push_to_sandbox_lands_in_its_ecr_with_the_same_digest(
    sandbox: Handle, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    state = read_state(sandbox.state_file)
    assert state is not None and state.registry and state.registry.startswith("127.0.0.1:")
    digest = write_oci(tmp_path / "img", [30_000, 4_000], label="sandbox-e2e")
    r = cli(
        "--env",
        "sandbox",
        "--output",
        "json",
        "image",
        "push",
        "api",
        "--tag",
        "v2.0.0",
        "--source",
        f"oci:{tmp_path / 'img'}",
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["data"]["digest"] == digest
    env = sandbox.env()  # the push step waited for the mirror: ECR reports it already
    ecr = boto3.client(
        "ecr",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    assert (
        ecr.describe_images(repositoryName="vega-api", imageIds=[{"imageTag": "v2.0.0"}])["imageDetails"][0][
            "imageDigest"
        ]
        == digest
    )
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


RUNBOOK = """\
name = "ship"
description = "push a build into the staging repository, then promote it under a release tag"

[vars.source]
description = "oci:PATH of the build"

[[steps]]
id = "push"
uses = "ecr.push"
with = { repository = "staging/vega-worker", tag = "build-7", source = "${vars.source}", jobs = 2 }

[[steps]]
id = "release"
uses = "ecr.promote"
with = { tag = "build-7", source_repository = "staging/vega-worker", repository = "vega-worker", new_tag = "v7.0.0" }
"""


def test_push_then_promote_runbook_in_the_sandbox(
    sandbox: Handle, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runbooks").mkdir()
    (tmp_path / "runbooks" / "ship.toml").write_text(RUNBOOK)
    digest = write_oci(tmp_path / "img", [12_000], label="sandbox-runbook")
    args = (
        "--env",
        "sandbox",
        "--yes",
        "-o",
        "json",
        "runbook",
        "run",
        "ship",
        "--var",
        f"source=oci:{tmp_path / 'img'}",
    )
    r = cli(*args)
    assert r.exit_code == 0, r.output
    steps = json.loads(r.stdout)["data"]["steps"]
    assert [s["status"] for s in steps] == ["done", "done"]
    assert steps[0]["outputs"]["digest"] == steps[1]["outputs"]["digest"] == digest
    again = json.loads(cli(*args).stdout)
    assert again["status"] == "unchanged"

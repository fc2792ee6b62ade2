"""Timeout (exit 6) and re-attaching to the deployment in flight, on a sandbox at real speed (a rollout
takes seconds, so the deployment is still in flight when vegaops comes back)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from vegaops.sandbox.process import Handle, start

pytestmark = pytest.mark.e2e


@pytest.fixture
def slow_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Handle]:
    state_dir = tmp_path / "state"
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(state_dir))
    monkeypatch.chdir(tmp_path)
    handle = start(speed=1.0, state_dir=state_dir)
    try:
        yield handle
    finally:
        handle.stop()


def test_timeout_is_6_and_both_watch_and_rerun_reattach(cli: Any, slow_sandbox: Handle) -> None:
    r = cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "api", "--timeout", "1")
    assert r.exit_code == 6, r.output
    assert "timed out after 1s waiting for deployment ecs-svc/" in r.stderr
    assert "re-attach with: vegaops --env sandbox deploy watch vega-api" in r.stderr
    other = cli("--env", "sandbox", "deploy", "--tag", "v1.3.0-stable", "api")
    assert other.exit_code == 8, other.output  # preflight: another deployment is in progress
    assert "another deployment in progress" in other.stderr and "--wait-for-other" in other.stderr
    w = cli("--env", "sandbox", "deploy", "watch", "api", "--timeout", "0.5")
    assert w.exit_code == 6, w.output
    assert "watch vega-api deployment ecs-svc/" in w.stderr
    again = cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "api")
    assert again.exit_code == 0, again.output
    assert "in flight; re-attaching" in again.stderr
    client = boto3.client(
        "ecs",
        endpoint_url=slow_sandbox.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    assert len(client.list_task_definitions(familyPrefix="vega-api")["taskDefinitionArns"]) == 2
    svc = client.describe_services(cluster="vega-sandbox", services=["vega-api"])["services"][0]
    assert svc["taskDefinition"].endswith("vega-api:2") and len(svc["deployments"]) == 1


def test_wait_for_other(cli: Any, slow_sandbox: Handle) -> None:
    assert cli("--env", "sandbox", "deploy", "--tag", "v1.2.3-stable", "worker", "--timeout", "1").exit_code == 6
    r = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.3.0-stable", "worker", "--wait-for-other")
    assert r.exit_code == 0, r.output
    client = boto3.client(
        "ecs",
        endpoint_url=slow_sandbox.endpoint,
        region_name="eu-central-1",
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    svc = client.describe_services(cluster="vega-sandbox", services=["vega-worker"])["services"][0]
    assert svc["taskDefinition"].endswith("vega-worker:3")

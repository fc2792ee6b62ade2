"""A deploy that stops part-way says exactly what it changed, what it did not, and the command that finishes
it; running that command finishes it without registering anything twice (the sandbox, a real process)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e

DEPLOY = ["--env", "sandbox", "--yes", "deploy", "--tag", "v1.2.3-stable", "api", "worker"]


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "vegaops", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=env,
        check=False,
    )


def _revisions(sandbox: Handle) -> dict[str, int]:
    import boto3

    env = sandbox.env()
    ecs = boto3.client(
        "ecs",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    return {
        f: len(ecs.list_task_definitions(familyPrefix=f)["taskDefinitionArns"]) for f in ("vega-api", "vega-worker")
    }


def test_a_deploy_stopped_part_way_says_what_changed_and_how_to_finish(sandbox: Handle, tmp_path: Path) -> None:
    before = _revisions(sandbox)
    admin.inject_errors(sandbox.endpoint, "UpdateService", code="AccessDeniedException", status=400, count=1)
    r = _run(tmp_path, *DEPLOY)
    assert r.returncode == 4, r.stderr
    lines = r.stderr.splitlines()
    # every revision is registered before any service is deployed: the failure left every service as it was
    assert any(line.startswith("changed: register vega-api revision") for line in lines), r.stderr
    assert any(line.startswith("changed: register vega-worker revision") for line in lines), r.stderr
    assert any(line.startswith("not changed: deploy vega-api") for line in lines), r.stderr
    assert any(line.startswith("not changed: deploy vega-worker") for line in lines), r.stderr
    assert (
        "to finish (steps already done plan nothing): vegaops --env sandbox deploy --tag v1.2.3-stable api worker"
        in r.stderr
    )
    assert "to undo" not in r.stderr  # nothing was deployed, so there is nothing to roll back
    assert "nothing was changed" not in r.stderr
    assert _revisions(sandbox) == {f: n + 1 for f, n in before.items()}

    finish = _run(tmp_path, *DEPLOY)
    assert finish.returncode == 0, finish.stderr
    assert _revisions(sandbox) == {f: n + 1 for f, n in before.items()}  # the revisions registered are reused

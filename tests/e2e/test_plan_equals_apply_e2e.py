"""Plan = apply on the sandbox: what ``--dry-run`` / ``runbook plan`` lists is exactly what the run changes,
checked against the AWS write calls the sandbox recorded; and a health gate after a redeploy waits for the
new deployments (a crash-looping redeploy is never "healthy" on the old tasks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox_fixtures import client as _client
from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e

WRITES = (
    "ecs:RegisterTaskDefinition",
    "ecs:UpdateService",
    "ecr:PutImage",
    "secretsmanager:PutSecretValue",
    "secretsmanager:CreateSecret",
)
SERVICES = ["vega-api", "vega-checkout", "vega-llm-proxy", "vega-search", "vega-worker"]


@pytest.fixture
def sbx(sandbox_module: Handle, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Handle]:
    admin.reset(sandbox_module.endpoint)
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(sandbox_module.state_file.parent))
    monkeypatch.chdir(tmp_path)
    yield sandbox_module


def _envelope(stdout: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(stdout.strip().splitlines()[-1])
    return result


def _writes(h: Handle) -> dict[str, int]:
    counts = admin.call_counts(h.endpoint)
    return {op: counts[op] for op in WRITES if counts.get(op)}


def _listed(envelope: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c["action"], c["target"], c["summary"]) for c in envelope["changes"]]


def test_deploy_dry_run_lists_exactly_what_deploy_changes(cli: Any, sbx: Handle) -> None:
    admin.reset_counts(sbx.endpoint)
    plan = cli("--env", "sandbox", "-o", "json", "--dry-run", "deploy", "--tag", "v1.2.3-stable", "api")
    assert plan.exit_code == 0, plan.output
    planned = _envelope(plan.stdout)
    assert _writes(sbx) == {}  # a dry run writes nothing
    actions = [(c["action"], c["target"]) for c in planned["changes"]]
    assert actions == [("create", "vega-api:2"), ("deploy", "vega-api")], actions  # not "already runs"
    deploy = planned["changes"][1]
    assert deploy["detail"]["task_definition"] == {"from": "vega-api:1", "to": "vega-api:2"}

    run = cli("--env", "sandbox", "-o", "json", "deploy", "--tag", "v1.2.3-stable", "api")
    assert run.exit_code == 0, run.output
    applied = _envelope(run.stdout)
    assert _listed(applied) == _listed(planned)
    writes = _writes(sbx)
    assert writes == {"ecs:RegisterTaskDefinition": 1, "ecs:UpdateService": 1}, writes
    assert applied["data"]["services"][0]["new_task_definition"].endswith("vega-api:2")


def test_rotate_secret_plan_lists_exactly_what_run_changes(cli: Any, sbx: Handle) -> None:
    args = ("runbook", "rotate-secret", "--var", "name=database-url", "--var-file", "value=-")
    plan = cli("--env", "sandbox", "-o", "json", args[0], "plan", *args[1:], input="postgres://rotated-1")
    assert plan.exit_code == 0, plan.output
    planned = _envelope(plan.stdout)
    assert _writes(sbx) == {} or "ecs:UpdateService" not in _writes(sbx)
    admin.reset_counts(sbx.endpoint)
    redeploys = sorted(c["target"] for c in planned["changes"] if c["action"] == "deploy")
    assert redeploys == SERVICES, planned["changes"]  # not "nothing to do"

    run = cli("--env", "sandbox", "-o", "json", args[0], "run", *args[1:], input="postgres://rotated-1")
    assert run.exit_code == 0, run.output
    applied = _envelope(run.stdout)
    mutations = [c for c in _listed(applied) if c[0] != "check"]  # the health gate only waits and reads
    assert mutations == _listed(planned)
    assert _writes(sbx) == {"secretsmanager:PutSecretValue": 1, "ecs:UpdateService": len(SERVICES)}
    steps = {s["id"]: s for s in applied["data"]["steps"]}
    deployments = steps["redeploy"]["outputs"]["deployments"]
    assert sorted(deployments) == SERVICES
    # the gate waited for exactly those deployments (the new tasks), then checked health
    waited = {c["target"]: c["detail"]["deployment"] for c in steps["health"]["changes"]}
    assert waited == deployments
    ecs = _client(sbx, "ecs")
    for svc in ecs.describe_services(cluster="vega-sandbox", services=SERVICES)["services"]:
        (dep,) = svc["deployments"]
        assert (dep["id"], dep["rolloutState"]) == (deployments[svc["serviceName"]], "COMPLETED")

    again = cli("--env", "sandbox", "-o", "json", args[0], "plan", *args[1:], input="postgres://rotated-1")
    assert again.exit_code == 0 and _envelope(again.stdout)["changes"] == [], again.output  # idempotent


def test_health_gate_after_a_crash_looping_redeploy_is_never_healthy(sbx: Handle, tmp_path: Path) -> None:
    admin.set_fault(sbx.endpoint, "vega-api", "crash")  # every new task of vega-api crashes
    value = tmp_path / "value.txt"
    value.write_text("postgres://rotated-2")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vegaops",
            "--env",
            "sandbox",
            "runbook",
            "run",
            "rotate-secret",
            "--var",
            "name=database-url",
            "--var-file",
            f"value={value}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ),
    )
    ecs = _client(sbx, "ecs")
    deadline = time.monotonic() + 60
    try:
        # Wait (on ECS state, not a timer) until the breaker gives up on the new tasks, then let the
        # rollback's tasks start again so that the rollback completes.
        while proc.poll() is None and time.monotonic() < deadline:
            items = ecs.list_service_deployments(cluster="vega-sandbox", service="vega-api")["serviceDeployments"]
            if any(str(i["status"]).startswith("ROLLBACK") for i in items):
                admin.clear_faults(sbx.endpoint)
                break
            time.sleep(0.05)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 5, err  # the redeploy was rolled back: never "healthy" on the old tasks
    assert "vega-api" in err and "rolled back" in err

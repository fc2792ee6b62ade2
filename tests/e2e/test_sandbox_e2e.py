"""The real sandbox process: up, seeded estate over HTTP, admin API, status/env, down leaves nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox_fixtures import sandbox_client
from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle
from vegaops.sandbox.state import load, pid_alive


def test_seeded_estate_over_http(sandbox: Handle) -> None:
    ecs: Any = sandbox_client(sandbox, "ecs")
    services = ecs.describe_services(cluster="vega-sandbox", services=["vega-api", "vega-worker", "vega-llm-proxy"])
    assert {s["serviceName"]: (s["runningCount"], s["desiredCount"]) for s in services["services"]} == {
        "vega-api": (2, 2), "vega-worker": (2, 2), "vega-llm-proxy": (2, 2)}
    ecr: Any = sandbox_client(sandbox, "ecr")
    tags = {t for i in ecr.describe_images(repositoryName="vega-api")["imageDetails"] for t in i.get("imageTags", [])}
    assert {"v1.2.2-stable", "v1.2.3-stable", "v1.2.4-crash"} <= tags
    sm: Any = sandbox_client(sandbox, "secretsmanager")
    names = {s["Name"] for s in sm.list_secrets()["SecretList"]}
    assert {"vega/sandbox/database-url", "vega/sandbox/management-token", "vega/sandbox/openai-api-key"} <= names
    ssm: Any = sandbox_client(sandbox, "ssm")
    params = {p["Name"] for p in ssm.get_parameters_by_path(Path="/vega/sandbox/")["Parameters"]}
    assert "/vega/sandbox/log-level" in params
    logs: Any = sandbox_client(sandbox, "logs")
    assert logs.filter_log_events(logGroupName="/ecs/vega-api", interleaved=True)["events"]
    elb: Any = sandbox_client(sandbox, "elbv2")
    tg = elb.describe_target_groups(Names=["vega-api-tg"])["TargetGroups"][0]
    assert tg["HealthCheckPath"] == "/v1/health"
    health = elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]
    assert [h["TargetHealth"]["State"] for h in health] == ["healthy", "healthy"]


def test_update_service_to_the_good_tag_completes_within_30s(sandbox: Handle) -> None:
    ecs: Any = sandbox_client(sandbox, "ecs")
    r = ecs.update_service(cluster="vega-sandbox", service="vega-worker", forceNewDeployment=True)
    ours = next(d["id"] for d in r["service"]["deployments"] if d["status"] == "PRIMARY")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        s = ecs.describe_services(cluster="vega-sandbox", services=["vega-worker"])["services"][0]
        if [(d["id"], d["rolloutState"]) for d in s["deployments"]] == [(ours, "COMPLETED")]:
            assert s["runningCount"] == s["desiredCount"] == 2
            break
        time.sleep(0.1)
    else:
        pytest.fail("the deployment did not complete within 30 s")
    deployments = ecs.list_service_deployments(cluster="vega-sandbox", service="vega-worker")["serviceDeployments"]
    assert deployments[0]["status"] == "SUCCESSFUL"
    assert deployments[0]["serviceDeploymentArn"].endswith(ours.rsplit("/", 1)[-1])


def test_admin_counts_calls_and_injects_errors(sandbox: Handle) -> None:
    import boto3
    from botocore.config import Config

    admin.reset_counts(sandbox.endpoint)
    admin.inject_errors(sandbox.endpoint, "ListClusters", count=2)
    env = sandbox.env()
    ecs = boto3.client("ecs", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="eu-central-1",
                       aws_access_key_id="sandbox", aws_secret_access_key="sandbox",
                       config=Config(retries={"mode": "standard", "max_attempts": 5}))
    assert ecs.list_clusters()["clusterArns"]  # two throttles, retried by botocore, then the answer
    assert admin.call_counts(sandbox.endpoint)["ecs:ListClusters"] == 3


def test_health_endpoint_follows_faults(sandbox: Handle) -> None:
    import urllib.error
    import urllib.request

    with urllib.request.urlopen(f"{sandbox.endpoint}/_sandbox/health/api", timeout=5) as r:
        assert json.loads(r.read())["status"] == "ok"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{sandbox.endpoint}/_sandbox/health/nope", timeout=5)
    assert err.value.code == 404


def test_cli_up_is_idempotent_status_env_and_down(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "state"
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(state))
    exe = [sys.executable, "-m", "vegaops"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*exe, *args], capture_output=True, text=True, timeout=120, check=False,
                              env=dict(os.environ), cwd=tmp_path)

    missing = run("--env", "sandbox", "status")
    assert missing.returncode == 2 and "vegaops sandbox up" in missing.stderr
    up = run("sandbox", "up", "--speed", "20")
    try:
        assert up.returncode == 0, up.stderr
        first = load(state)
        assert first is not None and pid_alive(first.pid)
        again = run("sandbox", "up")
        assert again.returncode == 0 and "already runs" in again.stdout
        assert load(state) == first
        exports = run("sandbox", "env").stdout
        assert f"export AWS_ENDPOINT_URL={first.endpoint}" in exports
        status = run("-o", "json", "sandbox", "status")
        assert json.loads(status.stdout)["data"]["services"]["vega-api"]["rollout"] == "COMPLETED"
    finally:
        down = run("sandbox", "down")
    assert down.returncode == 0 and "stopped the sandbox" in down.stdout
    assert not pid_alive(first.pid)
    assert load(state) is None
    assert "not running" in run("sandbox", "down").stdout


def test_stale_state_is_cleaned(tmp_path: Path) -> None:
    from vegaops.sandbox.state import SandboxState, save, state_file

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    save(SandboxState(dead.pid, 1, "http://127.0.0.1:1", "eu-central-1", "x", 1.0), tmp_path)
    assert load(tmp_path) is None
    assert not state_file(tmp_path).exists()

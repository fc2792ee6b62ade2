"""End to end: the real sandbox process, boto3 over HTTP against it, and nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import vegaops_executable
from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle
from vegaops.sandbox.state import pid_alive

pytestmark = pytest.mark.e2e
CLUSTER = "vega-sandbox"


def _client(handle: Handle, service: str, retries: int = 0) -> Any:
    env = handle.env()
    return boto3.client(
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],  # type: ignore[call-overload]
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        config=Config(retries={"mode": "standard", "total_max_attempts": retries + 1}),
    )


@pytest.fixture
def sandbox(sandbox_module: Handle) -> Handle:
    """One sandbox process for the module, wiped and seeded again for each test (cheaper than a new process)."""
    admin.reset(sandbox_module.endpoint)
    return sandbox_module


def _wait(cond: Callable[[], bool], timeout: float = 30.0) -> float:
    start = time.monotonic()
    while not cond():
        assert time.monotonic() - start < timeout, "timed out"
        time.sleep(0.1)
    return time.monotonic() - start


def _deploy(ecs: Any, tag: str) -> str:
    svc = ecs.describe_services(cluster=CLUSTER, services=["vega-api"])["services"][0]
    td = ecs.describe_task_definition(taskDefinition=svc["taskDefinition"])["taskDefinition"]
    container = td["containerDefinitions"][0]
    container["image"] = container["image"].split("@")[0].rsplit(":", 1)[0] + f":{tag}"
    keys = (
        "family",
        "networkMode",
        "requiresCompatibilities",
        "cpu",
        "memory",
        "containerDefinitions",
        "executionRoleArn",
        "taskRoleArn",
    )
    arn: str = ecs.register_task_definition(**{k: td[k] for k in keys})["taskDefinition"]["taskDefinitionArn"]
    resp = ecs.update_service(cluster=CLUSTER, service="vega-api", taskDefinition=arn)["service"]
    assert resp["deployments"][0]["status"] == "PRIMARY" and resp["deployments"][0]["taskDefinition"] == arn
    return arn


def test_rollouts_against_the_real_sandbox(sandbox: Handle) -> None:
    ecs = _client(sandbox, "ecs")
    assert len(ecs.list_services(cluster=CLUSTER)["serviceArns"]) == 5  # 3 rolling, 1 blue/green, 1 canary
    sm = _client(sandbox, "secretsmanager")
    assert {s["Name"] for s in sm.list_secrets()["SecretList"]} == {
        "vega/sandbox/database-url",
        "vega/sandbox/management-token",
        "vega/sandbox/openai-api-key",
    }
    ecr = _client(sandbox, "ecr")
    tags = {t for i in ecr.describe_images(repositoryName="vega-api")["imageDetails"] for t in i["imageTags"]}
    assert {"v1.2.2-stable", "v1.2.3-stable", "v1.2.4-crash"} <= tags

    def svc() -> dict[str, Any]:
        result: dict[str, Any] = ecs.describe_services(cluster=CLUSTER, services=["vega-api"])["services"][0]
        return result

    def completed() -> bool:
        s = svc()
        return (
            len(s["deployments"]) == 1
            and s["deployments"][0]["rolloutState"] == "COMPLETED"
            and s["runningCount"] == s["desiredCount"] == 2
        )

    good = _deploy(ecs, "v1.2.3-stable")
    _wait(completed)
    assert svc()["taskDefinition"] == good
    with urllib.request.urlopen(f"{sandbox.endpoint}/_sandbox/health/api", timeout=5) as resp:
        assert json.loads(resp.read()) == {"status": "ok"}

    _deploy(ecs, "v1.2.4-crash")
    failed_id = svc()["deployments"][0]["id"]
    _wait(lambda: any(d["id"] == failed_id and d["rolloutState"] == "FAILED" for d in svc()["deployments"]))
    arns = ecs.list_tasks(cluster=CLUSTER, startedBy=failed_id)["taskArns"]
    stopped = [t for t in ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if t["lastStatus"] == "STOPPED"]
    assert len(stopped) >= 3
    assert all(
        t["stoppedReason"] == "Essential container in task exited" and t["containers"][0]["exitCode"] == 1
        for t in stopped
    )
    _wait(completed)
    final = svc()
    assert final["taskDefinition"] == good and final["deployments"][0]["id"] != failed_id
    worker_tasks = ecs.list_tasks(cluster=CLUSTER, serviceName="vega-worker")["taskArns"]
    assert len(worker_tasks) == 2  # moto alone ignores serviceName and lists the whole cluster
    listed = ecs.list_service_deployments(cluster=CLUSTER, service="vega-api")["serviceDeployments"]
    assert [d["status"] for d in listed][:2] == ["SUCCESSFUL", "ROLLBACK_SUCCESSFUL"]


def test_fault_injection_and_call_counts(sandbox: Handle) -> None:
    admin.reset_counts(sandbox.endpoint)
    admin.inject_errors(sandbox.endpoint, "DescribeServices", count=2)
    ecs = _client(sandbox, "ecs", retries=0)
    with pytest.raises(ClientError) as err:
        ecs.describe_services(cluster=CLUSTER, services=["vega-api"])
    assert err.value.response["Error"]["Code"] == "ThrottlingException"
    retrying = _client(sandbox, "ecs", retries=3)
    assert retrying.describe_services(cluster=CLUSTER, services=["vega-api"])["services"]
    assert admin.call_counts(sandbox.endpoint)["ecs:DescribeServices"] == 3
    admin.inject_errors(sandbox.endpoint, "FilterLogEvents", code="ServiceUnavailableException", status=503)
    with pytest.raises(ClientError) as err:
        _client(sandbox, "logs").filter_log_events(logGroupName="/ecs/vega-api")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    events = _client(sandbox, "logs").filter_log_events(logGroupName="/ecs/vega-api", interleaved=True)["events"]
    assert any(e["logStreamName"].startswith("ecs/api/") for e in events)
    assert admin.set_fault(sandbox.endpoint, "api", "unhealthy") == {"vega-api": "unhealthy"}
    with pytest.raises(urllib.error.HTTPError):
        admin.set_fault(sandbox.endpoint, "nope", "crash")
    ecs.update_service(cluster=CLUSTER, service="vega-worker", desiredCount=0)
    admin.reset(sandbox.endpoint)
    assert admin.faults(sandbox.endpoint) == {}
    services = ecs.describe_services(cluster=CLUSTER, services=["vega-api", "vega-worker", "vega-llm-proxy"])
    assert [(s["runningCount"], s["deployments"][0]["rolloutState"]) for s in services["services"]] == [
        (2, "COMPLETED")
    ] * 3
    assert len(ecs.list_tasks(cluster=CLUSTER)["taskArns"]) == 10


def _run(*args: str, state_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VEGAOPS_STATE_DIR": str(state_dir)}
    for key in [k for k in env if k.startswith("AWS_")]:
        del env[key]
    return subprocess.run(
        [*vegaops_executable(), *args],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
        env=env,
        cwd=state_dir.parent,
    )


def test_cli_up_status_env_down_leaves_no_process(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    up = _run("--output", "json", "sandbox", "up", "--speed", "20", state_dir=state_dir)
    assert up.returncode == 0, up.stderr
    data = json.loads(up.stdout)["data"]
    pid = data["pid"]
    try:
        assert pid_alive(pid)
        again = _run("--output", "json", "sandbox", "up", state_dir=state_dir)
        assert again.returncode == 0 and json.loads(again.stdout)["status"] == "unchanged"
        assert json.loads(again.stdout)["data"]["pid"] == pid
        env = _run("sandbox", "env", state_dir=state_dir)
        assert f"export AWS_ENDPOINT_URL={data['endpoint']}" in env.stdout.splitlines()
        listed = _run("--env", "sandbox", "--output", "json", "config", "list", state_dir=state_dir)
        assert listed.returncode == 0, listed.stderr
        assert "log-level" in listed.stdout
        status = _run("--output", "json", "sandbox", "status", state_dir=state_dir)
        assert {s["service"] for s in json.loads(status.stdout)["data"]["services"]} == {
            "vega-api",
            "vega-worker",
            "vega-llm-proxy",
            "vega-checkout",
            "vega-search",
        }
    finally:
        down = _run("sandbox", "down", state_dir=state_dir)
    assert down.returncode == 0, down.stderr
    _wait(lambda: not pid_alive(pid), timeout=5)
    assert not (state_dir / "sandbox.json").exists()
    gone = _run("--env", "sandbox", "config", "list", state_dir=state_dir)
    assert gone.returncode == 2 and "vegaops sandbox up" in gone.stderr


def test_stale_state_is_cleaned(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()
    (state_dir / "sandbox.json").write_text(
        json.dumps(
            {
                "pid": dead.pid,
                "port": 1,
                "endpoint": "http://127.0.0.1:1",
                "region": "eu-central-1",
                "started_at": "",
                "speed": 1,
            }
        )
    )
    status = _run("--output", "json", "sandbox", "status", state_dir=state_dir)
    assert json.loads(status.stdout)["data"] == {"running": False}
    assert status.returncode == 3, status.stderr  # not found: scripts can test for a running sandbox
    assert not (state_dir / "sandbox.json").exists()

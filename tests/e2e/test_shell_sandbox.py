"""``vegaops shell`` and ``port-forward`` on the sandbox: the hand-off to session-manager-plugin (a stand-in
executable on PATH records its arguments), the sandbox's local shell without the plugin, ``--enable``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.sandbox_fixtures import client
from tests.sandbox_fixtures import until as _until
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e

CLUSTER = "vega-sandbox"
STAND_IN = """#!/bin/sh
python3 -c 'import json, sys; json.dump(sys.argv[2:], open(sys.argv[1], "w"))' "{record}" "$@"
exit {code}
"""


@pytest.fixture
def on(sandbox_module: Handle, monkeypatch: pytest.MonkeyPatch, cli: Any) -> Any:
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(sandbox_module.state_file.parent))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no session-manager-plugin unless a test puts one there

    def run(*args: str) -> Any:
        return cli("--env", "sandbox", "--yes", *args)

    return run


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on: Any) -> Path:
    """A stand-in session-manager-plugin that records its arguments in ``args.json`` and exits 7."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "args.json"
    exe = bin_dir / "session-manager-plugin"
    exe.write_text(STAND_IN.format(record=record, code=7))
    exe.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return record


def _running(handle: Handle, service: str) -> list[dict[str, Any]]:
    ecs = client(handle, "ecs")
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName=service, desiredStatus="RUNNING")["taskArns"]
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []
    return [t for t in tasks if t["lastStatus"] == "RUNNING"]


def test_shell_hands_the_session_to_the_plugin_like_the_aws_cli(on: Any, plugin: Path, sandbox_module: Handle) -> None:
    r = on("shell", "api", "--", "ls", "-la")
    assert r.exit_code == 7, r.output  # the plugin's exit code
    session, region, operation, profile, params, endpoint = json.loads(plugin.read_text())
    assert set(json.loads(session)) == {"sessionId", "streamUrl", "tokenValue"}
    assert (region, operation, profile, endpoint) == ("eu-central-1", "StartSession", "", sandbox_module.endpoint)
    target = json.loads(params)["Target"]
    task_ids = {t["taskArn"].rsplit("/", 1)[-1]: t for t in _running(sandbox_module, "vega-api")}
    cluster, task_id, runtime_id = target.removeprefix("ecs:").split("_")
    assert cluster == CLUSTER and task_id in task_ids
    assert runtime_id == task_ids[task_id]["containers"][0]["runtimeId"]
    assert "checks passed" in r.stderr


def test_port_forward_starts_an_ssm_port_forwarding_session(on: Any, plugin: Path, sandbox_module: Handle) -> None:
    r = on("port-forward", "worker", "--remote", "vega-db.sandbox.internal:5432", "--local", "15432")
    assert r.exit_code == 7, r.output
    session, region, operation, _profile, params, endpoint = json.loads(plugin.read_text())
    assert set(json.loads(session)) == {"SessionId", "TokenValue", "StreamUrl"}
    request = json.loads(params)
    assert request["DocumentName"] == "AWS-StartPortForwardingSessionToRemoteHost"
    assert request["Parameters"] == {
        "host": ["vega-db.sandbox.internal"],
        "portNumber": ["5432"],
        "localPortNumber": ["15432"],
    }
    assert request["Target"].startswith(f"ecs:{CLUSTER}_")
    assert (region, operation, endpoint) == ("eu-central-1", "StartSession", sandbox_module.endpoint)


def test_port_forward_to_the_configured_database_needs_one(on: Any, plugin: Path) -> None:
    r = on("port-forward", "api", "--remote", "db")
    assert r.exit_code == 2, r.output
    assert "health_rds" in r.stderr


def test_without_the_plugin_the_sandbox_opens_a_local_shell_and_says_so(
    on: Any, sandbox_module: Handle, tmp_path: Path
) -> None:
    import os
    import subprocess

    from tests.conftest import vegaops_executable

    r = subprocess.run(  # the shell is a child process: its output is the terminal's, so run vegaops for real
        [
            *vegaops_executable(),
            "--env",
            "sandbox",
            "shell",
            "llm-proxy",
            "--",
            "sh",
            "-c",
            'echo "$APP_ENV ${DATABASE_URL%%:*}"',
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "sandbox postgresql"  # the container's variables and its resolved secret
    assert "LOCAL shell" in r.stderr and "--no-local" in r.stderr
    refused = on("shell", "llm-proxy", "--no-local")
    assert refused.exit_code == 2, refused.output
    assert "FAIL session-manager-plugin" in refused.stdout
    assert "install" in refused.stderr and "session-manager-plugin" in refused.stderr


def test_enable_turns_exec_on_and_redeploys_so_tasks_get_it(on: Any, plugin: Path, sandbox_module: Handle) -> None:
    ecs = client(sandbox_module, "ecs")
    ecs.update_service(cluster=CLUSTER, service="vega-worker", enableExecuteCommand=False, forceNewDeployment=True)
    assert _until(
        lambda: (ts := _running(sandbox_module, "vega-worker")) and not any(t["enableExecuteCommand"] for t in ts)
    )
    off = on("shell", "worker")
    assert off.exit_code == 8, off.output
    assert "FAIL ECS Exec on the service" in off.stdout and "shell worker --enable" in off.stdout
    assert "FAIL ECS Exec on the task" in off.stdout

    ecs.update_service(cluster=CLUSTER, service="vega-worker", enableExecuteCommand=True)  # tasks still lack it
    stale = on("shell", "worker")
    assert stale.exit_code == 8 and "started before ECS Exec was enabled" in stale.stdout
    plan = on("--dry-run", "shell", "worker", "--enable")
    assert plan.exit_code == 0 and "start a new deployment of vega-worker" in plan.stderr

    enabled = on("shell", "worker", "--enable")
    assert enabled.exit_code == 0, enabled.output
    assert _until(
        lambda: (ts := _running(sandbox_module, "vega-worker")) and all(t["enableExecuteCommand"] for t in ts)
    )
    assert _until(lambda: on("shell", "worker").exit_code == 7)  # through the preflight to the plugin
    again = on("shell", "worker", "--enable")
    assert again.exit_code == 0 and "ECS Exec is on for worker" in again.output  # nothing to do


def test_an_unknown_task_is_not_found(on: Any, plugin: Path) -> None:
    r = on("shell", "api", "--task", "0000000000000000")
    assert r.exit_code == 3, r.output

"""The production confirmation flow in a real terminal (tmux): a multi-service deploy on a ``confirm = true``
environment shows one plan and asks one question; "y" alone does not answer it (Enter does); declining leaves
AWS exactly as it was (no task definition revision, no deployment, no promoted image)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import vegaops_executable
from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

TAG = "v1.2.3-stable"
QUESTION = "Apply this plan to live"


class Tmux:
    """One detached tmux session on a private server socket."""

    def __init__(self, socket: str, cwd: Path, command: list[str], env: dict[str, str]) -> None:
        self.socket = socket
        script = cwd / f"{socket}.sh"
        exports = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in env.items())
        script.write_text(f"{exports}cd {shlex.quote(str(cwd))}\n{shlex.join(command)}\necho EXIT=$?\nsleep 600\n")
        self._tmux("new-session", "-d", "-s", "t", "-x", "160", "-y", "60", f"sh {shlex.quote(str(script))}")

    def _tmux(self, *args: str) -> str:
        proc = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20, check=False
        )
        return proc.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J", "-S", "-2000", "-t", "t")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", "-t", "t", *keys)

    def wait_for(self, text: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared; screen:\n{self.screen()[-3000:]}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20, check=False)


@pytest.fixture
def sandbox(sandbox_module: Handle) -> Handle:
    """One sandbox process for the module, wiped and seeded again for each test (cheaper than a new process)."""
    admin.reset(sandbox_module.endpoint)
    return sandbox_module


def _project(tmp_path: Path, sandbox: Handle) -> Path:
    env = sandbox.env()
    (tmp_path / "vegaops.toml").write_text(
        f"""[project]
name = "vega"
region = "{env["AWS_REGION"]}"
default_env = "live"

[env.live]
cluster = "vega-sandbox"
endpoint_url = "{env["AWS_ENDPOINT_URL"]}"
source_repo_prefix = "staging/"
secrets_prefix = "vega/sandbox/"
params_prefix = "/vega/sandbox/"
confirm = true

[service.api]
ecs_service = "vega-api"
container = "api"
ecr_repo = "vega-api"

[service.worker]
ecs_service = "vega-worker"
container = "worker"
ecr_repo = "vega-worker"
"""
    )
    return tmp_path


def _aws(sandbox: Handle) -> dict[str, Any]:
    import boto3

    env = sandbox.env()
    kw: dict[str, Any] = {
        "endpoint_url": env["AWS_ENDPOINT_URL"],
        "region_name": env["AWS_REGION"],
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
    }
    return {"ecs": boto3.client("ecs", **kw), "ecr": boto3.client("ecr", **kw)}


def _state(aws: dict[str, Any]) -> dict[str, Any]:
    """What a deploy would change: revisions, deployments and images of both services."""
    ecs, ecr = aws["ecs"], aws["ecr"]
    services = ecs.describe_services(cluster="vega-sandbox", services=["vega-api", "vega-worker"])["services"]
    return {
        "revisions": {
            f: ecs.list_task_definitions(familyPrefix=f)["taskDefinitionArns"] for f in ("vega-api", "vega-worker")
        },
        "deployments": {s["serviceName"]: sorted(d["id"] for d in s["deployments"]) for s in services},
        "task_definitions": {s["serviceName"]: s["taskDefinition"] for s in services},
        "tags": {
            r: sorted(t for i in ecr.describe_images(repositoryName=r)["imageDetails"] for t in i.get("imageTags", []))
            for r in ("vega-api", "vega-worker")
        },
    }


def _session(name: str, project: Path, sandbox: Handle, *args: str) -> Tmux:
    env = {
        **sandbox.env(),
        "VEGAOPS_STATE_DIR": os.environ["VEGAOPS_STATE_DIR"],
        "HOME": os.environ["HOME"],
        "PATH": os.environ["PATH"],
        "TERM": "xterm-256color",
        "NO_COLOR": "1",
    }
    command = [*vegaops_executable(), *(args or ("deploy", "--tag", TAG, "api", "worker"))]
    return Tmux(f"vegaops-confirm-{os.getpid()}-{name}", project, command, env)


def test_one_question_enter_needed_decline_changes_nothing(sandbox: Handle, tmp_path: Path) -> None:
    project = _project(tmp_path, sandbox)
    aws = _aws(sandbox)
    before = _state(aws)

    term = _session("decline", project, sandbox)
    try:
        screen = term.wait_for(QUESTION)
        # the whole plan before the one question: both services, their promotion, registration and deploy
        for line in ("register vega-api revision", "register vega-worker revision", "deploy vega-api", "then: watch"):
            assert line in screen, screen
        term.keys("y")  # a keypress alone answers nothing
        time.sleep(2.0)
        screen = term.screen()
        assert "EXIT=" not in screen, screen
        assert _state(aws) == before
        term.keys("n", "Enter")
        screen = term.wait_for("EXIT=")
        assert "EXIT=130" in screen, screen
        assert "nothing was changed" in screen
        assert screen.count(QUESTION) == 1
    finally:
        term.close()
    assert _state(aws) == before  # no revision, no deployment, no promoted tag

    term = _session("accept", project, sandbox)
    try:
        term.wait_for(QUESTION)
        term.keys("y", "Enter")
        screen = term.wait_for("EXIT=", timeout=180)
        assert "EXIT=0" in screen, screen
        assert screen.count(QUESTION) == 1, screen
        assert "Apply " not in screen.replace(QUESTION, ""), screen  # no second question (the watch is a gate)
    finally:
        term.close()
    after = _state(aws)
    for family in ("vega-api", "vega-worker"):
        assert len(after["revisions"][family]) == len(before["revisions"][family]) + 1
        assert TAG in after["tags"][family]


def test_a_change_and_its_redeploy_are_one_question(sandbox: Handle, tmp_path: Path) -> None:
    project = _project(tmp_path, sandbox)
    aws = _aws(sandbox)
    before = _state(aws)
    term = _session("redeploy", project, sandbox, "config", "set", "log-level", "DEBUG", "--redeploy", "--no-watch")
    try:
        screen = term.wait_for(QUESTION)
        assert "then: force a new deployment of" in screen and "vega-api" in screen, screen
        term.keys("y", "Enter")
        screen = term.wait_for("EXIT=")
        assert "EXIT=0" in screen, screen
        assert screen.count(QUESTION) == 1, screen
    finally:
        term.close()
    after = _state(aws)
    assert after["deployments"]["vega-api"] != before["deployments"]["vega-api"]  # the redeploy ran

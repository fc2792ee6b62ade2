"""Ctrl-C on a read-only command ends quietly with 130 (issue 15 item 5): no "error:" line, no traceback;
in json mode its one envelope says interrupted. A command that changes things still says what it did."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import vegaops_executable
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e

CONFIG = """\
[env.qa]
cluster = "vega-sandbox"
endpoint_url = "{endpoint}"

[service.api]
ecs_service = "vega-api"
health_url = "http://127.0.0.1:1/health"
"""


def interrupt(args: list[str], cwd: Path, after: float = 2.5) -> tuple[int, str, str]:
    proc = subprocess.Popen(
        [*vegaops_executable(), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=dict(os.environ),
    )
    try:
        time.sleep(after)  # started, past its first read, now waiting for more
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, out, err


@pytest.fixture
def sandbox(sandbox_module: Handle, monkeypatch: pytest.MonkeyPatch) -> Handle:
    """One sandbox for the module (every command here only reads); --env sandbox finds it."""
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(sandbox_module.state_file.parent))
    return sandbox_module


@pytest.mark.parametrize(
    "args",
    [
        ["--env", "sandbox", "logs", "tail", "api", "-f"],
        ["--env", "qa", "health", "api", "--wait", "--interval", "0.2"],
        ["health", "api", "--wait", "--env", "qa", "--interval", "0.2"],  # options anywhere, same answer
    ],
)
def test_ctrl_c_on_a_read_only_command_is_quiet_130(sandbox: Handle, tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "vegaops.toml").write_text(CONFIG.format(endpoint=sandbox.endpoint))
    code, _out, err = interrupt(args, tmp_path)
    assert code == 130, err
    assert "error:" not in err and "Traceback" not in err, err


def test_ctrl_c_in_json_mode_is_one_interrupted_envelope(sandbox: Handle, tmp_path: Path) -> None:
    code, out, err = interrupt(["--env", "sandbox", "-o", "json", "logs", "tail", "api", "-f"], tmp_path)
    assert code == 130, err
    envelope = json.loads(out.strip().splitlines()[-1])
    assert envelope["command"] == "logs tail" and envelope["status"] == "interrupted"
    assert envelope["exit_code"] == 130 and envelope["errors"] == []

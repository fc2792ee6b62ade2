"""The README's first command (the demo) works as written: sandbox up, then a real deploy with a verdict."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from vegaops.sandbox.state import live_state, pid_alive

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def demo_commands() -> list[list[str]]:
    line = next(raw.strip() for raw in (ROOT / "README.md").read_text().splitlines() if raw.rstrip().endswith("# demo"))
    commands = [shlex.split(part) for part in line.removesuffix("# demo").split("&&")]
    vegaops = [c for c in commands if c[0].endswith("/vegaops")]
    assert len(vegaops) == 2, line  # sandbox up, then deploy
    return [[sys.executable, "-m", "vegaops", *c[1:]] for c in vegaops]


def test_readme_demo_deploys_on_the_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(tmp_path / "state"))
    up, deploy = demo_commands()
    assert up[-2:] == ["sandbox", "up"]
    env = dict(os.environ)
    try:
        started = subprocess.run(up, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False)
        assert started.returncode == 0, started.stderr
        done = subprocess.run(deploy, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False)
        assert done.returncode == 0, done.stderr
        assert "deployed v1.2.3-stable to vega-api, vega-worker, vega-llm-proxy" in done.stdout
        again = subprocess.run(deploy, capture_output=True, text=True, timeout=120, cwd=tmp_path, env=env, check=False)
        assert again.returncode == 0 and "already deployed: v1.2.3-stable" in again.stdout
    finally:
        state = live_state(tmp_path / "state")
        subprocess.run(
            [sys.executable, "-m", "vegaops", "sandbox", "down"],
            capture_output=True,
            timeout=60,
            cwd=tmp_path,
            env=env,
            check=False,
        )
    assert state is not None and not pid_alive(state.pid)

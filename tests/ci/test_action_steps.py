"""The composite action's ``run:`` steps, run by bash the way the runner runs them, against the sandbox.

Inputs reach the scripts only through each step's ``env:`` (``${{ inputs.X }}`` is substituted there, never
inside a script), so running the scripts with that environment and ``GITHUB_*`` set is what a runner does.
"""

from __future__ import annotations

import json
import os
import pwd
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.ci.test_github_format import parse_outputs
from vegaops import __version__
from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
STEPS = {s["name"]: s for s in ACTION["runs"]["steps"]}


def expand(value: str, inputs: dict[str, str]) -> str:
    defaults = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}

    def sub(m: re.Match[str]) -> str:
        expr = m.group(1).strip()
        if expr == "github.action_path":
            return str(ROOT)
        assert expr.startswith("inputs."), expr
        name = expr.removeprefix("inputs.")
        assert name in defaults, f"{name} is not an input of the action"
        return inputs.get(name, defaults[name])

    return re.sub(r"\$\{\{(.*?)\}\}", sub, value)


def run_step(name: str, inputs: dict[str, str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    step = STEPS[name]
    assert "${{" not in step["run"], "expressions belong in env:, never pasted into the script"
    step_env = {k: expand(str(v), inputs) for k, v in step.get("env", {}).items()}
    workdir = cwd / expand(step.get("working-directory", "."), inputs)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
        cwd=workdir,
        env={**os.environ, **env, **step_env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def github_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_PATH": str(tmp_path / "path"),
        **extra,
    }


@pytest.fixture
def sbx(sandbox_module: Handle) -> Handle:
    admin.reset(sandbox_module.endpoint)
    return sandbox_module


def with_test_vegaops(env: dict[str, str]) -> dict[str, str]:
    """PATH as GITHUB_PATH would make it, with this interpreter's vegaops."""
    return {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def outputs(tmp_path: Path) -> dict[str, Any]:
    return parse_outputs((tmp_path / "output").read_text())


def test_install_step_installs_vegaops_from_the_action_path_and_runs_the_default_deploy(
    tmp_path: Path, sbx: Handle
) -> None:
    env = github_env(tmp_path)
    (tmp_path / "runner-temp").mkdir()
    cache = Path(pwd.getpwuid(os.getuid()).pw_dir) / ".cache" / "pip"
    if cache.is_dir():
        env["PIP_CACHE_DIR"] = str(cache)  # the tests' HOME is a fresh directory; keep pip's cache
    installed = run_step("Install vegaops", {"version": __version__, "python": sys.executable}, env, tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert f"vegaops {__version__} installed from {ROOT}" in installed.stdout
    bin_dir = (tmp_path / "path").read_text().strip()
    assert bin_dir == str(tmp_path / "runner-temp" / "vegaops-action" / "bin")
    run_env = {
        **env,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GITHUB_REF_NAME": "v1.2.4-crash",
        "VEGAOPS_STATE_DIR": str(sbx.state_file.parent),
    }
    proc = run_step("Run vegaops", {"env": "sandbox"}, run_env, tmp_path)
    assert "+ vegaops deploy --tag v1.2.4-crash" in proc.stdout
    assert proc.returncode == 5, proc.stdout + proc.stderr  # the step exits with vegaops's exit code
    out = outputs(tmp_path)
    assert out["verdict"] == "rolled_back" and out["exit-code"] == "5"
    assert set(json.loads(out["deployment-ids"])) == {
        "vega-api",
        "vega-worker",
        "vega-llm-proxy",
        "vega-checkout",
        "vega-search",
    }
    assert "### vegaops deploy: ↩️ rolled back (exit 5)" in (tmp_path / "summary.md").read_text()


def test_install_step_refuses_a_ref_holding_another_version(tmp_path: Path) -> None:
    venv_bin = tmp_path / "runner-temp" / "vegaops-action" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "vegaops").symlink_to(Path(sys.executable).parent / "vegaops")  # already installed: no pip
    env = github_env(tmp_path)
    wrong = run_step("Install vegaops", {"version": "9.9.9"}, env, tmp_path)
    assert wrong.returncode == 2
    assert f"::error title=vegaops action::the action's ref holds vegaops {__version__}, not 9.9.9" in wrong.stdout
    assert not (tmp_path / "path").exists()
    right = run_step("Install vegaops", {"version": __version__}, env, tmp_path)
    assert right.returncode == 0 and (tmp_path / "path").read_text().strip() == str(venv_bin)


def test_run_step_splits_the_command_like_a_shell_and_expands_nothing(tmp_path: Path, sbx: Handle) -> None:
    env = with_test_vegaops(github_env(tmp_path, VEGAOPS_STATE_DIR=str(sbx.state_file.parent), HOME_X="$HOME"))
    proc = run_step("Run vegaops", {"env": "sandbox", "command": "deploy --tag 'v1.2.3-stable' \"api\""}, env, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "+ vegaops deploy --tag v1.2.3-stable api" in proc.stdout
    out = outputs(tmp_path)
    assert out["verdict"] == "succeeded" and out["exit-code"] == "0"
    assert json.loads(out["task-definition-arns"])["vega-api"].endswith("vega-api:2")
    # nothing in the input is evaluated by the shell
    (tmp_path / "output").unlink()
    command = "status $(touch pwned) `touch pwned2`"
    hostile = run_step("Run vegaops", {"env": "sandbox", "command": command}, env, tmp_path)
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    assert hostile.returncode == 3  # "status" got the literal words as service names: not found
    assert outputs(tmp_path) == {"verdict": "error", "exit-code": "3"}


def test_run_step_without_a_tag_is_an_annotated_usage_error(tmp_path: Path) -> None:
    env = with_test_vegaops(github_env(tmp_path))
    proc = run_step("Run vegaops", {}, env, tmp_path)
    assert proc.returncode == 2
    assert proc.stdout.startswith("::error title=vegaops action::no tag to deploy")
    assert outputs(tmp_path) == {"exit-code": "2"}

"""vegaops setup against the real sandbox process: file written, final status/health check, re-run idempotent,
a missing secret created from a file, nothing left half-done."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vegaops", "--no-input", "--yes", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env=dict(os.environ),
    )


def test_setup_on_the_sandbox_end_to_end(sandbox: Handle, tmp_path: Path) -> None:
    import boto3

    first = _run(tmp_path, "setup", "--sandbox")
    assert first.returncode == 0, first.stderr
    cfg = tomllib.loads((tmp_path / "vegaops.toml").read_text())
    assert cfg["project"]["default_env"] == "sandbox"
    assert {s["ecs_service"] for s in cfg["service"].values()} == {
        "vega-api",
        "vega-worker",
        "vega-llm-proxy",
        "vega-checkout",
        "vega-search",
    }
    assert all("health_url" not in s for s in cfg["service"].values())  # the sandbox's URLs follow its port
    assert "healthy: " in first.stdout + first.stderr  # the final `vegaops health` ran and passed
    again = _run(tmp_path, "setup", "--sandbox", "--skip-check")
    assert again.returncode == 0 and "nothing to change" in again.stdout + again.stderr

    env = sandbox.env()
    sm: Any = boto3.client(
        "secretsmanager",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_REGION"],
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )
    sm.delete_secret(SecretId="vega/sandbox/openai-api-key", ForceDeleteWithoutRecovery=True)
    missing = _run(tmp_path, "setup", "--sandbox", "--skip-check")
    # Without input the missing secret is skipped, never invented, and the note names the option to pass.
    assert missing.returncode == 0, missing.stderr
    assert "--secret-file vega/sandbox/openai-api-key=PATH" in missing.stdout + missing.stderr
    (tmp_path / "key.txt").write_text("sk-test-value-e2e")
    created = _run(
        tmp_path,
        "setup",
        "--sandbox",
        "--skip-check",
        "--secret-file",
        f"vega/sandbox/openai-api-key={tmp_path / 'key.txt'}",
    )
    assert created.returncode == 0, created.stderr
    assert "sk-test-value-e2e" not in created.stdout + created.stderr
    assert sm.get_secret_value(SecretId="vega/sandbox/openai-api-key")["SecretString"] == "sk-test-value-e2e"

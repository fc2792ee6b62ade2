"""secret set --redeploy on the real sandbox: exactly the referencing services redeploy, watched to a verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e


def _run(cwd: Path, *args: str, input: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vegaops", "--env", "sandbox", *args],
        input=input,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=cwd,
        env=dict(os.environ),
    )


def test_redeploy_is_watched_to_the_deploy_verdicts(sandbox: Handle, tmp_path: Path) -> None:
    ok = _run(tmp_path, "-o", "json", "secret", "set", "database-url", "--redeploy", input="postgres://new-1")
    assert ok.returncode == 0, ok.stderr
    envelope = json.loads(ok.stdout.splitlines()[-1])
    redeploy = envelope["data"]["redeploy"]
    assert "vega-api" in redeploy["services"]
    assert redeploy["outcomes"] == dict.fromkeys(redeploy["services"], "succeeded")
    assert "postgres://new-1" not in ok.stdout + ok.stderr

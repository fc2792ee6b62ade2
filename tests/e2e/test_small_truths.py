"""Small truths (issue 15 item 9) on the sandbox: each secret version's own creation time, who made each
parameter version, and ``sandbox status`` exiting 3 when no sandbox runs."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e


@pytest.fixture
def sandbox(sandbox_module: Handle, monkeypatch: pytest.MonkeyPatch) -> Handle:
    """One sandbox for the module: the tests change disjoint things (the secret database-url, the parameter
    log-level), so neither sees the other's change."""
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(sandbox_module.state_file.parent))
    return sandbox_module


def test_secret_history_shows_each_versions_own_creation_time(cli: Any, sandbox: Handle) -> None:
    before = json.loads(cli("--env", "sandbox", "-o", "json", "secret", "history", "database-url").stdout)
    seeded = before["data"]["versions"][0]["created"]
    time.sleep(1.1)  # Secrets Manager dates are to the second: the new version must be a later second
    assert (
        cli("--env", "sandbox", "secret", "set", "database-url", input="postgresql://other-value-1234\n").exit_code == 0
    )
    time.sleep(1.1)
    after = json.loads(cli("--env", "sandbox", "-o", "json", "secret", "history", "database-url").stdout)
    created = [v["created"] for v in after["data"]["versions"]]
    assert len(created) == 2 and len(set(created)) == 2, created
    assert seeded in created  # the old version kept its own time (moto answered the time of the call)


def test_config_history_says_who_made_each_version(cli: Any, sandbox: Handle) -> None:
    assert cli("--env", "sandbox", "config", "set", "log-level", "debug").exit_code == 0
    data = json.loads(cli("--env", "sandbox", "-o", "json", "config", "history", "log-level").stdout)["data"]
    assert all(v["modified_by"].startswith("arn:aws:iam::") for v in data["versions"]), data
    human = cli("--env", "sandbox", "config", "history", "log-level")
    assert "N/A" not in human.stdout and "arn:aws" not in human.stdout, human.stdout
    header, *rows = [line.split() for line in human.stdout.splitlines() if line.strip()]
    assert header[:3] == ["VERSION", "WHEN", "WHO"] and rows, human.stdout
    verbose = cli("--env", "sandbox", "-v", "config", "history", "log-level")
    assert "arn:aws:iam::" in verbose.stdout


def test_sandbox_status_exits_3_when_no_sandbox_runs(cli: Any) -> None:
    r = cli("sandbox", "status")
    assert r.exit_code == 3, r.output
    assert "error: the sandbox is not running" in r.stderr and "vegaops sandbox up" in r.stderr
    j = cli("-o", "json", "sandbox", "status")
    assert j.exit_code == 3 and json.loads(j.stdout)["data"] == {"running": False}

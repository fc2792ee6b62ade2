"""Snapshots of the main human outputs (issue 15 item 6): deploy, status, deploy history and debug on the
sandbox with ``NO_COLOR=1``, ids and times normalised. Every line fits 120 columns (an application's own
log lines quoted by debug excepted), and none shows Python's ``None`` or a raw microsecond timestamp.

Regenerate after an intended change with ``VEGAOPS_UPDATE_SNAPSHOTS=1``.
"""

from __future__ import annotations

import getpass
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from tests.conftest import vegaops_executable
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e

SNAPSHOTS = Path(__file__).parent / "snapshots"
WIDTH = 120
LOG_EXCERPT = "    | "  # the application's own words, quoted as they were logged

NORMALISE = [
    (re.compile(r"ecs-svc/\d+"), "ecs-svc/<ID>"),
    (re.compile(r"…\d{6,}"), "…<ID>"),
    (re.compile(r"sha256:[0-9a-f]{12,64}"), "sha256:<DIGEST>"),
    (re.compile(r"\b[0-9a-f]{12}\b"), "<DIGEST>"),
    (re.compile(r"\btask [0-9a-f]{8}\b"), "task <TASK>"),
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}"), "<TIME>"),
    (re.compile(r"\b\d+[smh] ago\b"), "<AGO>"),
    (re.compile(r"\b\d+m\d{2}s\b|\b\d+(\.\d)?s\b"), "<DUR>"),
    (re.compile(r"-tg/[0-9a-f]+"), "-tg/<ID>"),
    (re.compile(r" {2,}"), "  "),
]


def normalise(text: str) -> str:
    text = text.replace(f"{getpass.getuser()}@{socket.gethostname()}", "<USER>")
    for pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    return "\n".join(line.rstrip() for line in text.splitlines()) + "\n"


def check(name: str, stdout: str, stderr: str) -> None:
    for line in stdout.splitlines():
        if not line.startswith(LOG_EXCERPT):
            assert len(line) <= WIDTH, f"{name}: {len(line)} columns: {line}"
    for stream in (stdout, stderr):
        shown = "\n".join(line for line in stream.splitlines() if not line.startswith(LOG_EXCERPT))
        assert not re.search(r"\bNone\b", shown), f"{name} shows None:\n{shown}"
        assert not re.search(r"\d{2}:\d{2}:\d{2}\.\d{3,}", shown), f"{name} shows a raw timestamp:\n{shown}"
    snapshot = SNAPSHOTS / f"{name}.txt"
    got = normalise(stdout)
    if os.environ.get("VEGAOPS_UPDATE_SNAPSHOTS") or not snapshot.exists():
        snapshot.write_text(got, encoding="utf-8")
    assert got == snapshot.read_text(encoding="utf-8"), f"{name} changed; VEGAOPS_UPDATE_SNAPSHOTS=1 rewrites it"


def test_main_human_outputs(sandbox: Handle, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}  # no terminal width: nothing wraps
    env["NO_COLOR"] = "1"

    def run(name: str, *args: str, code: int = 0, keep: int | None = None) -> None:
        done = subprocess.run(
            [*vegaops_executable(), "--env", "sandbox", *args],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=tmp_path,
            env=env,
            check=False,
        )
        assert done.returncode == code, done.stderr
        stdout = done.stdout
        if keep is not None:  # the stable head of a report whose middle depends on timing
            lines = stdout.splitlines()
            stdout = "\n".join(lines[:keep] + lines[-1:]) + "\n"
            for line in lines:
                if not line.startswith(LOG_EXCERPT):
                    assert len(line) <= WIDTH, f"{name}: {len(line)} columns: {line}"
        check(name, stdout, done.stderr)

    run("deploy", "deploy", "--tag", "v1.2.3-stable", "api")
    run("deploy-rolled-back", "deploy", "--tag", "v1.2.4-crash", "api", code=5)
    run("status", "status")
    run("deploy-history", "deploy", "history", "api")
    run("debug", "debug", "api", keep=4)

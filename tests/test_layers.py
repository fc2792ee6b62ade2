"""The layer guard (tests/layers.py, hooks in tests/conftest.py) fails an unmarked test that starts a subprocess or
listens on a socket, with and without pytest-xdist (the README's test command runs the suite on xdist workers)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # runs an inner pytest as a subprocess

REPO = Path(__file__).resolve().parents[1]

INNER = """
import socket
import subprocess
import sys

import pytest


def test_unmarked_spawns() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=False)


def test_unmarked_swallows_the_refusal() -> None:
    try:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
    except Exception:
        pass


@pytest.mark.e2e
def test_marked_spawns() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=True)


def test_unmarked_pure() -> None:
    assert sum([1, 2]) == 3
"""


@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["serial", "xdist-worker"])
def test_guard_fails_unmarked_spawners(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, workers: list[str]
) -> None:
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    pytester.makepyfile(test_inner=INNER)
    result = pytester.runpytest_subprocess("-p", "tests.conftest", "-p", "no:cacheprovider", "-rf", *workers)
    result.assert_outcomes(passed=2, failed=2)
    result.stdout.fnmatch_lines(
        [
            "FAILED*test_unmarked_spawns*starting a subprocess*not marked e2e*",
            "FAILED*test_unmarked_swallows_the_refusal*listening on a socket*not marked e2e*",
        ],
        consecutive=False,
    )

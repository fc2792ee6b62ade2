"""Fixtures that run the real sandbox process (registered from tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vegaops.sandbox.process import Handle, start

TEST_SPEED = 20.0


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Handle]:
    """A fresh sandbox at speed 20 (a rollout takes ~1 s); VEGAOPS_STATE_DIR points at it for --env sandbox."""
    state_dir = tmp_path / "sandbox-state"
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(state_dir))
    handle = start(speed=TEST_SPEED, state_dir=state_dir)
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture(scope="module")
def sandbox_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Handle]:
    """One sandbox for a whole test module (tests must not depend on each other's changes).

    It does not set VEGAOPS_STATE_DIR (the autouse isolated_env does per test); point it at
    ``handle.state_file.parent`` with monkeypatch in the test when using ``--env sandbox``.
    """
    state_dir = tmp_path_factory.mktemp("sandbox-module-state")
    handle = start(speed=TEST_SPEED, state_dir=state_dir)
    try:
        yield handle
    finally:
        handle.stop()

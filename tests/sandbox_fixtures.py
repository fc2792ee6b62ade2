"""Fixtures that run the real sandbox process (registered from tests/conftest.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from vegaops.sandbox.process import Handle, start

TEST_SPEED = 20.0
T = TypeVar("T")


def client(handle: Handle, service: str) -> Any:
    """A boto3 client on the sandbox (its region, its dummy credentials): what a test checks AWS with."""
    import boto3

    return boto3.client(
        service,
        endpoint_url=handle.endpoint,
        region_name=handle.env()["AWS_DEFAULT_REGION"],
        aws_access_key_id="sandbox",
        aws_secret_access_key="sandbox",
    )


def until(cond: Callable[[], T], timeout: float = 40.0) -> T:
    """Poll ``cond`` until it gives something truthy, or ``timeout`` seconds: its last value (a bounded wait on
    the sandbox's state, never a timing assertion)."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


class SimulatedClock:
    """A fake clock whose sleeps move the sandbox's simulator in-process, on moto's backend (what the sandbox
    server does between requests, here in fake time). Seeded, so a test sees the same rollout every run;
    ``advance`` is what a sleep does after the fake time moved on."""

    def __init__(self, seed: int = 1) -> None:
        from vegaops.clock import FakeClock
        from vegaops.sandbox.simulator import Simulator

        self.fake = FakeClock()
        self.sim = Simulator(speed=1.0, region="eu-central-1", seed=seed)
        self.sim.set_now(self.fake.now())

    def now(self) -> datetime:
        return self.fake.now()

    def monotonic(self) -> float:
        return self.fake.monotonic()

    def sleep(self, seconds: float) -> None:
        self.fake.sleep(seconds)
        self.advance()

    def advance(self) -> None:
        self.sim.tick(self.fake.now())


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

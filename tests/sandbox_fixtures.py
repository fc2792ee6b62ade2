"""Sandbox fixtures: the real sandbox server process on 127.0.0.1, stopped (and checked gone) afterwards."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vegaops.sandbox import process
from vegaops.sandbox.state import pid_alive

SPEED = 20.0  # a rollout takes well under a second of simulated ECS time


def _start(directory: Path, speed: float = SPEED) -> process.Handle:
    with pytest.MonkeyPatch.context() as mp:  # the server process inherits an environment with no real AWS
        for key in list(os.environ):
            if key.startswith("AWS_"):
                mp.delenv(key, raising=False)
        mp.setenv("AWS_CONFIG_FILE", str(directory / "aws-config-absent"))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(directory / "aws-credentials-absent"))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        return process.start(speed=speed, state_dir_=directory)


def _stop(handle: process.Handle) -> None:
    handle.stop()
    assert not pid_alive(handle.state.pid), "the sandbox server outlived its test"


@pytest.fixture(scope="module")
def sandbox_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[process.Handle]:
    """One sandbox for a whole test module (tests in it must not depend on each other's leftovers)."""
    handle = _start(tmp_path_factory.mktemp("sandbox-state"))
    yield handle
    _stop(handle)


@pytest.fixture
def sandbox(sandbox_module: process.Handle, monkeypatch: pytest.MonkeyPatch) -> process.Handle:
    """The module's sandbox, found by ``--env sandbox`` through VEGAOPS_STATE_DIR."""
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(sandbox_module.directory))
    return sandbox_module


@pytest.fixture
def fresh_sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[process.Handle]:
    """A sandbox of this test's own."""
    handle = _start(tmp_path / "sandbox-state")
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(handle.directory))
    yield handle
    _stop(handle)


@pytest.fixture
def on_sandbox(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real executable with ``--env sandbox`` from a directory with no vegaops.toml."""
    import shutil
    import sys

    exe = shutil.which("vegaops", path=str(Path(sys.executable).parent))
    command = [exe] if exe else [sys.executable, "-m", "vegaops"]

    def run(*args: str, input: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, "--env", "sandbox", *args], input=input, capture_output=True, text=True,
                              timeout=timeout, check=False, cwd=tmp_path, env=dict(os.environ))

    return run


def sandbox_client(handle: process.Handle, service: str) -> object:
    import boto3

    env = handle.env()
    return boto3.client(service, endpoint_url=env["AWS_ENDPOINT_URL"], region_name=env["AWS_REGION"],  # type: ignore[call-overload]
                        aws_access_key_id="sandbox", aws_secret_access_key="sandbox")

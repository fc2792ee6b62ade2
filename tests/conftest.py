"""Shared fixtures. Everything talks only to 127.0.0.1 with dummy credentials."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.layers import E2E_FIXTURES, ProcessAndServerGuard

REGION = "eu-central-1"

pytest_plugins = ["tests.sandbox_fixtures", "pytester"]


# --- Test layers --------------------------------------------------------------------------------------------------
# `pytest -m "not e2e"` is the fast loop: no servers, no subprocesses. A test is e2e when it uses (directly or through
# another fixture) one of E2E_FIXTURES, or carries the marker itself; the guard fails any other test that starts a
# subprocess or a listening socket, so the layers cannot drift apart.


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if E2E_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)


_guard = ProcessAndServerGuard()


def pytest_configure(config: pytest.Config) -> None:
    # A suite started as a background job of a non-interactive shell (`pytest ... &`, CI wrappers) inherits SIGINT
    # ignored, and an ignored signal stays ignored across exec: every vegaops subprocess would then shrug off the
    # Ctrl-C the interrupt tests send it and time out. Python's own handler is reset to the default on exec.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    with _guard.active(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    with _guard.active(item):
        return (yield)


SAMPLE_CONFIG = """\
[project]
name = "vega"
region = "eu-central-1"
default_env = "staging"

[env.staging]
cluster = "vega-staging"

[env.prod]
cluster = "vega-prod"
tag_rule = "-stable$"
confirm = true

[service.api]
ecs_service = "vega-api"
container = "api"
ecr_repo = "vega-api"
health_url = "http://127.0.0.1:1/v1/health"
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """No real AWS, no real config files, no user state: for every test."""
    home = tmp_path_factory.mktemp("home")
    for key in list(os.environ):
        if key.startswith(("AWS_", "VEGAOPS_", "GITHUB_", "RUNNER_")) or key in ("NO_COLOR", "CI"):
            monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(home / "aws-config-absent"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "aws-credentials-absent"))
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(home / "state"))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return home


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """In-process moto for unit tests of the AWS layer and steps.

    The tests' own ``boto3.client(...)`` calls use a default session on the process's one model loader (as
    vegaops' ClientFactory does): moto resets the default session, and a fresh one parses the service models again.
    """
    import boto3
    import botocore.session
    from moto import mock_aws

    from vegaops.aws.clients import data_loader

    # moto's EC2 backend otherwise parses ~10,000 AMIs each time it starts (seconds per test that touches EC2);
    # the in-process estates are Fargate and use none (the e2e test on EC2 container instances keeps them)
    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    from moto.moto_api import state_manager

    # moto's state transitions are process-wide: an in-process sandbox (or a test of it) pins ecs::task; every
    # unit test starts from moto's own default, whatever ran before it in this worker
    state_manager.unset_transition("ecs::task")
    with mock_aws():
        core = botocore.session.Session()
        core.register_component("data_loader", data_loader(core.get_config_variable("data_path")))
        boto3.setup_default_session(botocore_session=core)
        yield


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory holding the sample vegaops.toml."""
    (tmp_path / "vegaops.toml").write_text(SAMPLE_CONFIG)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def app_context(project: Path):  # type: ignore[no-untyped-def]
    """An AppContext on the sample config (env staging) with a fake clock and scripted prompter."""
    from vegaops.clock import FakeClock
    from vegaops.context import AppContext, GlobalOptions
    from vegaops.prompter import ScriptedPrompter

    return AppContext(options=GlobalOptions(), cwd=project, clock=FakeClock(), prompter=ScriptedPrompter([]))


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class LeakGuard:
    """Secret hygiene for every command a test runs through ``cli`` or ``run_vegaops``: a value the test gave
    vegaops as a secret (stdin of ``secret set``, ``config set --secure``, ``--var-file``) must never appear in
    what a later command of the same test prints, unless that command reveals on purpose."""

    REVEALING = ("--reveal", "export", "exec")

    def __init__(self) -> None:
        self.values: set[str] = set()

    def check(self, args: tuple[str, ...], input: str | None, result: CliResult) -> None:
        secret_input = (
            ("secret" in args and ("set" in args or "import" in args)) or "--secure" in args or "--var-file" in args
        )
        if input and secret_input and len(input.strip()) >= 10:  # shorter ones collide with ordinary words
            self.values.add(input.strip())
        if any(flag in args for flag in self.REVEALING):
            return
        leaked = sorted(v for v in self.values if v in result.stdout or v in result.stderr)
        assert not leaked, f"vegaops {' '.join(args)} printed a secret value given earlier in this test"


@functools.cache
def _click_command() -> Any:
    """The click command tree of the app, built once: typer's CliRunner rebuilds it (every command's signature
    parsed again) on each invoke, which made in-process CLI tests CPU-bound."""
    import typer.main

    from vegaops.cli.app import app

    return typer.main.get_command(app)


@pytest.fixture
def cli():  # type: ignore[no-untyped-def]
    """Run vegaops in-process through the real error boundary (``vegaops.main.execute``, typer's CliRunner
    isolation for the streams); returns exit code, stdout and stderr."""
    from vegaops.main import execute

    runner = CliRunner()
    guard = LeakGuard()
    command = _click_command()

    def invoke(*args: str, input: str | None = None) -> CliResult:
        with runner.isolation(input=input) as (stdout, stderr, _):
            code: int = 0
            try:
                code, _ctx = execute(list(args), command=command)
            except SystemExit as exit_:  # shell completion exits
                if isinstance(exit_.code, int) or exit_.code is None:
                    code = exit_.code or 0
                else:
                    sys.stdout.write(f"{exit_.code}\n")
                    code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            text = [s.getvalue().decode("utf-8", "replace").replace("\r\n", "\n") for s in (stdout, stderr)]
        out = CliResult(code, *text)
        guard.check(args, input, out)
        return out

    return invoke


@pytest.fixture(scope="module")
def local_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A real Debian docker-registry on loopback for the push tests (skipped only when not installed)."""
    from vegaops.images import localregistry

    if localregistry.available() is None:
        pytest.skip("docker-registry binary not installed (apt-get install docker-registry)")
    registry = localregistry.start(tmp_path_factory.mktemp("registry"))
    yield registry
    registry.stop()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real moto server over HTTP on 127.0.0.1 (stopped at the end of the session)."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def moto_url(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The moto server, reset, and AWS_ENDPOINT_URL pointing at it for this test."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=10)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    return moto_server


def vegaops_executable() -> list[str]:
    exe = shutil.which("vegaops", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-m", "vegaops"]


@pytest.fixture
def run_vegaops(moto_url: str, project: Path):  # type: ignore[no-untyped-def]
    """Run the real vegaops executable as a subprocess against the moto server."""

    guard = LeakGuard()

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None) -> CliResult:
        proc = subprocess.run(
            [*vegaops_executable(), *args],
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=project,
            env={**os.environ, **(env or {})},
        )
        out = CliResult(proc.returncode, proc.stdout, proc.stderr)
        guard.check(args, input, out)
        return out

    return run

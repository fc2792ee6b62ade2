"""Issue 13: AWS that hangs, refuses or keeps failing -> exit 75 within a bounded time, naming the endpoint
and saying what was and was not changed."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import vegaops_executable
from tests.hostile import HangingEndpoint, RecordingMoto, refused_url, run_cli

pytestmark = pytest.mark.e2e


def _worst_case_seconds(client: object) -> float:
    """Every attempt timing out on read, plus botocore standard mode's longest backoff between attempts."""
    config = client.meta.config  # type: ignore[attr-defined]
    attempts = int(config.retries["total_max_attempts"])
    backoff = sum(min(20.0, 2.0 ** (n - 1)) for n in range(1, attempts))
    return attempts * max(float(config.read_timeout), float(config.connect_timeout)) + backoff


def test_default_clients_give_up_within_30_seconds() -> None:
    from vegaops.aws.clients import ClientFactory

    for service in ("ecs", "secretsmanager", "ssm", "logs", "ecr"):
        client = ClientFactory(region="eu-central-1").client(service)
        assert client.meta.config.connect_timeout <= 30 and client.meta.config.read_timeout <= 30
        assert _worst_case_seconds(client) <= 30.0
        assert client.meta.config.retries["total_max_attempts"] >= 2  # throttling and 5xx are still retried


def test_timeout_comes_from_the_variable_then_the_config_key(
    project: Path, monkeypatch: pytest.MonkeyPatch, app_context: object
) -> None:
    from vegaops.context import AppContext

    (project / "vegaops.toml").write_text((project / "vegaops.toml").read_text() + "\n[env.qa]\naws_timeout = 8\n")
    from vegaops.context import GlobalOptions

    ctx = AppContext(options=GlobalOptions(env="qa"), cwd=project)
    assert ctx.clients.timeout == 8.0
    assert _worst_case_seconds(ctx.aws.ecs_client) <= 8.0
    monkeypatch.setenv("VEGAOPS_AWS_TIMEOUT", "4s")
    ctx = AppContext(options=GlobalOptions(env="qa"), cwd=project)
    assert ctx.clients.timeout == 4.0
    assert _worst_case_seconds(ctx.aws.ecs_client) <= 4.0


@pytest.fixture
def hanging() -> Iterator[HangingEndpoint]:
    endpoint = HangingEndpoint()
    yield endpoint
    endpoint.stop()


def test_hanging_endpoint_gives_up_with_75(hanging: HangingEndpoint, project: Path) -> None:
    env = {**os.environ, "AWS_ENDPOINT_URL": hanging.url, "VEGAOPS_AWS_TIMEOUT": "5"}
    started = time.monotonic()
    proc = subprocess.run(
        [*vegaops_executable(), "status"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=project,
        env=env,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 75, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2, proc.stderr
    assert hanging.url in lines[0] and "did not answer in time" in lines[0]
    assert "nothing was changed" in lines[1]
    assert hanging.accepted >= 2  # retried before giving up
    assert elapsed < 5 + 5  # the budget, plus interpreter start-up on a busy machine


def test_refused_endpoint_gives_up_at_once_with_75(project: Path) -> None:
    url = refused_url()
    env = {**os.environ, "AWS_ENDPOINT_URL": url}
    started = time.monotonic()
    proc = subprocess.run(
        [*vegaops_executable(), "-o", "json", "secret", "list"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=project,
        env=env,
    )
    assert proc.returncode == 75, proc.stderr
    import json

    error = json.loads(proc.stdout)["errors"][0]
    assert error["kind"] == "unavailable" and url in error["message"]
    assert time.monotonic() - started < 15  # refused is not a timeout: only the backoff sleeps


@pytest.fixture
def moto(project: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingMoto]:
    server = RecordingMoto()
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    monkeypatch.setenv("VEGAOPS_AWS_TIMEOUT", "20")  # a busy test machine still answers within a try
    yield server
    server.stop()


def test_throttling_that_outlives_retries_is_75(moto: RecordingMoto) -> None:
    moto.fail("DescribeServices", 400, "ThrottlingException")
    code, _out, err = run_cli(["status"])
    assert code == 75, err
    assert "ThrottlingException" in err and f"DescribeServices at {moto.url}" in err
    assert moto.calls.count("DescribeServices") >= 2


RUNBOOK = """
name = "two"
[[steps]]
id = "first"
uses = "ssm.put"
with = { name = "first", value = "one" }
[[steps]]
id = "second"
uses = "secrets.put"
with = { name = "token", value = "two" }
[[steps]]
id = "third"
uses = "ssm.put"
with = { name = "third", value = "three" }
"""


def test_runbook_step_failing_with_5xx_says_which_steps_were_done(moto: RecordingMoto, project: Path) -> None:
    (project / "two.toml").write_text(RUNBOOK)
    # Every step is planned before any applies, so the failure is put on the second step's write.
    moto.fail("CreateSecret", 503, "ServiceUnavailableException")
    code, _out, err = run_cli(["--yes", "runbook", "run", "two.toml"])
    assert code == 75, err
    block = err[err.index("error: ") :].strip().splitlines()
    assert len(block) == 2, err
    assert "second" in block[0] and "CreateSecret" in block[0]
    assert "changed before the failure: first" in block[1]
    assert "not run: third" in block[1]
    assert "PutParameter" in moto.calls and moto.calls.count("PutParameter") == 1  # third never ran

"""Drive the real questionary prompts of `vegaops setup` through a pseudo-terminal."""

from __future__ import annotations

import os
import re
import select
import subprocess
import time
import tomllib
from pathlib import Path

import boto3
import pytest

from tests.conftest import vegaops_executable
from tests.setup.conftest import seed_estate

pytestmark = pytest.mark.e2e

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    def __init__(self, args: list[str], cwd: Path) -> None:
        master, slave = os.openpty()
        env = {**os.environ, "TERM": "xterm", "COLUMNS": "120", "LINES": "40"}
        env.pop("NO_COLOR", None)
        self.proc = subprocess.Popen(
            args, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, start_new_session=True
        )
        os.close(slave)
        self.fd = master
        self.buffer = ""

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in ANSI.sub("", self.buffer):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"did not see {text!r}; screen so far:\n{ANSI.sub('', self.buffer)[-2000:]}")
            ready, _, _ = select.select([self.fd], [], [], remaining)
            if ready:
                try:
                    self.buffer += os.read(self.fd, 65536).decode(errors="replace")
                except OSError:
                    break
        self.buffer = ANSI.sub("", self.buffer).split(text, 1)[1]

    def send(self, keys: str) -> None:
        """Type once prompt_toolkit has finished drawing (the screen is quiet), as a person would."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.4)
            if not ready:
                break
            try:
                self.buffer += os.read(self.fd, 65536).decode(errors="replace")
            except OSError:
                break
        os.write(self.fd, keys.encode())

    def wait(self, timeout: float = 60) -> int:
        deadline = time.monotonic() + timeout
        try:
            while self.proc.poll() is None:
                if time.monotonic() > deadline:
                    raise AssertionError(f"setup did not finish; screen:\n{ANSI.sub('', self.buffer)[-1500:]}")
                ready, _, _ = select.select([self.fd], [], [], 0.2)
                if ready:
                    try:
                        self.buffer += os.read(self.fd, 65536).decode(errors="replace")
                    except OSError:  # the child closed the terminal: it is exiting
                        time.sleep(0.05)
            return self.proc.wait(timeout=10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            os.close(self.fd)


def test_wizard_in_a_real_terminal(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_estate()
    term = Terminal(
        [
            *vegaops_executable(),
            "setup",
            "--cluster",
            "vega-prod",
            "--service",
            "api=vega-api",
            "--container",
            "api=api",
            "--ecr-repo",
            "api=vega-api",
            "--health-url",
            "api=http://alb/v1/health",
            "--secrets-prefix",
            "vega/prod/",
            "--params-prefix",
            "/vega/prod/",
            "--skip-check",
        ],
        tmp_path,
    )
    term.expect("Environment name")
    term.send("\r")  # accept the proposal ("prod")
    term.expect("Image tag rule")
    term.send("\r")  # accept "-stable$"
    term.expect("Ask for confirmation")
    term.send("y\r")  # answers need Enter: "y" alone only selects
    term.expect("management-token")  # a missing secret: create it through a hidden prompt
    term.send("y\r")
    term.expect("Value for vega/prod/management-token")
    term.send("s3cr3t-token\r")
    term.expect("Again, to confirm")
    term.send("s3cr3t-token\r")
    term.expect("redis-endpoint")
    term.send("y\r")
    term.expect("Value for /vega/prod/redis-endpoint")
    term.expect("(default: redis://localhost:6379)")  # shown, not pre-filled: what is typed is the value
    term.send("redis://cache:6379\r")
    term.expect("Apply this plan?")
    term.send("y\r")
    assert term.wait() == 0, term.buffer
    assert "s3cr3t-token" not in ANSI.sub("", term.buffer)
    cfg = tomllib.loads((tmp_path / "vegaops.toml").read_text())
    assert cfg["env"]["prod"]["tag_rule"] == "-stable$" and cfg["env"]["prod"]["confirm"] is True
    sm = boto3.client("secretsmanager")
    assert sm.get_secret_value(SecretId="vega/prod/management-token")["SecretString"] == "s3cr3t-token"
    assert (
        boto3.client("ssm").get_parameter(Name="/vega/prod/redis-endpoint")["Parameter"]["Value"]
        == "redis://cache:6379"
    )

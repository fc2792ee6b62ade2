"""`vegaops secret set NAME` in a real terminal: a hidden prompt with confirmation; the value never echoes."""

from __future__ import annotations

import os
import select
import time
from pathlib import Path

import boto3
import pytest

from tests.conftest import vegaops_executable
from tests.setup.test_setup_pty import ANSI, Terminal

pytestmark = pytest.mark.e2e

VALUE = "pty-hidden-hunter2"


def _finish(term: Terminal, timeout: float = 60) -> int:
    """Read until the process exits (a deadline in time, not in chunks read)."""
    deadline = time.monotonic() + timeout
    try:
        while term.proc.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([term.fd], [], [], 0.2)
            if ready:
                try:
                    term.buffer += os.read(term.fd, 65536).decode(errors="replace")
                except OSError:
                    time.sleep(0.05)
        if term.proc.poll() is None:
            raise AssertionError(f"did not finish; screen:\n{ANSI.sub('', term.buffer)[-1500:]}")
        return term.proc.wait(timeout=10)
    finally:
        if term.proc.poll() is None:
            term.proc.kill()
            term.proc.wait(timeout=10)
        os.close(term.fd)


def test_hidden_prompt_with_confirmation(moto_url: str, project: Path) -> None:
    term = Terminal([*vegaops_executable(), "secret", "set", "database-url"], project)
    term.expect("Value for secret database-url")
    term.send(VALUE + "\r")
    term.expect("Again, to confirm")
    term.send("typo\r")
    term.expect("the two entries differ")
    screen = term.buffer
    term.expect("Value for secret database-url")
    term.send(VALUE + "\r")
    term.expect("Again, to confirm")
    term.send(VALUE + "\r")
    code = _finish(term)
    screen += ANSI.sub("", term.buffer)
    assert code == 0, screen
    assert "create secret vega/staging/database-url" in screen
    assert VALUE not in screen and "typo" not in screen
    got = boto3.client("secretsmanager", endpoint_url=moto_url).get_secret_value(SecretId="vega/staging/database-url")
    assert got["SecretString"] == VALUE

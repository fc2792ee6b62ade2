"""`secret export` on a real terminal prints values only with --reveal (issue 13 item 6); pipes need nothing."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from tests.conftest import vegaops_executable
from tests.e2e.test_secret_prompt_pty import _finish
from tests.setup.test_setup_pty import ANSI, Terminal

pytestmark = pytest.mark.e2e

VALUE = "tty-export-hunter2"


def test_export_to_a_terminal_needs_reveal(moto_url: str, project: Path, run_vegaops) -> None:  # type: ignore[no-untyped-def]
    boto3.client("secretsmanager", endpoint_url=moto_url).create_secret(
        Name="vega/staging/db-password", SecretString=VALUE
    )
    term = Terminal([*vegaops_executable(), "secret", "export"], project)
    code = _finish(term)
    screen = ANSI.sub("", term.buffer)
    assert code == 2, screen
    assert VALUE not in screen and "--reveal" in screen and "Traceback" not in screen

    term = Terminal([*vegaops_executable(), "secret", "export", "--reveal"], project)
    code = _finish(term)
    assert code == 0 and VALUE in ANSI.sub("", term.buffer)

    piped = run_vegaops("secret", "export")  # a pipe: no --reveal needed
    assert piped.exit_code == 0 and VALUE in piped.stdout

"""The JSON envelope's ``command`` is the command as typed (issue 15 item 6), and usage hints paste."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.usefixtures("aws", "project")


@pytest.mark.parametrize(
    ("args", "command"),
    [
        (["deploy", "history", "api"], "deploy history"),
        (["deploy", "watch", "api", "--timeout", "1"], "deploy watch"),
        (["config", "history", "log-level"], "config history"),
        (["status", "api"], "status"),
    ],
)
def test_the_envelope_names_the_command_typed(cli: Any, args: list[str], command: str) -> None:
    r = cli("-o", "json", *args)
    envelope = json.loads(r.stdout)
    assert envelope["command"] == command, envelope


def test_a_usage_error_hint_is_a_command_that_pastes(capsys: pytest.CaptureFixture[str]) -> None:
    from vegaops.main import run

    assert run(["--env", "prod", "deploy", "history", "api", "--limit", "x"]) == 2
    err = capsys.readouterr().err
    assert "[services]" not in err, err
    assert "hint: see vegaops --env prod deploy history --help" in err, err

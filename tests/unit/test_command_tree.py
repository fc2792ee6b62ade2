"""vegaops.cli.tree: a run builds only the branch of the command tree its arguments name."""

from __future__ import annotations

import pytest

from vegaops.cli.app import app
from vegaops.cli.tree import command_for

EVERYTHING = {g.name for g in app.registered_groups} | {c.name for c in app.registered_commands}


@pytest.mark.parametrize(
    ("args", "built"),
    [
        (["config", "get", "db_host"], {"config"}),
        (["-e", "staging", "-o", "json", "config", "get", "x"], {"config"}),
        (["--env=staging", "--dry-run", "status"], {"status"}),
        (["-vv", "-y", "deploy", "--tag", "v1"], {"deploy"}),
        (["--config", "deploy", "iam-policy"], {"iam-policy"}),  # an option's value is not a command word
        (["exec", "--", "env"], {"exec"}),
    ],
)
def test_only_the_named_branch_is_built(args: list[str], built: set[str]) -> None:
    assert set(command_for(app, args).commands) == built


@pytest.mark.parametrize(
    "args",
    [[], ["--help"], ["-h", "config"], ["nosuch", "x"], ["-ojson", "config"], ["--bogus", "config"], ["--", "x"]],
)
def test_the_whole_tree_when_no_command_word_is_certain(args: list[str]) -> None:
    """Root help lists every command, an unknown word gets click's suggestions, odd options click's error."""
    assert set(command_for(app, args).commands) == EVERYTHING


def test_completion_sees_the_whole_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_VEGAOPS_COMPLETE", "complete_bash")
    assert set(command_for(app, ["config", "get"]).commands) == EVERYTHING

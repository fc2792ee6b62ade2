"""vegaops.cli.tree: a run builds only the branch of the command tree its arguments name."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import typer.main

from vegaops.cli.app import TREE, app
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
    assert set(command_for(args).commands) == built


@pytest.mark.parametrize(
    "args",
    [[], ["--help"], ["-h", "config"], ["nosuch", "x"], ["-ojson", "config"], ["--bogus", "config"], ["--", "x"]],
)
def test_the_whole_tree_when_no_command_word_is_certain(args: list[str]) -> None:
    """Root help lists every command, an unknown word gets click's suggestions, odd options click's error."""
    assert set(command_for(args).commands) == EVERYTHING


def test_the_table_names_every_command_of_the_tree() -> None:
    """``TREE`` is what a run can reach: every command word of the whole tree, and nothing else."""
    assert set(TREE) == EVERYTHING
    assert set(typer.main.get_command(app).commands) == EVERYTHING


@pytest.mark.e2e  # a fresh interpreter: what an import pulls in
@pytest.mark.parametrize("word", ["config", "status", "exec"])
def test_only_the_named_module_is_imported(word: str) -> None:
    """A one-call command imports its own module, not the other command modules of the tree."""
    code = (
        "import json, sys; from vegaops.cli.tree import command_for; "
        f"command_for([{word!r}, '--help']); "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('vegaops.cli.'))))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    loaded = {m for m in json.loads(proc.stdout) if m.rsplit(".", 1)[-1] not in ("app", "tree", "common", "argv")}
    target = TREE[word][0].partition(":")[0]
    assert loaded and all(m == target or m.startswith(target + ".") for m in loaded), loaded


def test_completion_sees_the_whole_tree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_VEGAOPS_COMPLETE", "complete_bash")
    assert set(command_for(["config", "get"]).commands) == EVERYTHING

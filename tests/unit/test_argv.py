"""Global options anywhere on the line (issue 15 item 3): moved in front of the subcommand, meanings kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.main import get_command

from vegaops.cli.app import app
from vegaops.cli.argv import hoist_globals

ROOT = get_command(app)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (["status", "api", "-o", "json"], ["-o", "json", "status", "api"]),
        (["deploy", "--tag", "x", "--env", "prod"], ["--env", "prod", "deploy", "--tag", "x"]),
        (["deploy", "--tag", "x", "--env=prod", "api"], ["--env=prod", "deploy", "--tag", "x", "api"]),
        (["deploy", "history", "api", "-eprod", "-vq"], ["-eprod", "-vq", "deploy", "history", "api"]),
        (["--env", "a", "config", "list", "--env", "b"], ["--env", "a", "--env", "b", "config", "list"]),
        (["config", "set", "k", "v", "-y", "--no-input"], ["-y", "--no-input", "config", "set", "k", "v"]),
        # a subcommand's own option of the same name keeps its meaning
        (["setup", "--env", "prod"], ["setup", "--env", "prod"]),
        (["deploy", "--dry-run", "--tag", "x"], ["deploy", "--dry-run", "--tag", "x"]),
        (["config", "get", "k", "--version", "3"], ["config", "get", "k", "--version", "3"]),
        # values of a subcommand's options are never taken for options
        (["config", "set", "k", "--description", "-o"], ["config", "set", "k", "--description", "-o"]),
        # nothing after -- moves, nor what exec runs
        (["exec", "--", "env", "-o", "json"], ["exec", "--", "env", "-o", "json"]),
        (["exec", "printenv", "-e", "x"], ["exec", "printenv", "-e", "x"]),
        # unknown options stay where they are for click to report
        (["status", "--bogus"], ["status", "--bogus"]),
        (["--help"], ["--help"]),
        (["status", "--help", "-o", "json"], ["-o", "json", "status", "--help"]),
    ],
)
def test_hoist(given: list[str], expected: list[str]) -> None:
    assert hoist_globals(given, ROOT) == expected


def test_a_subcommand_option_named_like_a_global_one_is_not_moved() -> None:
    """Whichever subcommand defines -e/-o/-v/-q/-y/--env itself keeps it (read from the command tree)."""
    globals_ = {o for p in ROOT.params for o in p.opts}

    def walk(command: object, path: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])
        if not path:
            return
        for param in getattr(command, "params", []):
            for opt in set(getattr(param, "opts", [])) & globals_:
                takes = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
                args = [*path, opt, *(["v"] if takes else [])]
                assert hoist_globals(args, ROOT) == args, args

    walk(ROOT, [])


@pytest.mark.e2e
def test_options_after_the_subcommand_through_main(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vegaops.main import run

    assert run(["env", "show", "prod", "-o", "json"]) == 0
    envelope = json.loads(capsys.readouterr().out)
    assert envelope["command"] == "env show"
    assert run(["env", "list", "--output", "json", "--env", "prod"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] in ("ok", "unchanged")


def test_options_after_the_subcommand_in_process(cli: object, project: Path) -> None:
    """The root group reorders, so typer's CliRunner (and anything embedding the app) gets the same meaning."""
    r = cli("env", "list", "-o", "json", "-e", "prod")  # type: ignore[operator]
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["command"] == "env list"

"""Property: whatever a user types, vegaops never exits 1, never prints a traceback, says a usage error in
at most two lines (error + hint), and writes nothing to AWS when it exits 2.

The command lines are generated from the typer app's own command tree (``typer.main.get_command``):
every command, argument and option, so a new option is fuzzed the day it is added. Values are hostile:
binary (surrogate-escaped argv bytes), huge, empty, negative, non-finite, unicode, path-like, option-like.
They run through the real error boundary (``vegaops.main.run``) against a plain moto server that logs the
operations it serves, so AWS writes are counted on the server side.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.hostile import RecordingMoto, run_cli

pytestmark = pytest.mark.e2e

# Commands that start processes or write outside the working directory by design (the sandbox servers,
# ``exec`` runs an arbitrary program, ``setup`` writes vegaops.toml and may start the sandbox); options that
# make a command wait for the world (follow, wait) or change what vegaops prints on purpose (--debug
# prints tracebacks, completion installs into the shell).
SKIP_COMMANDS = {("sandbox",), ("exec",), ("setup",)}
SKIP_OPTIONS = {"--follow", "--live", "--wait", "--wait-for-other", "--debug", "--install-completion",
                "--show-completion", "--version", "--help"}  # fmt: skip

SAFE_PATHS = [".", "..", "/", "", "-", "~", "missing/dir/x.env", "sub/", "./out.env", "vegaops.toml", "a" * 300]
HOSTILE = [
    "",
    " ",
    "-",
    "--",
    "-1",
    "-0.5",
    "0",
    "1e309",
    "nan",
    "inf",
    "-inf",
    "99999999999999999999999",
    "99999999d",
    "1e-300",
    "abc",
    "10m",
    "0s",
    "x" * 3000,
    "9" * 400,
    "\udcff\udcfe\udc80",  # argv bytes that are not UTF-8, as Python hands them over
    "ünïcødé",
    "😀",
    "\u202e",
    "日本語",
    "a\nb",
    "\t",
    "${vars.x",
    "${",
    "$(id)",
    "a=b",
    "=",
    "%s%n",
    "'\"",
    "--dry-run",
    "-x",
    "--tag",
    "api",
    "staging",
    "prod",
    "sandbox",
    "v1",
    "ecs-svc/1234",
    "current",
    "previous",
    "json",
    "human",
    "/vega/x",
    "vega/x",
    "x" * 600,
    "/" + "/".join("abcdefghijklmnopq"),
]
_PATHY = ("to", "file", "config", "from_file", "source", "var_file")


def _text() -> st.SearchStrategy[str]:
    generated = st.text(min_size=0, max_size=40).filter(lambda s: not s.startswith(("/", "~", "..")))
    return st.one_of(st.sampled_from(HOSTILE), generated)


def _value(param: Any) -> st.SearchStrategy[str]:
    if param.name in _PATHY:
        return st.sampled_from(SAFE_PATHS)
    if param.name in ("var", "tag") and getattr(param, "multiple", False):
        return st.one_of(_text(), st.builds(lambda k, v: f"{k}={v}", _text(), _text()))
    return _text()


def _commands() -> list[tuple[tuple[str, ...], Any]]:
    from typer.main import get_command

    from vegaops.cli.app import app

    found: list[tuple[tuple[str, ...], Any]] = []

    def walk(cmd: Any, path: tuple[str, ...]) -> None:
        if path in SKIP_COMMANDS:
            return
        subs = getattr(cmd, "commands", None)
        if path and (not subs or getattr(cmd, "invoke_without_command", False)):
            found.append((path, cmd))
        for name, sub in (subs or {}).items():
            walk(sub, (*path, name))

    walk(get_command(app), ())
    return found


COMMANDS = _commands()


def _is_flag(param: Any) -> bool:
    return bool(getattr(param, "is_flag", False) or getattr(param, "count", False))


@st.composite
def _params(draw: st.DrawFn, params: list[Any]) -> list[str]:
    argv: list[str] = []
    positional: list[str] = []
    for param in params:
        if param.param_type_name == "argument":
            if param.required or draw(st.booleans()):
                count = draw(st.integers(1, 2)) if param.nargs == -1 else 1
                positional.extend(draw(_value(param)) for _ in range(count))
            continue
        opts = [o for o in param.opts if o not in SKIP_OPTIONS]
        if not opts or draw(st.integers(0, 3)) != 0:
            continue
        flag = draw(st.sampled_from(opts))
        if _is_flag(param):
            argv.append(flag)
        else:
            argv.extend([flag, draw(_value(param))])
    return [*argv, *positional] if draw(st.booleans()) else [*positional, *argv]


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    from typer.main import get_command

    from vegaops.cli.app import app

    root = get_command(app)
    path, cmd = draw(st.sampled_from(COMMANDS))
    return [*draw(_params(list(root.params))), *path, *draw(_params(list(cmd.params)))]


@pytest.fixture(scope="module")
def moto() -> Iterator[RecordingMoto]:
    server = RecordingMoto()
    yield server
    server.stop()


def test_commands_are_found_from_the_app() -> None:
    paths = {" ".join(p) for p, _ in COMMANDS}
    assert {"deploy", "secret set", "config set", "logs tail", "rollback", "image promote"} <= paths


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing command line is printed as it is
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(argv=command_lines(), stdin=st.one_of(st.just(b""), st.binary(max_size=64), st.sampled_from([b"\n", b"ok\n"])))
def test_hostile_command_lines(
    moto: RecordingMoto, project: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: bytes
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto.url)
    monkeypatch.setenv("VEGAOPS_AWS_TIMEOUT", "5")
    moto.reset()
    code, out, err = run_cli(argv, stdin)
    shown = f"vegaops {argv!r} -> {code}\n{err}"
    assert code != 1, shown
    assert "Traceback" not in out + err, shown
    if code == 2:
        lines = err.strip().splitlines()
        first = next((i for i, line in enumerate(lines) if line.startswith("error: ")), None)
        if first is None:  # json mode: the envelope on stdout says it
            assert '"exit_code": 2' in out, shown
        else:
            block = lines[first:]
            assert len(block) == 2 and block[1].startswith("hint: "), shown  # one line + a hint
        assert moto.writes() == [], shown

"""Dotenv quoting round-trips (hypothesis) and the name rules shared by export, exec and import."""

from __future__ import annotations

import re
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vegaops import dotenv
from vegaops.errors import UsageError
from vegaops.naming import env_var_name
from vegaops.stores import name_from_env_key

KEYS = st.from_regex(r"[A-Z_][A-Z0-9_]{0,20}", fullmatch=True)
VALUES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
TRICKY = st.text(alphabet="ab $\"'\\\n\r\t#=`{}", max_size=40)


def read_with_python_dotenv(text: str, interpolate: bool = False) -> dict[str, str | None]:
    import io

    from dotenv import dotenv_values

    return dict(dotenv_values(stream=io.StringIO(text), interpolate=interpolate))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.one_of(VALUES, TRICKY), max_size=8))
def test_dotenv_round_trips_through_python_dotenv(values: dict[str, str]) -> None:
    text = dotenv.render(values)
    assert read_with_python_dotenv(text) == values
    assert dotenv.parse(text) == values  # import reads it with python-dotenv's parser too
    assert text.count("\n") == len(values)  # a value never breaks a line
    # python-dotenv's default (interpolating) read: exact for every value without ${ (it has no escape for it)
    plain = {k: v for k, v in values.items() if "${" not in v}
    assert read_with_python_dotenv(dotenv.render(plain), interpolate=True) == plain


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, st.one_of(VALUES, TRICKY), max_size=5))
def test_json_round_trip(values: dict[str, str]) -> None:
    assert dotenv.parse_file_text(dotenv.render_json(values), "x.json") == values


def test_quoting_examples() -> None:
    assert dotenv.quote('a"b') == "'a\"b'"
    assert dotenv.quote(" $HOME # not a comment = ") == "' $HOME # not a comment = '"
    assert dotenv.quote("x\ny") == '"x\\ny"'
    assert dotenv.quote("it's") == '"it\'s"'
    assert dotenv.quote("C:\\path") == '"C:\\\\path"'


def test_parse_accepts_what_python_dotenv_and_compose_files_hold() -> None:
    text = (
        "# comment\nexport A=1\nB='literal $x \\n'\nC=\"multi\nline\"\nD=bare value # trailing\n\nE=\n"
        'F="tab\\there \\"q\\" back\\\\slash"\n'
    )
    assert dotenv.parse(text) == {
        "A": "1",
        "B": "literal $x \\n",
        "C": "multi\nline",
        "D": "bare value",
        "E": "",
        "F": 'tab\there "q" back\\slash',
    }
    with pytest.raises(UsageError, match=r"x\.env:2: expected KEY=VALUE"):
        dotenv.parse("A=1\nnot an assignment\n", "x.env")
    with pytest.raises(UsageError, match=r"x\.env:2: B has no value"):
        dotenv.parse("A=1\nB\n", "x.env")
    with pytest.raises(UsageError, match=r"x\.env:1: unterminated quoted value"):
        dotenv.parse('A="open\n', "x.env")


SHELL_KEYS = st.from_regex(r"V_[A-Z0-9_]{0,20}", fullmatch=True)  # not _, PWD, IFS ...: the shell sets those
SHELL_VALUES = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@pytest.mark.e2e
@pytest.mark.parametrize("shell", ["sh", "bash"])
@settings(max_examples=40, deadline=None)
@given(values=st.dictionaries(SHELL_KEYS, st.one_of(SHELL_VALUES, TRICKY), min_size=1, max_size=6))
def test_env_format_round_trips_through_set_a_and_dot_in_a_real_shell(
    shell: str, values: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    import os

    path = tmp_path_factory.mktemp("envfile") / "vars.env"
    path.write_text(dotenv.render_env(values), encoding="utf-8")
    names = " ".join(values)
    # set -a exports what the file assigns; a child process (printenv) sees exactly those values
    show = 'printf "%s=" "$n"; printenv "$n" | head -c -1; printf "\\0"'
    script = f'set -a; . "$1"; set +a; for n in {names}; do {show}; done'
    proc = subprocess.run(
        [shell, "-c", script, shell, str(path)], capture_output=True, check=True, env=dict(os.environ)
    )
    got = dict(item.split("=", 1) for item in proc.stdout.decode("utf-8").split("\0") if item)
    assert got == values


@given(st.from_regex(r"[a-z][a-z0-9]*(-[a-z0-9]+){0,4}", fullmatch=True))
def test_env_names_invert_for_kebab_names(name: str) -> None:
    var = env_var_name(name)
    assert re.fullmatch(r"[A-Z_][A-Z0-9_]*", var)
    assert name_from_env_key(var) == name


@given(st.text(alphabet="abcXYZ019-_./ ", min_size=1, max_size=30).filter(lambda s: re.search(r"[A-Za-z0-9]", s)))
def test_env_var_names_are_always_valid(key: str) -> None:
    assert re.fullmatch(r"[A-Z_][A-Z0-9_]*", env_var_name(key))


NAMES = st.from_regex(r"[a-z0-9][a-z0-9_.\-]{0,15}(/[a-z0-9][a-z0-9_.\-]{0,15}){0,2}", fullmatch=True)


@given(NAMES, st.sampled_from(["vega/staging/", "vega/prod/", "app/"]))
def test_one_address_space_round_trips(name: str, prefix: str) -> None:
    from vegaops.naming import param_name, relative, secret_name

    assert relative(prefix, secret_name(prefix, name)) == name
    params_prefix = "/" + prefix
    assert relative(params_prefix, param_name(params_prefix, name)) == name
    assert env_var_name(relative(prefix, secret_name(prefix, name))) == env_var_name(name)

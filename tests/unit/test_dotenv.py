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


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.one_of(VALUES, TRICKY), max_size=8))
def test_dotenv_round_trip(values: dict[str, str]) -> None:
    text = dotenv.render(values)
    assert dotenv.parse(text) == values
    assert text.count("\n") == len(values)  # a value never breaks a line


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, st.one_of(VALUES, TRICKY), max_size=5))
def test_json_round_trip(values: dict[str, str]) -> None:
    assert dotenv.parse_file_text(dotenv.render_json(values), "x.json") == values


def test_quoting_examples() -> None:
    assert dotenv.quote('a"b') == '"a\\"b"'
    assert dotenv.quote("x\ny") == '"x\\ny"'
    assert dotenv.quote("$HOME") == '"\\$HOME"'
    assert dotenv.quote("C:\\path") == '"C:\\\\path"'


def test_parse_accepts_common_forms() -> None:
    text = "# comment\nexport A=1\nB='literal $x \\n'\nC=\"multi\nline\"\nD=bare value # trailing\n\nE=\n"
    assert dotenv.parse(text) == {"A": "1", "B": "literal $x \\n", "C": "multi\nline", "D": "bare value", "E": ""}
    with pytest.raises(UsageError, match=r"x\.env:2"):
        dotenv.parse("A=1\nnot an assignment\n", "x.env")
    with pytest.raises(UsageError, match="unterminated"):
        dotenv.parse('A="open\n', "x.env")


def test_env_format_survives_a_real_shell() -> None:
    values = {"A": 'it\'s "quoted"\nand $HOME `x` \\'}
    script = dotenv.render_env(values) + 'printf %s "$A"'
    got = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout
    assert got == values["A"]


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

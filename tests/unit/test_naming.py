from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vegaops.errors import UsageError
from vegaops.naming import env_var_name, param_name, param_path, relative, secret_name


@pytest.mark.parametrize(
    ("prefix", "name", "expected"),
    [
        ("/vega/prod/", "log-level", "/vega/prod/log-level"),
        ("/vega/prod", "db/url", "/vega/prod/db/url"),
        ("/vega/prod/", "/abs/name", "/abs/name"),
        ("/", "log-level", "/log-level"),
    ],
)
def test_param_name(prefix: str, name: str, expected: str) -> None:
    assert param_name(prefix, name) == expected


def test_param_name_rejects_bad_characters() -> None:
    with pytest.raises(UsageError, match="invalid parameter name"):
        param_name("/vega/", "bad name!")


def test_secret_name_and_relative() -> None:
    assert secret_name("vega/prod/", "database-url") == "vega/prod/database-url"
    assert secret_name("vega/prod/", "/other/thing") == "other/thing"
    assert relative("vega/prod/", "vega/prod/database-url") == "database-url"
    assert relative("/vega/prod/", "/vega/prod/log-level") == "log-level"
    assert param_path("/vega/prod/", None) == "/vega/prod"


@pytest.mark.parametrize(
    ("key", "expected"),
    [("db-password", "DB_PASSWORD"), ("api/openai.key", "API_OPENAI_KEY"), ("logLevel", "LOG_LEVEL"), ("1st", "_1ST")],
)
def test_env_var_name(key: str, expected: str) -> None:
    assert env_var_name(key) == expected


@given(st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]) | st.sampled_from("-_./"), min_size=1))
def test_env_var_name_is_always_a_valid_identifier(key: str) -> None:
    try:
        name = env_var_name(key)
    except UsageError:
        return
    assert name.isidentifier() and name == name.upper()

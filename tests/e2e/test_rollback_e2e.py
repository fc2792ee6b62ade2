"""Repeated rollbacks with the real executable over HTTP (issue 13 item 4): twice is the same as once."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.e2e


def test_secret_and_config_rollback_twice(run_vegaops) -> None:  # type: ignore[no-untyped-def]
    for value in ("good-1", "good-2", "bad-3"):
        assert run_vegaops("secret", "set", "database-url", input=value).exit_code == 0
        assert run_vegaops("config", "set", "log-level", value).exit_code == 0
    for attempt in range(3):  # a CI retry, a second operator: each run after the first plans nothing
        r = run_vegaops("-o", "json", "secret", "rollback", "database-url")
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["status"] == ("changed" if attempt == 0 else "unchanged")
        assert run_vegaops("secret", "get", "database-url", "--reveal").stdout == "good-2\n"
        r = run_vegaops("-o", "json", "config", "rollback", "log-level")
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["status"] == ("changed" if attempt == 0 else "unchanged")
        assert run_vegaops("config", "get", "log-level", "--reveal").stdout == "good-2\n"
    # a new value after the rollback, then a rollback: back to the value before the new one
    assert run_vegaops("secret", "set", "database-url", input="good-4").exit_code == 0
    assert run_vegaops("secret", "get", "database-url", "--reveal").stdout == "good-4\n"
    assert run_vegaops("secret", "rollback", "database-url").exit_code == 0
    assert run_vegaops("secret", "get", "database-url", "--reveal").stdout == "good-2\n"

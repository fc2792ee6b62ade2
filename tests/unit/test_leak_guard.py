"""The suite-wide leak guard (tests/conftest.LeakGuard) catches what it must and lets --reveal through."""

from __future__ import annotations

import pytest

from tests.conftest import CliResult, LeakGuard

VALUE = "hunter2-hunter2-hunter2"


def test_a_value_given_as_a_secret_may_not_be_printed_later() -> None:
    guard = LeakGuard()
    guard.check(("secret", "set", "db"), VALUE + "\n", CliResult(0, "created", ""))
    with pytest.raises(AssertionError, match="printed a secret value"):
        guard.check(("secret", "get", "db"), None, CliResult(0, f"value {VALUE}", ""))
    with pytest.raises(AssertionError):
        guard.check(("--debug", "config", "list"), None, CliResult(1, "", f"Traceback ... {VALUE}"))


def test_reveal_export_and_exec_may_print_it() -> None:
    guard = LeakGuard()
    guard.check(("config", "set", "token", "--secure"), VALUE, CliResult(0, "", ""))
    for args in (("secret", "get", "db", "--reveal"), ("secret", "export"), ("exec", "--", "env")):
        guard.check(args, None, CliResult(0, VALUE, ""))

"""``wait_until``: the real-time poll for local processes (sandbox server, loopback registry)."""

from __future__ import annotations

import pytest

from vegaops.clock import wait_until


def test_wait_until_polls_until_the_condition_holds() -> None:
    answers = iter([False, False, True, False])
    calls: list[int] = []

    def cond() -> bool:
        calls.append(1)
        return next(answers)

    assert wait_until(cond, timeout=60, interval=0) is True
    assert len(calls) == 3  # stops polling once it holds


def test_wait_until_gives_up_at_the_timeout() -> None:
    calls: list[int] = []

    def never() -> bool:
        calls.append(1)
        return False

    assert wait_until(never, timeout=0, interval=0) is False
    assert calls == [1]  # one look, then the (zero) timeout has passed


def test_an_error_in_the_condition_ends_the_wait() -> None:
    def exited() -> bool:
        raise RuntimeError("the process exited with 3")

    with pytest.raises(RuntimeError, match="exited with 3"):
        wait_until(exited, timeout=60, interval=0)

"""Time, injected. Polling code takes a Clock so tests run it in zero real time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when slept on or advanced: for tests and simulations."""

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime(2026, 1, 1, tzinfo=UTC)
        self._elapsed = 0.0
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        from datetime import timedelta

        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        self._elapsed += max(0.0, seconds)


def wait_until(cond: Callable[[], bool], timeout: float, interval: float) -> bool:
    """Poll ``cond`` every ``interval`` s until it is true (True) or ``timeout`` s passed (False); an exception
    from ``cond`` ends the wait. Real time: for a local process starting or stopping (the sandbox server, the
    loopback registry), not for AWS, which is polled on the injected clock."""
    from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

    return bool(
        Retrying(
            retry=retry_if_result(lambda ok: not ok),
            stop=stop_after_delay(timeout),
            wait=wait_fixed(interval),
            retry_error_callback=lambda _state: False,
        )(cond)
    )

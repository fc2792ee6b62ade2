"""A token bucket on an injected clock, shared by the log readers (blocking ``acquire``) and the deploy
watch (``spend`` what a poll used, ``wait_time`` before the next one)."""

from __future__ import annotations

import threading

from vegaops.clock import Clock


class RateLimiter:
    """``rate`` tokens a second up to ``burst``; one token per API call."""

    def __init__(self, clock: Clock, rate: float = 5.0, burst: float = 5.0) -> None:
        self.clock = clock
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.last = clock.monotonic()
        self._lock = threading.Lock()  # per-stream log reads acquire from several threads

    def _refill(self) -> None:
        now = self.clock.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now

    def acquire(self) -> None:
        """Take one token, sleeping until there is one."""
        with self._lock:
            self._refill()
            if self.tokens < 1.0:
                self.clock.sleep((1.0 - self.tokens) / self.rate)
                self.tokens = 1.0
                self.last = self.clock.monotonic()
            self.tokens -= 1.0

    def spend(self, n: float) -> None:
        """Take ``n`` tokens already used; the bucket may go below zero (repaid by later waits)."""
        with self._lock:
            self._refill()
            self.tokens -= n

    def wait_time(self, n: float = 1.0) -> float:
        """Seconds until ``n`` tokens are there (0 when they are)."""
        with self._lock:
            self._refill()
            return 0.0 if self.tokens >= n else (n - self.tokens) / self.rate

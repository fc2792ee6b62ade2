"""API calls counted per operation through botocore's ``before-call`` event hook (the layer's ``ctx.aws.calls``).

A module of its own so the wrappers (``Ecs.calls``, ``Logs.calls``, ...) and the layer that builds them both
use it without importing each other.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class CallCounter:
    """Counts API calls per ``service:Operation`` through botocore's ``before-call`` hook (thread-safe)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    @classmethod
    def for_client(cls, client: Any, counter: CallCounter | None = None) -> CallCounter:
        """``counter`` (the layer's, already attached), else a new counter of ``client``'s own calls (a wrapper
        built outside the layer: tests)."""
        if counter is None:
            counter = cls()
            counter.attach(client)
        return counter

    def attach(self, client: Any) -> None:
        """Count ``client``'s calls (once, however often it is attached)."""
        prefix = str(client.meta.service_model.service_name)

        def count(model: Any = None, **_: Any) -> None:
            if model is not None:
                with self._lock:
                    self.counts[f"{prefix}:{model.name}"] += 1

        # one handler per counter and client: botocore ignores a second registration with the same unique_id
        client.meta.events.register("before-call", count, unique_id=f"vegaops-calls-{id(self)}")

    def of(self, service: str) -> dict[str, int]:
        """``{"DescribeServices": 3, ...}`` for one service (its botocore name: ``ecs``, ``logs``, ...)."""
        with self._lock:
            return {k.split(":", 1)[1]: v for k, v in self.counts.items() if k.split(":", 1)[0] == service}

    def calls(self, service: str) -> dict[str, int]:
        """``{"describe_services": 3, ...}``: :meth:`of` with the client methods' names (the wrappers' ``calls``)."""
        from botocore import xform_name

        return {xform_name(op): n for op, n in self.of(service).items()}

    def total(self, service: str | None = None) -> int:
        with self._lock:
            return sum(v for k, v in self.counts.items() if service is None or k.split(":", 1)[0] == service)

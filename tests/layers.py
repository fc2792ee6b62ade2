"""The two test layers: the fast loop (`pytest -m "not e2e"`) and the e2e layer (servers and subprocesses).

``E2E_FIXTURES`` are the fixtures that start a server or a subprocess; any test that uses one, directly or through
another fixture, is marked ``e2e`` at collection (tests/conftest.py). ``ProcessAndServerGuard`` is the backstop:
during set-up and call of a test *without* the marker, starting a subprocess (``subprocess.Popen``, ``os.fork``,
``os.forkpty``, ``os.posix_spawn``, ``os.system``) or listening on a socket fails the test, naming what to do. A new
server fixture therefore cannot slip into the fast loop unnoticed: add its name here (or mark its module).
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

E2E_FIXTURES = frozenset(
    {
        # tests/conftest.py: a moto server over HTTP, the real vegaops executable as a subprocess
        "moto_server",
        "moto_url",
        "run_vegaops",
        # tests/sandbox_fixtures.py: the sandbox process (moto + simulator)
        "sandbox",
        "sandbox_module",
        # tests/conftest.py: Debian's docker-registry on loopback
        "local_registry",
        # module fixtures that start an HTTP server or a registry process
        "health_server",
        "token_registry",
        "sandbox_reg",
        "receiver",
        "silent_url",
        "hanging",
        "slow_sandbox",
    }
)


class UnmarkedE2E(Exception):
    pass


class ProcessAndServerGuard:
    """Makes subprocesses and listening sockets fail in tests that are not marked ``e2e``."""

    SPAWNERS: tuple[tuple[Any, str], ...] = (
        (subprocess.Popen, "_execute_child"),
        (os, "fork"),
        (os, "forkpty"),
        (os, "posix_spawn"),
        (os, "posix_spawnp"),
        (os, "system"),
        (socket.socket, "listen"),
    )

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.violations: list[str] = []

    def _refuse(self, what: str) -> Callable[..., Any]:
        def refused(*args: Any, **kwargs: Any) -> Any:
            message = (
                f"{what} in a test not marked e2e: mark the test `@pytest.mark.e2e` (or its module "
                "`pytestmark = pytest.mark.e2e`), or add the fixture that does it to E2E_FIXTURES in tests/layers.py"
            )
            with self._lock:
                self.violations.append(message)
            raise UnmarkedE2E(message)

        return refused

    @contextmanager
    def active(self, item: pytest.Item) -> Iterator[None]:
        if item.get_closest_marker("e2e") is not None:
            yield
            return
        self.violations.clear()
        with pytest.MonkeyPatch.context() as mp:
            for owner, name in self.SPAWNERS:
                if hasattr(owner, name):
                    label = "listening on a socket" if name == "listen" else f"starting a subprocess ({name})"
                    mp.setattr(owner, name, self._refuse(label))
            yield
        if self.violations:  # raised even when the code under test swallowed the exception
            first = self.violations[0]
            self.violations.clear()
            pytest.fail(first, pytrace=False)

"""Start and stop the sandbox server process (``vegaops sandbox up/down``, test fixtures, benchmarks)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from vegaops.errors import OperationFailed, UsageError
from vegaops.paths import state_dir
from vegaops.sandbox.env import exports
from vegaops.sandbox.state import SandboxState, clear, load, pid_alive, state_file


@dataclass
class Handle:
    state: SandboxState
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return self.state.endpoint

    def env(self) -> dict[str, str]:
        return exports(self.state)

    def stop(self) -> None:
        stop(self.directory)
        if self.process is not None:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def log_file(directory: Path) -> Path:
    return directory / "sandbox.log"


def start(port: int | None = None, speed: float = 1.0, state_dir_: Path | None = None,
          timeout: float = 120.0) -> Handle:
    """Start the server in the background and wait until it is seeded and steady."""
    directory = state_dir_ or state_dir()
    directory.mkdir(parents=True, exist_ok=True)
    running = load(directory)
    if running is not None:
        return Handle(running, directory)
    clear(directory)
    log = log_file(directory).open("ab")
    cmd = [sys.executable, "-m", "vegaops.sandbox.server", "--port", str(port or 0), "--speed", str(speed),
           "--state-dir", str(directory)]
    process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_file(directory).read_text(errors="replace").strip().splitlines()[-3:]
            raise OperationFailed("the sandbox server exited while starting: " + " | ".join(tail),
                                  hint=f"see {log_file(directory)}; is port {port} free?" if port
                                  else f"see {log_file(directory)}")
        state = load(directory)
        if state is not None and state.pid == process.pid:
            return Handle(state, directory, process)
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise OperationFailed(f"the sandbox did not become ready within {timeout:.0f}s",
                          hint=f"see {log_file(directory)}")


def stop(directory: Path | None = None, timeout: float = 10.0) -> SandboxState | None:
    """Stop exactly the recorded sandbox process; returns what was stopped (None: nothing ran)."""
    directory = directory or state_dir()
    state = load(directory)
    if state is None:
        return None
    with contextlib.suppress(ProcessLookupError):
        os.kill(state.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(state.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid_alive(state.pid):
        os.kill(state.pid, signal.SIGKILL)
    state_file(directory).unlink(missing_ok=True)
    return state


def check_port(port: int | None) -> None:
    if port is not None and not 0 < port < 65536:
        raise UsageError(f"--port {port} is not a TCP port", hint="choose 1024-65535, or leave it out")

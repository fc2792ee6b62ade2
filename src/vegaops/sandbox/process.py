"""Start and stop the background sandbox server process (the code path of ``vegaops sandbox up``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from vegaops.clock import wait_until
from vegaops.errors import OperationFailed
from vegaops.sandbox.env import env_vars
from vegaops.sandbox.state import SandboxState, clear_state, pid_alive, read_state, state_path

START_TIMEOUT = 60.0
KILL_WAIT = 5.0  # after SIGKILL, for a process that is not our child to be reaped


@dataclass
class Handle:
    """A running sandbox process started by this interpreter (or found through the state file)."""

    pid: int
    port: int
    endpoint: str
    state_file: Path
    speed: float = 1.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def env(self) -> dict[str, str]:
        return env_vars(self.endpoint)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the process and wait for it; idempotent."""
        stop_pid(self.pid, timeout, self._proc)
        clear_state(self.state_file, self.pid)


def stop_pid(pid: int, timeout: float = 10.0, proc: subprocess.Popen[bytes] | None = None) -> bool:
    """SIGTERM, wait, then SIGKILL. True when the process was running."""
    if proc is not None and proc.poll() is not None:
        return False
    if not pid_alive(pid):
        if proc is not None:
            proc.wait()
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False

    def gone() -> bool:
        return proc.poll() is not None if proc is not None else not pid_alive(pid)

    if wait_until(gone, timeout, 0.05):
        return True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if proc is not None:
        proc.wait()
    else:  # not our child: its parent reaps it
        wait_until(gone, KILL_WAIT, 0.05)
    return True


def _answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_sandbox/ping", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def start(
    port: int | None = None,
    speed: float = 1.0,
    state_dir: Path | None = None,
    config_path: Path | None = None,
) -> Handle:
    """Start the sandbox server in the background, wait until it answers and is seeded."""
    path = state_path(state_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    clear_state(path)
    log_path = path.with_name("sandbox.log")
    args = [
        sys.executable,
        "-m",
        "vegaops.sandbox.server",
        "--port",
        str(port or 0),
        "--speed",
        str(speed),
        "--state-file",
        str(path),
    ]
    if config_path is not None:
        args += ["--config", str(config_path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(env_vars("http://127.0.0.1"))
    env.pop("AWS_ENDPOINT_URL", None)
    env["AWS_CONFIG_FILE"] = os.devnull
    env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env, start_new_session=True, close_fds=True
        )

    answered: list[SandboxState] = []

    def ready() -> bool:
        if proc.poll() is not None:
            tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
            raise OperationFailed(
                f"the sandbox server exited with code {proc.returncode} while starting", hint=f"see {log_path}:\n{tail}"
            )
        state = read_state(path)
        if state is None or state.pid != proc.pid or not _answers(state.endpoint):
            return False
        answered.append(state)
        return True

    if not wait_until(ready, START_TIMEOUT, 0.1):
        stop_pid(proc.pid, 5.0, proc)
        raise OperationFailed(f"the sandbox did not become ready within {START_TIMEOUT:.0f} s", hint=f"see {log_path}")
    state = answered[-1]
    return Handle(pid=proc.pid, port=state.port, endpoint=state.endpoint, state_file=path, speed=speed, _proc=proc)


def handle_for(state: SandboxState, state_file: Path) -> Handle:
    return Handle(pid=state.pid, port=state.port, endpoint=state.endpoint, state_file=state_file, speed=state.speed)

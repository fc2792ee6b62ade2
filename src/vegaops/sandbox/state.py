"""The running sandbox's address and pid, kept in the user's state directory."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from vegaops.paths import state_dir


@dataclass(frozen=True)
class SandboxState:
    pid: int
    port: int
    endpoint: str
    region: str
    started_at: str
    speed: float


def state_file(directory: Path | None = None) -> Path:
    return (directory or state_dir()) / "sandbox.json"


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child (killed, not yet reaped) is gone for our purposes
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return True


def load(directory: Path | None = None) -> SandboxState | None:
    """The recorded sandbox, or None when none is recorded or its process is gone (stale state is removed)."""
    path = state_file(directory)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        state = SandboxState(**raw)
    except (OSError, ValueError, TypeError):
        return None
    if not pid_alive(state.pid):
        path.unlink(missing_ok=True)
        return None
    return state


def save(state: SandboxState, directory: Path | None = None) -> None:
    path = state_file(directory)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state)), encoding="utf-8")
    tmp.replace(path)


def clear(directory: Path | None = None) -> None:
    state_file(directory).unlink(missing_ok=True)

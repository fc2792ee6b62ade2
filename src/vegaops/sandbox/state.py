"""The sandbox state file (``state_dir()/sandbox.json``): where the running sandbox is, and whether it lives."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

REGION = "eu-central-1"
ACCOUNT_ID = "123456789012"
STATE_FILENAME = "sandbox.json"


@dataclass(frozen=True)
class SandboxState:
    pid: int
    port: int
    endpoint: str
    region: str
    started_at: str
    speed: float
    registry: str | None = None  # host:port of the sandbox's docker-registry, when installed


def state_path(state_dir: Path | None = None) -> Path:
    if state_dir is None:
        from vegaops.paths import state_dir as default_state_dir

        state_dir = default_state_dir()
    return state_dir / STATE_FILENAME


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited, not yet reaped by its parent) is not alive.
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def read_state(path: Path) -> SandboxState | None:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return SandboxState(
            pid=int(raw["pid"]),
            port=int(raw["port"]),
            endpoint=str(raw["endpoint"]),
            region=str(raw.get("region", REGION)),
            started_at=str(raw.get("started_at", "")),
            speed=float(raw.get("speed", 1.0)),
            registry=raw.get("registry") or None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_state(path: Path, state: SandboxState) -> None:
    from vegaops.paths import replace_private

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    replace_private(path, json.dumps(asdict(state), indent=2) + "\n")  # 0600, like every state file


def live_state(state_dir: Path | None = None) -> SandboxState | None:
    """The running sandbox, or None; a state file whose process is gone is stale and removed."""
    path = state_path(state_dir)
    state = read_state(path)
    if state is None:
        if path.exists():
            path.unlink(missing_ok=True)
        return None
    if not pid_alive(state.pid):
        path.unlink(missing_ok=True)
        return None
    return state


def clear_state(path: Path, pid: int | None = None) -> None:
    """Remove the state file (only if it still describes ``pid``, when given)."""
    if pid is not None:
        state = read_state(path)
        if state is not None and state.pid != pid:
            return
    path.unlink(missing_ok=True)


def running_state() -> SandboxState:
    """The running sandbox's state; a ConfigError when it does not run."""
    from vegaops.errors import ConfigError

    state = live_state()
    if state is None:
        raise ConfigError("the sandbox is not running", hint="run: vegaops sandbox up")
    return state


def state_data(state: SandboxState) -> dict[str, object]:
    """The running sandbox as the ``sandbox`` commands report it."""
    return {
        "running": True,
        "pid": state.pid,
        "port": state.port,
        "endpoint": state.endpoint,
        "region": state.region,
        "started_at": state.started_at,
        "speed": state.speed,
    }

"""The sandbox state file (``state_dir()/sandbox.json``): where the running sandbox is, and whether it lives.

Defined in :mod:`vegaops.builtin_env` (below vegaops.config, which resolves ``--env sandbox`` with it)."""

from __future__ import annotations

from vegaops.builtin_env import (
    ACCOUNT_ID,
    REGION,
    STATE_FILENAME,
    SandboxState,
    clear_state,
    live_state,
    pid_alive,
    read_state,
    running_state,
    state_data,
    state_path,
    write_state,
)

__all__ = [
    "ACCOUNT_ID",
    "REGION",
    "STATE_FILENAME",
    "SandboxState",
    "clear_state",
    "live_state",
    "pid_alive",
    "read_state",
    "running_state",
    "state_data",
    "state_path",
    "write_state",
]

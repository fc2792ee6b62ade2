"""Where vegaops keeps per-user state (sandbox address, run journal)."""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    base = os.environ.get("VEGAOPS_STATE_DIR") or os.environ.get("XDG_STATE_HOME")
    root = Path(base) if base else Path.home() / ".local" / "state"
    path = root / "vegaops" if not os.environ.get("VEGAOPS_STATE_DIR") else root
    path.mkdir(parents=True, exist_ok=True)
    return path

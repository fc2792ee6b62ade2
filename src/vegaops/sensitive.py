"""Secret values: how they are fingerprinted and masked everywhere outside ``--reveal``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def fingerprint(value: str) -> str:
    """A short, stable fingerprint: enough to tell values apart, never enough to read them."""
    return "sha256:" + hashlib.sha256(value.encode("utf-8")).hexdigest()[:10]


def mask(value: str) -> str:
    return f"<masked len={len(value)} {fingerprint(value)}>"


@dataclass(frozen=True)
class Sensitive:
    """A value that must never be rendered. ``str()`` and ``repr()`` give the mask only."""

    value: str

    def __str__(self) -> str:
        return mask(self.value)

    def __repr__(self) -> str:
        return f"Sensitive({mask(self.value)})"

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.value)


def reveal(value: object) -> object:
    return value.value if isinstance(value, Sensitive) else value


def redact(value: object) -> object:
    """JSON-safe rendering of any value: sensitive values become their mask, recursively."""
    if isinstance(value, Sensitive):
        return mask(value.value)
    if isinstance(value, dict):
        return {str(k): redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value

"""Secret values: how they are fingerprinted and masked everywhere outside ``--reveal``.

Fingerprints are keyed: HMAC-SHA256 with a random key made once per installation and kept 0600 in the
state directory (``fingerprint.key``). A plain hash of a short value (a PIN, a 6-letter password) could be
confirmed offline by hashing guesses; a keyed one cannot without the key. One key per machine keeps the
fingerprints stable across runs and across environments, so ``unchanged`` checks and ``secret diff staging
prod`` still compare like with like.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "fingerprint.key"


def _load_or_create_key(path: Path) -> bytes:
    """The key in ``path``; created 0600 with 32 random bytes when absent (O_EXCL: two racing processes
    agree on the first one written). A symlink in its place is refused."""
    nofollow = getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | nofollow, 0o600)
    except FileExistsError:
        fd = -1
    if fd >= 0:
        try:
            os.write(fd, os.urandom(32).hex().encode("ascii"))
        finally:
            os.close(fd)
    fd = os.open(path, os.O_RDONLY | nofollow)
    try:
        raw = os.read(fd, 4096).decode("ascii", "replace").strip()
    finally:
        os.close(fd)
    key = bytes.fromhex(raw) if len(raw) >= 32 and all(c in "0123456789abcdef" for c in raw) else b""
    if not key:
        raise OSError(f"{path}: not a vegaops fingerprint key")
    return key


def fingerprint_key() -> bytes:
    """This installation's fingerprint key (read once per state directory and process).

    When the state directory cannot hold it, a random key for this process only: fingerprints then differ
    between runs, but are still never confirmable offline.
    """
    from vegaops.paths import state_dir

    try:
        directory = state_dir()
    except OSError:
        return _process_key()
    return _key_in(str(directory))


# Caches of immutable values (a key never changes once read or made), one per process: not state of a run.
@functools.cache
def _process_key() -> bytes:
    """A random key for this process only (no state directory to keep one in)."""
    return os.urandom(32)


@functools.cache
def _key_in(directory: str) -> bytes:
    """The key kept in ``directory``, read (or made) once per process."""
    try:
        return _load_or_create_key(Path(directory) / KEY_FILE)
    except (OSError, ValueError):
        return _process_key()


def fingerprint(value: str) -> str:
    """A short, keyed fingerprint: enough to tell values apart, never enough to read or confirm them."""
    digest = hmac.new(fingerprint_key(), value.encode("utf-8"), hashlib.sha256).hexdigest()
    return "hmac:" + digest[:12]


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

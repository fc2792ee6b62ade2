"""Where vegaops keeps per-user state (sandbox address, run journal, deploy audit, fingerprint key), and
how files holding anything private are written: 0600 files in a 0700 directory, never through a symlink."""

from __future__ import annotations

import os
from pathlib import Path

from vegaops.errors import UsageError


def state_dir() -> Path:
    """The state directory, created 0700 (and tightened to 0700 when it already exists and is ours)."""
    base = os.environ.get("VEGAOPS_STATE_DIR") or os.environ.get("XDG_STATE_HOME")
    root = Path(base) if base else Path.home() / ".local" / "state"
    path = root / "vegaops" if not os.environ.get("VEGAOPS_STATE_DIR") else root
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        st = path.stat()
        if st.st_uid == os.getuid() and st.st_mode & 0o077:
            os.chmod(path, 0o700)
    except OSError:
        pass
    return path


def append_private(path: Path, line: str) -> None:
    """Append one line to a state file, creating it 0600; a symlink in its place is refused (OSError)."""
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def replace_private(path: Path, text: str) -> None:
    """Replace a state file whole: a temporary file created 0600 next to it, then ``os.replace``."""
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_private_target(path: Path, option: str) -> None:
    """Refuse (exit 2) a file target that is a symlink, a directory, or in a folder that does not exist.

    Checked before any AWS call, so nothing is read from the stores for a write that cannot happen.
    """
    if path.is_symlink():
        raise UsageError(
            f"{option} {path}: is a symbolic link; refusing to write through it",
            hint="give the path of a regular file (the link itself is not replaced)",
        )
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a directory", hint="give a file path, e.g. DIR/secrets.env")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        what = "does not exist" if not parent.exists() else "is not a directory"
        raise UsageError(f"{option} {path}: folder {parent} {what}", hint=f"create it first: mkdir -p {parent}")
    if path.exists() and not path.is_file():
        raise UsageError(f"{option} {path}: is not a regular file", hint="give the path of a regular file")


def write_private(path: Path, text: str, option: str = "--to") -> None:
    """Write ``text`` to ``path`` safely: a temporary file created 0600 in the same folder, then ``os.replace``.

    The target is never followed when it is a symlink and never a directory (exit 2). ``os.replace`` swaps
    the directory entry, so a reader sees the old file or the whole new one, and a link planted after the
    check is replaced, not written through.
    """
    import tempfile

    check_private_target(path, option)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)  # mode 0600
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write in {parent}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"{option} {path}: cannot write: {exc.strerror}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

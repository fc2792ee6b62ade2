"""Run Debian's ``docker-registry`` (CNCF distribution 2.8) on loopback: for tests, benchmarks, the sandbox."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BINARY = "docker-registry"


def available() -> str | None:
    """The registry binary's path, or None when the package is not installed."""
    return shutil.which(BINARY) or (f"/usr/bin/{BINARY}" if Path(f"/usr/bin/{BINARY}").exists() else None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def config_yaml(root: Path, port: int, notify_url: str | None = None) -> str:
    """A minimal config (JSON is valid YAML): filesystem storage, delete on, optional push notifications."""
    cfg: dict[str, object] = {
        "version": 0.1,
        "log": {"level": "error", "accesslog": {"disabled": True}},
        "storage": {
            "filesystem": {"rootdirectory": str(root)},
            "delete": {"enabled": True},
            "maintenance": {"uploadpurging": {"enabled": False}},
        },
        "http": {"addr": f"127.0.0.1:{port}", "secret": "vegaops-local"},
    }
    if notify_url:
        cfg["notifications"] = {
            "endpoints": [
                {
                    "name": "vegaops",
                    "url": notify_url,
                    "timeout": "2s",
                    "threshold": 5,
                    "backoff": "1s",
                    "ignoredmediatypes": ["application/octet-stream"],
                    "ignore": {"actions": ["pull", "delete", "mount"]},
                }
            ]
        }
    return json.dumps(cfg, indent=2)


def _death_signal() -> Callable[[], None] | None:
    """Linux: a pre-fork-resolved ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` so the registry dies with its parent.

    Resolved before fork, so the child only calls into libc (no imports, no locks after fork).
    """
    try:
        import ctypes
        import signal

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    sig = int(signal.SIGTERM)

    def set_pdeathsig() -> None:
        prctl(1, sig)  # PR_SET_PDEATHSIG

    return set_pdeathsig


@dataclass
class LocalRegistry:
    process: subprocess.Popen[bytes]
    port: int
    root: Path

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(
    workdir: Path, port: int | None = None, notify_url: str | None = None, timeout: float = 20.0
) -> LocalRegistry:
    """Start the registry on 127.0.0.1 with storage under ``workdir``; waits until ``/v2/`` answers."""
    binary = available()
    if binary is None:
        raise FileNotFoundError("docker-registry is not installed (apt-get install docker-registry)")
    port = port or _free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    root = workdir / "storage"
    root.mkdir(exist_ok=True)
    config = workdir / "config.yml"
    config.write_text(config_yaml(root, port, notify_url), encoding="utf-8")
    log = (workdir / "registry.log").open("ab")
    process = subprocess.Popen(  # only a libc call after fork
        [binary, "serve", str(config)],
        stdout=log,
        stderr=log,
        stdin=subprocess.DEVNULL,
        preexec_fn=_death_signal(),  # noqa: PLW1509
    )
    log.close()
    registry = LocalRegistry(process, port, root)
    from vegaops.clock import wait_until

    def answers() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"docker-registry exited with {process.returncode}; see {workdir / 'registry.log'}")
        try:
            with urllib.request.urlopen(f"{registry.url}/v2/", timeout=2) as r:
                return bool(r.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    if not wait_until(answers, timeout, 0.05):
        registry.stop()
        raise TimeoutError(f"docker-registry did not answer on {registry.url} within {timeout:.0f}s")
    return registry

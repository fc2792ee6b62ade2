"""The ``docker://`` path: push a local Docker image with the docker CLI (login via stdin, tag, push)."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable

from vegaops.errors import OperationFailed, Refused, UsageError

_DIGEST = re.compile(r"digest:\s*(sha256:[0-9a-f]{64})")


def docker_binary() -> str:
    exe = shutil.which("docker")
    if exe is None:
        raise UsageError(
            "--source docker://: the docker CLI is not installed",
            hint="install Docker, or push a daemonless build: --source oci:PATH | docker-archive:PATH",
        )
    return exe


def require_engine() -> str:
    """The docker CLI path, when a Docker engine answers; a clear exit-2 error otherwise."""
    exe = docker_binary()
    proc = subprocess.run(
        [exe, "version", "--format", "{{.Server.Version}}"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        reason = (proc.stderr.strip().splitlines() or ["no server version"])[-1]
        raise UsageError(
            f"--source docker://: no Docker engine is reachable ({reason})",
            hint="start Docker (or set DOCKER_HOST), or push a daemonless build: "
            "--source oci:PATH | docker-archive:PATH",
        )
    return exe


def push(image: str, target: str, registry: str, username: str, password: str, log: Callable[[str], None]) -> str:
    """``docker login`` (password on stdin, never argv), ``docker tag``, ``docker push``; returns the digest."""
    exe = require_engine()

    def run(args: list[str], stdin: str | None = None) -> str:
        proc = subprocess.run([exe, *args], input=stdin, capture_output=True, text=True, timeout=3600, check=False)
        for line in (proc.stdout + proc.stderr).splitlines():
            if line.strip():
                log(line)
        if proc.returncode != 0:
            text = (proc.stderr or proc.stdout).strip().splitlines()
            last = text[-1] if text else f"exit {proc.returncode}"
            if "immutable" in last.lower():
                raise Refused(f"docker {args[0]} {target}: {last}", hint="push under a new tag")
            raise OperationFailed(f"docker {args[0]} failed: {last}")
        return proc.stdout

    run(["login", "--username", username, "--password-stdin", registry], stdin=password)
    run(["tag", image, target])
    out = run(["push", target])
    match = _DIGEST.search(out)
    if not match:
        raise OperationFailed(f"docker push {target}: no digest in its output")
    return match.group(1)

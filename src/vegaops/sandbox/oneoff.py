"""One-off tasks of the sandbox (RunTask): the container's command runs as a local process.

moto creates the task and never runs anything. The simulator hands each task started with RunTask to a
``OneOffTask``: it goes PROVISIONING -> PENDING -> RUNNING like a service's task, fails to start where a
service's task would (an image that is not in ECR, a secret that does not exist, an image flagged ``pull``
or ``secrets``), crashes where it would (images flagged ``crash``/``oom``), and otherwise runs each
container's command (the override's, else the task definition's ``entryPoint`` + ``command``) as a local
subprocess with the container's environment: the task definition's variables, its secrets and parameters
resolved from the sandbox's stores, and the override's variables. Its stdout and stderr go to the
container's awslogs stream line by line as they are written; its exit code becomes the container's exit
code, and an essential container's exit stops the task (``EssentialContainerExited``). StopTask sends
SIGTERM (SIGKILL after a grace period). Every process is stopped when the sandbox stops or resets.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from vegaops.sandbox.images import GOOD, Outcome
from vegaops.sandbox.logs import TaskLog
from vegaops.sandbox.state import ACCOUNT_ID

# What a container's process inherits from the sandbox's own environment (nothing else, no AWS_*).
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
STOP_GRACE_S = 5.0  # wall seconds between SIGTERM and SIGKILL (ECS's stopTimeout defaults to 30)


@dataclass
class ContainerRun:
    name: str
    essential: bool
    command: list[str] | None  # None: nothing to run locally (an idle sidecar, or the image's own program)
    env: dict[str, str]
    log: TaskLog
    proc: subprocess.Popen[bytes] | None = None
    readers: list[threading.Thread] = field(default_factory=list)
    exit_code: int | None = None
    reason: str | None = None
    lines: list[tuple[int, str]] = field(default_factory=list)  # (ms, line) read, not yet in the log
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class OneOffTask:
    arn: str
    id: str
    cluster: str
    outcome: Outcome
    containers: list[ContainerRun]
    state: str = "PROVISIONING"
    since: float = 0.0
    workdir: str | None = None
    stopping_since: float | None = None  # wall time of the SIGTERM


def _resolve_secret(value_from: str, region: str) -> str | None:
    """A secret's or parameter's value from the sandbox's own stores (None when it does not resolve)."""
    import json

    from vegaops.refs import parse_value_from

    ref = parse_value_from(value_from)
    try:
        if ref.kind == "ssm":
            from moto.ssm.models import ssm_backends

            param = ssm_backends[ACCOUNT_ID][region].get_parameter(ref.store_id)
            return None if param is None else str(param.value)
        from moto.secretsmanager.models import secretsmanager_backends

        got = secretsmanager_backends[ACCOUNT_ID][region].get_secret_value(
            ref.store_id,
            ref.version_id,  # type: ignore[arg-type]  # moto's annotation; None means the current version
            ref.version_stage,  # type: ignore[arg-type]
        )
        value = str(got.get("SecretString") or "")
    except Exception:
        return None
    if ref.json_key:
        try:
            doc = json.loads(value)
        except ValueError:
            return None
        field_value = doc.get(ref.json_key) if isinstance(doc, dict) else None
        if field_value is None:
            return None
        return field_value if isinstance(field_value, str) else json.dumps(field_value)
    return value


def container_env(definition: dict[str, Any], override: dict[str, Any] | None, region: str) -> dict[str, str]:
    env = {k: os.environ[k] for k in INHERITED if k in os.environ}
    env.update({str(e["name"]): str(e.get("value", "")) for e in definition.get("environment") or []})
    for s in definition.get("secrets") or []:
        value = _resolve_secret(str(s.get("valueFrom", "")), region)
        if value is not None:
            env[str(s["name"])] = value
    for e in (override or {}).get("environment") or []:
        env[str(e["name"])] = str(e.get("value", ""))
    return env


def container_command(definition: dict[str, Any], override: dict[str, Any] | None) -> list[str] | None:
    """ECS's rule: the override's command replaces the image's/definition's command; entryPoint stays."""
    command = (override or {}).get("command") or definition.get("command")
    entry = definition.get("entryPoint") or []
    if not command and not entry:
        return None
    return [str(a) for a in [*entry, *(command or [])]]


def build(
    arn: str,
    cluster: str,
    definitions: list[dict[str, Any]],
    overrides: dict[str, Any] | None,
    outcome: Outcome,
    region: str,
    now: float,
) -> OneOffTask:
    by_name = {str(o.get("name")): o for o in (overrides or {}).get("containerOverrides") or []}
    task_id = arn.rsplit("/", 1)[-1]
    runs = [
        ContainerRun(
            name=str(d.get("name")),
            essential=bool(d.get("essential", True)),
            command=container_command(d, by_name.get(str(d.get("name")))),
            env=container_env(d, by_name.get(str(d.get("name"))), region),
            log=TaskLog(region, d, task_id),
        )
        for d in definitions
    ]
    return OneOffTask(arn=arn, id=task_id, cluster=cluster, outcome=outcome, containers=runs, since=now)


def _read(run: ContainerRun, stream: Any) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        with run.lock:
            run.lines.append((int(time.time() * 1000), line))
    stream.close()


def start(task: OneOffTask) -> None:
    """Start every container that has a command (RUNNING)."""
    task.workdir = tempfile.mkdtemp(prefix=f"vegaops-task-{task.id[:8]}-")
    for run in task.containers:
        if run.command is None:
            continue
        try:
            run.proc = subprocess.Popen(
                run.command,
                env=run.env,
                cwd=task.workdir,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group: StopTask signals the whole tree
                close_fds=True,
            )
        except OSError as exc:  # no such program: what a container runtime says
            run.exit_code = 127
            run.reason = (
                f"CannotStartContainerError: failed to create shim task: exec: {run.command[0]!r}: "
                f"{exc.strerror or exc}"
            )
            continue
        for stream in (run.proc.stdout, run.proc.stderr):
            reader = threading.Thread(target=_read, args=(run, stream), name=f"task-{task.id[:8]}-log", daemon=True)
            reader.start()
            run.readers.append(reader)


def flush_logs(task: OneOffTask) -> None:
    """Write the lines read so far into each container's CloudWatch stream (called under the server lock)."""
    from datetime import UTC, datetime

    for run in task.containers:
        with run.lock:
            lines, run.lines = run.lines, []
        if not lines:
            continue
        # TaskLog stamps consecutive lines from one base time; group by the millisecond read
        for ms, line in lines:
            run.log._put(datetime.fromtimestamp(ms / 1000, UTC), [line])


def poll(task: OneOffTask) -> ContainerRun | None:
    """The first essential container that has exited (its readers drained), else None."""
    for run in task.containers:
        if run.proc is not None and run.exit_code is None:
            code = run.proc.poll()
            if code is not None:
                for reader in run.readers:
                    reader.join(timeout=2.0)
                run.exit_code = code if code >= 0 else 128 - code
    for run in task.containers:
        if run.essential and run.exit_code is not None:
            return run
    return None


def signal_all(task: OneOffTask, sig: int) -> None:
    for run in task.containers:
        if run.proc is not None and run.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(run.proc.pid, sig)


def running(task: OneOffTask) -> bool:
    return any(run.proc is not None and run.proc.poll() is None for run in task.containers)


def finish(task: OneOffTask) -> None:
    """Reap every process (SIGKILL what is left), record exit codes, drain the logs, remove the work folder."""
    signal_all(task, signal.SIGKILL)
    for run in task.containers:
        if run.proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                run.proc.wait(timeout=2.0)
            for reader in run.readers:
                reader.join(timeout=2.0)
            if run.exit_code is None and run.proc.returncode is not None:
                code = run.proc.returncode
                run.exit_code = code if code >= 0 else 128 - code
    flush_logs(task)
    if task.workdir:
        shutil.rmtree(task.workdir, ignore_errors=True)
        task.workdir = None


def no_local_program(task: OneOffTask) -> bool:
    """Nothing to run: no container has a command (the image's own program, simulated as a service's)."""
    return all(run.command is None for run in task.containers)


__all__ = ["GOOD", "OneOffTask", "build", "finish", "flush_logs", "poll", "signal_all", "start"]

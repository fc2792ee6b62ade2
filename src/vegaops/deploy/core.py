"""Deploy building blocks shared by the steps and commands: who deploys, task definition diffs,
picking the container, the deploy lock, the audit trail and the deploy outcome tags."""

from __future__ import annotations

import getpass
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from vegaops import naming
from vegaops.aws.ecs import TaskDefinition
from vegaops.cmdline import line
from vegaops.errors import Refused, UsageError, VegaopsError
from vegaops.output.humanize import local_time

if TYPE_CHECKING:
    from vegaops.context import AppContext

# the tag keys vegaops writes, defined in vegaops.naming (images.running reads TAG_KEY without importing deploy)
TAG_KEY = naming.TAG_KEY
DEPLOYER_KEY = naming.DEPLOYER_KEY
OUTCOME_KEY = naming.OUTCOME_KEY
DEPLOYMENT_KEY = naming.DEPLOYMENT_KEY
DEPLOYED_AT_KEY = naming.DEPLOYED_AT_KEY
RESOLVED_KEY = naming.RESOLVED_KEY
UNKNOWN_OUTCOME = "unknown"


def deployer() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def service_name(ctx: AppContext, name: str) -> str:
    """A service key from vegaops.toml (or an ECS service name) -> the ECS service name."""
    try:
        return ctx.settings.service(name).ecs_service
    except VegaopsError:
        return name


def choose_container(td: TaskDefinition, configured: str | None, repo: str | None = None) -> str:
    """The container that gets the image: ``configured``, else the one whose image is in ``repo`` (the
    service's repository), else the only essential container that is not a sidecar (FireLens, agents,
    proxies). Ambiguity is a usage error naming the candidates, never a guess."""
    from vegaops.images.containers import choose

    got = choose(td.raw, configured, repo)
    if got.name is not None:
        return got.name
    if got.how == "missing":
        raise UsageError(
            f"{td.family}: no container named {configured!r} (containers: {', '.join(got.candidates)})",
            hint="set container in vegaops.toml or pass --container",
        )
    side = ", ".join(f"{n} ({k})" for n, k in got.sidecars.items())
    raise UsageError(
        f"{td.family}:{td.revision}: which container gets the image? candidates: {', '.join(got.candidates)}"
        + (f"; sidecars: {side}" if side else ""),
        hint="pass --container NAME or set container in vegaops.toml",
    )


def strip_tags(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k != "tags"}


def td_diff(old: Any, new: Any, prefix: str = "") -> list[str]:
    """Human lines for the differences of two register specs (or any JSON-like values)."""
    lines: list[str] = []
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            lines.extend(td_diff(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else key))
        return lines
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            name = a.get("name") if isinstance(a, dict) else None
            lines.extend(td_diff(a, b, f"{prefix}[{name or i}]"))
        return lines
    if old != new:
        lines.append(f"{prefix}: {json.dumps(old)} -> {json.dumps(new)}")
    return lines


def image_digest(image: str) -> str | None:
    return image.split("@", 1)[1] if "@" in image else None


# --- the deploy lock (an SSM parameter created with Overwrite=False) --------------------------
@dataclass
class Lock:
    name: str
    holder: dict[str, Any]


def lock_name(ctx: AppContext, service: str) -> str:
    env = ctx.settings.env or "default"
    return f"/vegaops/locks/{env}/deploy/{service}"


def new_lock(ctx: AppContext, service: str, tag: str, ttl: float) -> Lock:
    """The lock this process would hold on ``service`` (who, when, what, until when, which process)."""
    now = ctx.clock.now()
    holder = {
        "who": deployer(),
        "at": now.isoformat(),
        "tag": tag,
        "expires": (now + timedelta(seconds=ttl)).isoformat(),
        **_process_identity(),
    }
    return Lock(lock_name(ctx, service), holder)


@dataclass(frozen=True)
class Held:
    """Who holds a deploy lock now, and whether it still stands (unexpired, its process alive)."""

    holder: dict[str, Any]
    stands: bool
    dead: bool  # its process is gone (killed on this machine): taken over
    mine: bool  # held by this process

    def refusal(self, service: str) -> Refused:
        held = self.holder
        return Refused(
            f"deploy lock for {service} is held by {held.get('who')} since {local_time(held.get('at'))} "
            f"(tag {held.get('tag')}, expires {local_time(held.get('expires'))})",
            hint=f"wait for that deploy to finish, or if it is dead: {line('deploy', 'unlock', service)}",
        )


def held_lock(ctx: AppContext, service: str) -> Held | None:
    """The deploy lock of ``service`` as it is now (None: not held)."""
    current = ctx.aws.ssm.get(lock_name(ctx, service))
    if current is None:
        return None
    try:
        held = json.loads(current.value or "{}")
    except ValueError:
        held = {}
    held = held if isinstance(held, dict) else {}
    mine = _process_identity()
    is_mine = held.get("pid") == mine["pid"] and held.get("host") == mine["host"] and held.get("pidns") == mine["pidns"]
    dead = _holder_is_dead(held)
    expires = held.get("expires")
    stands = bool(expires and str(expires) > ctx.clock.now().isoformat() and not dead)
    return Held(held, stands, dead, is_mine)


def acquire_lock(ctx: AppContext, service: str, tag: str, ttl: float) -> Lock:
    lock = new_lock(ctx, service, tag, ttl)
    take_lock(ctx, lock, service)
    return lock


def take_lock(ctx: AppContext, lock: Lock, service: str) -> None:
    """PutParameter(Overwrite=False) of the lock; one held by a live, unexpired deploy refuses (exit 8), an
    expired one or one whose process is gone is taken over."""
    from vegaops.aws.errors import error_code

    ssm = ctx.aws.ssm
    for _ in range(2):
        try:
            ssm.put(
                lock.name,
                json.dumps(lock.holder),
                "String",
                overwrite=False,
                description=f"vegaops deploy lock for {service}",
            )
            return
        except Exception as exc:
            if error_code(exc) != "ParameterAlreadyExists":
                raise
        found = held_lock(ctx, service)
        if found is not None and found.dead:
            held = found.holder
            ctx.output.warn(
                f"deploy lock for {service} was held by {held.get('who')} (pid {held.get('pid')}, tag "
                f"{held.get('tag')}), a process no longer running on this machine (killed?): taking it over"
            )
        if found is not None and found.stands:
            raise found.refusal(service)
        ssm.delete([lock.name])  # expired (or unreadable): take it over
    raise Refused(f"deploy lock for {service} could not be taken (another deploy raced for it)", hint="try again")


def _process_identity() -> dict[str, Any]:
    """Who holds a lock, precisely enough to tell later, on the same machine, that the holder is dead."""
    import os

    identity: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid()}
    try:
        identity["pidns"] = os.readlink("/proc/self/ns/pid")  # pids mean something only within one namespace
    except OSError:
        identity["pidns"] = None
    return identity


def _holder_is_dead(held: dict[str, Any]) -> bool:
    """True only when the holder ran on this machine, in this pid namespace, and its process is gone (a deploy
    killed with SIGKILL cannot release its lock). Anything less certain: the lock stands until it expires."""
    import os

    mine = _process_identity()
    pid = held.get("pid")
    if not isinstance(pid, int) or pid <= 0 or pid == mine["pid"]:
        return False
    if held.get("host") != mine["host"] or held.get("pidns") != mine["pidns"]:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def release_lock(ctx: AppContext, lock: Lock) -> bool:
    """Delete the lock if it is still exactly ``lock`` (this run's); True when it was released now."""
    ssm = ctx.aws.ssm
    current = ssm.get(lock.name)
    if current is not None and current.value == json.dumps(lock.holder):
        ssm.delete([lock.name])
        return True
    return False


def read_lock(ctx: AppContext, service: str) -> dict[str, Any] | None:
    current = ctx.aws.ssm.get(lock_name(ctx, service))
    if current is None:
        return None
    try:
        held: dict[str, Any] = json.loads(current.value or "{}")
    except ValueError:
        held = {"raw": current.value}
    return held


def unlock(ctx: AppContext, service: str) -> dict[str, Any] | None:
    """Delete the lock of ``service`` whoever holds it (``deploy unlock``, through the ``deploy.unlock`` step)."""
    held = read_lock(ctx, service)
    if held is not None:
        ctx.aws.ssm.delete([lock_name(ctx, service)])
    return held


# --- audit ----------------------------------------------------------------------------------
def audit(ctx: AppContext, record: dict[str, Any]) -> None:
    """Append one line per deploy to the local audit log (the task definition tags carry it across machines)."""
    from vegaops.paths import append_private, state_dir

    try:
        append_private(  # 0600 in a 0700 folder
            state_dir() / "deploys.jsonl",
            json.dumps(
                {"at": ctx.clock.now().isoformat(), "who": deployer(), "env": ctx.settings.env, **record},
                default=str,
            )
            + "\n",
        )
    except OSError as exc:
        ctx.output.debug(f"audit record not written: {exc}")


def tag_outcome(ctx: AppContext, task_definition: str, outcome: str, deployment_id: str | None) -> bool:
    """Record the verdict of ``deployment_id`` on its revision (enrichment: denied -> reported once, False)."""
    tags = {OUTCOME_KEY: outcome, DEPLOYED_AT_KEY: ctx.clock.now().isoformat()}
    if deployment_id:
        tags[DEPLOYMENT_KEY] = deployment_id
    return _tag(ctx, task_definition, tags)


def tag_deployment_started(ctx: AppContext, task_definition: str, deployment_id: str | None) -> None:
    """Right after UpdateService answered: this revision's deployment is ``deployment_id``, outcome not known
    yet. If the deploy dies before its verdict is tagged, the next look resolves it from ECS by this id."""
    tags = {OUTCOME_KEY: UNKNOWN_OUTCOME, DEPLOYED_AT_KEY: ctx.clock.now().isoformat()}
    if deployment_id:
        tags[DEPLOYMENT_KEY] = deployment_id
    _tag(ctx, task_definition, tags)


def _tag(
    ctx: AppContext,
    task_definition: str,
    tags: dict[str, str],
    lost: str = "recording deploy outcomes on the task definition (deploy history, rollback)",
) -> bool:
    """TagResource as enrichment: denied, unsupported or failing -> reported once, never the verdict.
    True when the tags were written."""
    from vegaops.aws.optional import FAILING

    if not task_definition:
        return False
    arn = task_definition

    def write() -> bool:
        ctx.aws.ecs.tag_resource(arn, tags)
        return True

    try:
        if not arn.startswith("arn:"):  # TagResource needs the ARN; the read is cached
            arn = ctx.aws.ecs.describe_task_definition(arn).arn
        return bool(ctx.enrichment.call("ecs:TagResource", write, False, lost))
    except Exception as exc:  # never let bookkeeping hide the verdict
        ctx.enrichment.record("ecs:TagResource", FAILING, lost, exc)
        return False


record_tags = _tag


def selected(ctx: AppContext, names: list[str]) -> list[tuple[str, str]]:
    settings = ctx.settings
    if names:
        out = []
        for n in names:
            try:
                cfg = settings.service(n)
                out.append((cfg.name, cfg.ecs_service))
            except VegaopsError:  # not a configured key: an ECS service name (preflight checks it)
                out.append((n, n))
        return out
    if not settings.services:
        raise UsageError(
            "no services configured for this environment",
            hint="name the services, or add [service.NAME] tables to vegaops.toml",
        )
    return [(k, c.ecs_service) for k, c in settings.services.items()]

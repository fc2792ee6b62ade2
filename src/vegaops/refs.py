"""Which variables a task definition receives, where each comes from, and which services read a secret.

ECS resolves ``secrets[].valueFrom`` only when a task starts: a task started before a secret's last change
still holds the old value. Nothing here reads or returns a value; ``resolves`` only says whether ECS could
fetch it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext


@dataclass(frozen=True)
class ValueFrom:
    kind: str  # ssm | secretsmanager
    store_id: str  # parameter name (with leading /) or secret ARN without the json-key suffix
    json_key: str | None = None
    version_stage: str | None = None
    version_id: str | None = None


def parse_value_from(value_from: str) -> ValueFrom:
    """Parse an ECS ``valueFrom``: an SSM parameter (ARN or name) or a Secrets Manager ARN with optional
    ``:json-key:version-stage:version-id`` suffixes."""
    parts = value_from.split(":")
    if value_from.startswith("arn:") and len(parts) >= 6 and parts[2] == "secretsmanager":
        base = ":".join(parts[:7])
        extra = [x or None for x in parts[7:10]] + [None, None, None]
        return ValueFrom("secretsmanager", base, extra[0], extra[1], extra[2])
    if value_from.startswith("arn:") and len(parts) >= 6 and parts[2] == "ssm":
        resource = ":".join(parts[5:])
        name = resource[len("parameter") :] if resource.startswith("parameter") else resource
        return ValueFrom("ssm", name if name.startswith("/") else "/" + name)
    return ValueFrom("ssm", value_from)


def secret_matches(store_id: str, arn: str, name: str) -> bool:
    """A valueFrom base ARN matches the secret by full ARN, or by partial ARN (without the 6-char suffix)."""
    if store_id == arn:
        return True
    prefix = arn.rsplit(":", 1)[0]
    return store_id in (f"{prefix}:{name}", name)


@dataclass
class Variable:
    container: str
    name: str
    source: str  # environment | ssm | secretsmanager
    origin: str  # parameter/secret name (plus key/stage), or "task definition"
    value_from: str | None = None
    resolves: bool | None = None  # None: not checked (plain environment)
    why: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "name": self.name,
            "source": self.source,
            "origin": self.origin,
            "value_from": self.value_from,
            "resolves": self.resolves,
            "why": self.why or None,
        }


def variables(task_definition: dict[str, Any], container: str | None = None) -> list[Variable]:
    out: list[Variable] = []
    for c in task_definition.get("containerDefinitions", []):
        cname = c.get("name", "")
        if container and cname != container:
            continue
        for e in c.get("environment", []) or []:
            out.append(Variable(cname, e.get("name", ""), "environment", "task definition"))
        for s in c.get("secrets", []) or []:
            ref = parse_value_from(s.get("valueFrom", ""))
            origin = ref.store_id
            if ref.kind == "secretsmanager":
                origin = ref.store_id.split(":", 6)[-1] if ref.store_id.count(":") >= 6 else ref.store_id
                origin += "".join(
                    f" {k}={v}"
                    for k, v in (("key", ref.json_key), ("stage", ref.version_stage), ("version", ref.version_id))
                    if v
                )
            out.append(Variable(cname, s.get("name", ""), ref.kind, origin, s.get("valueFrom")))
    return out


def check_resolution(ctx: AppContext, found: list[Variable]) -> None:
    """Set ``resolves`` on SSM and Secrets Manager variables (values are read only to check JSON keys)."""
    from vegaops.aws.secrets import Secrets
    from vegaops.aws.ssm import Ssm

    names = sorted({parse_value_from(v.value_from or "").store_id for v in found if v.source == "ssm"})
    existing = Ssm(ctx.client("ssm")).get_many(names, decrypt=False) if names else {}
    store = Secrets(ctx.client("secretsmanager"))
    metas: dict[str, Any] = {}
    for v in found:
        if v.source == "ssm":
            ref = parse_value_from(v.value_from or "")
            v.resolves = ref.store_id in existing
            v.why = "" if v.resolves else "parameter not found"
        elif v.source == "secretsmanager":
            ref = parse_value_from(v.value_from or "")
            if ref.store_id not in metas:
                metas[ref.store_id] = store.describe(ref.store_id)
            meta = metas[ref.store_id]
            v.resolves, v.why = _secret_resolves(store, meta, ref)


def _secret_resolves(store: Any, meta: Any, ref: ValueFrom) -> tuple[bool, str]:
    if meta is None:
        return False, "secret not found"
    if meta.deleted is not None:
        return False, "secret scheduled for deletion"
    stage = ref.version_stage or ("AWSCURRENT" if not ref.version_id else None)
    if ref.version_id and ref.version_id not in meta.versions:
        return False, f"version {ref.version_id} not found"
    if stage and not any(stage in s for s in meta.versions.values()):
        return False, f"no version staged {stage}"
    if ref.json_key:
        got = store.get(meta.arn, version_id=ref.version_id, stage=ref.version_stage)
        try:
            doc = json.loads(got.value.value) if got else None
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            return False, "secret is not a JSON object"
        if ref.json_key not in doc:
            return False, f"JSON key {ref.json_key} not in the secret"
    return True, ""


@dataclass
class ServiceRef:
    service: str
    task_definition: str
    variables: list[str]
    stale_tasks: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "task_definition": self.task_definition,
            "variables": self.variables,
            "stale_tasks": self.stale_tasks,
        }


def cluster_services(ctx: AppContext, cluster: str) -> dict[str, dict[str, Any]]:
    from vegaops.aws.ecs import Ecs

    client = ctx.client("ecs")
    arns: list[str] = []
    for page in client.get_paginator("list_services").paginate(cluster=cluster):
        arns.extend(page.get("serviceArns", []))
    names = [a.rsplit("/", 1)[-1] for a in arns]
    found, _ = Ecs(client).describe_services(cluster, names) if names else ({}, [])
    return found


class TaskDefinitions:
    """describe_task_definition with a cache: many services share revisions."""

    def __init__(self, ctx: AppContext) -> None:
        from vegaops.aws.ecs import Ecs

        self.ecs = Ecs(ctx.client("ecs"))
        self.cache: dict[str, dict[str, Any]] = {}

    def get(self, arn: str) -> dict[str, Any]:
        if arn not in self.cache:
            self.cache[arn] = self.ecs.describe_task_definition(arn).raw
        return self.cache[arn]


def references(ctx: AppContext, cluster: str, matches: Any, changed: datetime | None) -> list[ServiceRef]:
    """Services whose current (or rolling-out) task definitions read a store entry ``matches(ValueFrom)``
    accepts; with ``changed``, the running tasks started before it."""
    from vegaops.aws.ecs import Ecs

    tds = TaskDefinitions(ctx)
    out: list[ServiceRef] = []
    ecs = Ecs(ctx.client("ecs"))
    for name, service in sorted(cluster_services(ctx, cluster).items()):
        arns = {service.get("taskDefinition", "")} | {
            d.get("taskDefinition", "") for d in service.get("deployments", [])
        }
        for arn in sorted(a for a in arns if a):
            hits = [v.name for v in variables(tds.get(arn)) if v.value_from and matches(parse_value_from(v.value_from))]
            if not hits:
                continue
            ref = ServiceRef(name, arn, hits)
            if changed is not None:
                arns_running = ecs.list_tasks(cluster, service=name, desired_status="RUNNING")
                tasks = ecs.describe_tasks(cluster, arns_running) if arns_running else []
                ref.stale_tasks = stale_tasks(tasks, arn, changed)
            out.append(ref)
    return out


def stale_tasks(tasks: list[dict[str, Any]], task_definition: str, changed: datetime) -> list[dict[str, Any]]:
    """Running tasks of this task definition that started before the change: they hold the old value."""
    out: list[dict[str, Any]] = []
    for t in tasks:
        started = t.get("startedAt") or t.get("createdAt")
        if t.get("taskDefinitionArn") == task_definition and isinstance(started, datetime) and started < changed:
            out.append({"task": t.get("taskArn", "").rsplit("/", 1)[-1], "started": started.isoformat()})
    return out


def secret_matcher(arn: str, name: str) -> Any:
    return lambda ref: ref.kind == "secretsmanager" and secret_matches(ref.store_id, arn, name)


def param_matcher(full_name: str) -> Any:
    def match(ref: ValueFrom) -> bool:
        return ref.kind == "ssm" and ref.store_id.lstrip("/") == full_name.lstrip("/")

    return match

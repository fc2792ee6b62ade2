"""Which variables a task definition receives, where each comes from, and which services read a secret.

ECS resolves ``secrets[].valueFrom`` only when a task starts: a task started before a secret's last change
still holds the old value. Nothing here reads or returns a value; ``resolves`` only says whether ECS could
fetch it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import ServiceTypeDef

    from vegaops.aws.secrets import SecretMeta, Secrets
    from vegaops.context import AppContext


@dataclass(frozen=True)
class ValueFrom:
    kind: str  # ssm | secretsmanager
    store_id: str  # parameter name (ARNs give a leading /), or the secret's ARN (full or partial) or name
    json_key: str | None = None
    version_stage: str | None = None
    version_id: str | None = None

    @property
    def secret_name(self) -> str:
        """The Secrets Manager name this reference means (a full ARN's ``-XXXXXX`` suffix kept: it may be
        part of the name; ``secret_matches`` decides with the secret's real name)."""
        return arn_resource(self.store_id) if self.store_id.startswith("arn:") else self.store_id

    @property
    def arn_prefix(self) -> str | None:
        """``arn:<partition>:secretsmanager:<region>:<account>:secret:`` of an ARN reference (None: a name)."""
        if not self.store_id.startswith("arn:"):
            return None
        return ":".join(self.store_id.split(":", 6)[:6]) + ":"


SSM_SM_REFERENCE = "/aws/reference/secretsmanager/"  # an SSM name that reads a Secrets Manager secret


def arn_resource(arn: str) -> str:
    """``arn:aws:secretsmanager:r:a:secret:NAME`` -> NAME (everything after the sixth colon)."""
    parts = arn.split(":", 6)
    return parts[6] if len(parts) == 7 else arn


def parse_value_from(value_from: str) -> ValueFrom:
    """Parse an ECS ``valueFrom`` in every form ECS takes: an SSM parameter by name (with or without a
    leading /) or ARN; a Secrets Manager secret by full ARN (``name-AbCdEf``), partial ARN (no suffix) or,
    through SSM, ``/aws/reference/secretsmanager/NAME``; a secret ARN may end in
    ``:json-key:version-stage:version-id`` (each part optional). Cross-account ARNs keep their account."""
    value_from = value_from.strip()
    parts = value_from.split(":")
    if value_from.startswith("arn:") and len(parts) >= 7 and parts[2] == "secretsmanager":
        base = ":".join(parts[:7])
        extra = [x or None for x in parts[7:10]] + [None, None, None]
        return ValueFrom("secretsmanager", base, extra[0], extra[1], extra[2])
    if value_from.startswith("arn:") and len(parts) >= 6 and parts[2] == "ssm":
        resource = ":".join(parts[5:])
        name = resource[len("parameter") :] if resource.startswith("parameter") else resource
        name = name if name.startswith("/") else "/" + name
        if name.startswith(SSM_SM_REFERENCE):
            return ValueFrom("secretsmanager", name[len(SSM_SM_REFERENCE) :])
        return ValueFrom("ssm", name)
    if value_from.startswith(SSM_SM_REFERENCE):
        return ValueFrom("secretsmanager", value_from[len(SSM_SM_REFERENCE) :])
    return ValueFrom("ssm", value_from)


_SUFFIX = 7  # "-" plus the 6 random characters Secrets Manager appends to a secret's name in its ARN


def secret_match(store_id: str, arn: str, name: str) -> str | None:
    """How a reference (``ValueFrom.store_id``) relates to the secret ``name`` whose ARN is ``arn``:
    ``current`` (full ARN, partial ARN or name), ``stale`` (a full ARN of a secret of the same name in the
    same account and region that was deleted and recreated: ECS will fail to fetch it), or None."""
    if store_id == arn:
        return "current"
    if not store_id.startswith("arn:"):
        return "current" if store_id == name else None
    prefix = ":".join(arn.split(":", 6)[:6]) + ":"
    if not store_id.startswith(prefix):
        return None  # another account, region or partition: another secret
    resource = store_id[len(prefix) :]
    if resource == name:
        return "current"  # partial ARN
    if len(resource) == len(name) + _SUFFIX and resource.startswith(name + "-") and resource[-6:].isalnum():
        return "stale"
    return None


def secret_matches(store_id: str, arn: str, name: str) -> bool:
    """A valueFrom base ARN matches the secret by full ARN, by partial ARN (without the 6-char suffix) or by
    name (``/aws/reference/secretsmanager/NAME``). A stale full ARN does not match: ECS cannot read it."""
    return secret_match(store_id, arn, name) == "current"


@dataclass
class Variable:
    container: str
    name: str  # the variable's name; for ``secretOptions``, the log driver option's name
    source: str  # environment | environmentFile | ssm | secretsmanager
    origin: str  # parameter/secret name (plus key/stage), or "task definition"
    value_from: str | None = None
    resolves: bool | None = None  # None: not checked (plain environment, environment files)
    why: str = ""
    via: str = "environment"  # environment | environmentFiles | secrets | secretOptions (the log driver's)
    current_arn: str | None = None  # a stale full ARN: the ARN the secret of that name has now

    def to_dict(self) -> dict[str, Any]:
        return {
            "container": self.container,
            "name": self.name,
            "source": self.source,
            "origin": self.origin,
            "via": self.via,
            "value_from": self.value_from,
            "resolves": self.resolves,
            "why": self.why or None,
            "current_arn": self.current_arn,
        }


def _origin(ref: ValueFrom) -> str:
    if ref.kind != "secretsmanager":
        return ref.store_id
    origin = ref.secret_name
    return origin + "".join(
        f" {k}={v}" for k, v in (("key", ref.json_key), ("stage", ref.version_stage), ("version", ref.version_id)) if v
    )


def secret_refs_of(container: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(via, name, valueFrom) of every store reference of a container definition: ``secrets`` and the log
    driver's ``logConfiguration.secretOptions`` (a Splunk token, a Datadog API key ...)."""
    out = [("secrets", str(s.get("name", "")), str(s.get("valueFrom", ""))) for s in container.get("secrets") or []]
    log = container.get("logConfiguration") or {}
    out += [
        ("secretOptions", str(s.get("name", "")), str(s.get("valueFrom", ""))) for s in log.get("secretOptions") or []
    ]
    return [r for r in out if r[2]]


def variables(task_definition: dict[str, Any], container: str | None = None) -> list[Variable]:
    """Everything a task's containers receive from the task definition: environment, environment files,
    ``secrets`` and the log drivers' ``secretOptions`` (every container unless ``container`` is given)."""
    out: list[Variable] = []
    for c in task_definition.get("containerDefinitions", []):
        cname = c.get("name", "")
        if container and cname != container:
            continue
        for e in c.get("environment", []) or []:
            out.append(Variable(cname, e.get("name", ""), "environment", "task definition"))
        for f in c.get("environmentFiles", []) or []:
            where = str(f.get("value", ""))
            out.append(Variable(cname, "(file)", "environmentFile", where, via="environmentFiles"))
        for via, name, value_from in secret_refs_of(c):
            ref = parse_value_from(value_from)
            out.append(Variable(cname, name, ref.kind, _origin(ref), value_from, via=via))
    return out


def _describe_secret(store: Secrets, ref: ValueFrom) -> tuple[SecretMeta | None, str | None, str | None]:
    """(meta, error code, current ARN of a stale full ARN) for a Secrets Manager reference."""
    from vegaops.aws.errors import error_code

    try:
        meta = store.describe(ref.store_id)
    except Exception as exc:
        code = error_code(exc)
        if code is None:
            raise
        if code not in ("ValidationException", "InvalidParameterException"):
            return None, code, None
        meta = None
    if meta is not None:
        return meta, None, None
    # Not found as written: the secret may exist under the name (a partial ARN some endpoints do not
    # resolve, or a full ARN whose secret was deleted and recreated with a new suffix).
    name = ref.secret_name
    candidates = [name]
    if ref.arn_prefix and len(name) > _SUFFIX and name[-_SUFFIX] == "-":
        candidates.append(name[:-_SUFFIX])
    for candidate in candidates:
        try:
            found = store.describe(candidate)
        except Exception as exc:
            if error_code(exc) is None:
                raise
            continue
        if found is None:
            continue
        match = secret_match(ref.store_id, found.arn, found.name)
        if match == "current":
            return found, None, None
        if match == "stale":
            return None, "ResourceNotFoundException", str(found.arn)
    return None, "ResourceNotFoundException", None


def _region_of(value_from: str) -> str | None:
    parts = value_from.split(":")
    return parts[3] or None if value_from.startswith("arn:") and len(parts) > 4 else None


def check_resolution(ctx: AppContext, found: list[Variable]) -> None:
    """Set ``resolves`` on SSM and Secrets Manager variables (values are read only to check JSON keys), each
    read in the region its ARN names."""
    by_region: dict[str | None, set[str]] = {}
    for v in found:
        if v.source == "ssm":
            name = parse_value_from(v.value_from or "").store_id
            wanted = by_region.setdefault(_region_of(v.value_from or ""), set())
            wanted.add(name)
            if name.count("/") == 1:
                wanted.add(name.lstrip("/"))  # an ARN's parameter/flat may be "flat" or "/flat"
    existing: dict[str | None, dict[str, Any]] = {
        region: ctx.aws.in_region(region).ssm.get_many(sorted(names), decrypt=False)
        for region, names in by_region.items()
    }
    stores: dict[str | None, Secrets] = {}
    metas: dict[str, tuple[SecretMeta | None, str | None, str | None]] = {}
    for v in found:
        region = _region_of(v.value_from or "")
        if v.source == "ssm":
            ref = parse_value_from(v.value_from or "")
            there = existing.get(region, {})
            v.resolves = ref.store_id in there or (ref.store_id.count("/") == 1 and ref.store_id.lstrip("/") in there)
            v.why = "" if v.resolves else "parameter not found" + (f" in {region}" if region else "")
        elif v.source == "secretsmanager":
            ref = parse_value_from(v.value_from or "")
            if region not in stores:
                stores[region] = ctx.aws.in_region(region).secrets
            store = stores[region]
            if ref.store_id not in metas:
                metas[ref.store_id] = _describe_secret(store, ref)
            meta, code, current = metas[ref.store_id]
            if current:
                v.resolves, v.current_arn = False, current
                v.why = f"stale ARN: the secret was recreated as {current}"
            elif meta is None:
                v.resolves = False
                v.why = "secret not found" if code in (None, "ResourceNotFoundException") else f"cannot read: {code}"
                if code in (None, "ResourceNotFoundException") and ref.arn_prefix:
                    v.why += f" in {':'.join(ref.arn_prefix.split(':')[3:5])} (region:account)"
            else:
                v.resolves, v.why = _secret_resolves(store, meta, ref)


def _secret_resolves(store: Secrets, meta: SecretMeta | None, ref: ValueFrom) -> tuple[bool, str]:
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
    # references by a full ARN of a secret since deleted and recreated: {container, name, via, value_from}
    stale_refs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "task_definition": self.task_definition,
            "variables": self.variables,
            "stale_tasks": self.stale_tasks,
            "stale_refs": self.stale_refs,
        }


def cluster_services(ctx: AppContext, cluster: str) -> dict[str, ServiceTypeDef]:
    ecs = ctx.aws.ecs
    names = [a.rsplit("/", 1)[-1] for a in ecs.list_services(cluster)]
    found, _ = ecs.describe_services(cluster, names) if names else ({}, [])
    return found


class TaskDefinitions:
    """describe_task_definition with a cache: many services share revisions."""

    def __init__(self, ctx: AppContext) -> None:

        self.ecs = ctx.aws.ecs
        self.cache: dict[str, dict[str, Any]] = {}

    def get(self, arn: str) -> dict[str, Any]:
        if arn not in self.cache:
            self.cache[arn] = self.ecs.describe_task_definition(arn).raw
        return self.cache[arn]


def references(
    ctx: AppContext, cluster: str, matches: Any, changed: datetime | None, include_stale: bool = False
) -> list[ServiceRef]:
    """Services whose current (or rolling-out) task definitions read a store entry ``matches(ValueFrom)``
    accepts (through ``secrets`` or a log driver's ``secretOptions``); with ``changed``, the running tasks
    started before it. With ``include_stale``, also the task definitions that name the secret by an ARN
    it no longer has (``matches`` answered "stale"): they need repointing, not a redeploy."""

    tds = TaskDefinitions(ctx)
    out: list[ServiceRef] = []
    ecs = ctx.aws.ecs
    gone: dict[str, bool] = {}
    for name, service in sorted(cluster_services(ctx, cluster).items()):
        arns = {service.get("taskDefinition", "")} | {
            d.get("taskDefinition", "") for d in service.get("deployments", [])
        }
        for arn in sorted(a for a in arns if a):
            hits: list[str] = []
            stale: list[dict[str, Any]] = []
            for v in variables(tds.get(arn)):
                if not v.value_from:
                    continue
                got = matches(parse_value_from(v.value_from))
                if got == "stale":
                    if include_stale and arn_gone(ctx, parse_value_from(v.value_from).store_id, gone):
                        stale.append(
                            {"container": v.container, "name": v.name, "via": v.via, "value_from": v.value_from}
                        )
                elif got:
                    hits.append(v.name)
            if not hits and not stale:
                continue
            ref = ServiceRef(name, tds.get(arn).get("taskDefinitionArn", arn), hits, stale_refs=stale)
            if changed is not None and hits:
                arns_running = ecs.list_tasks(cluster, service=name, desired_status="RUNNING")
                tasks = ecs.describe_tasks(cluster, arns_running) if arns_running else []
                ref.stale_tasks = stale_tasks(tasks, ref.task_definition, changed)
            out.append(ref)
    return out


def stale_tasks(tasks: Sequence[Mapping[str, Any]], task_definition: str, changed: datetime) -> list[dict[str, Any]]:
    """Running tasks of this task definition that started before the change: they hold the old value."""
    out: list[dict[str, Any]] = []
    for t in tasks:
        started = t.get("startedAt") or t.get("createdAt")
        if t.get("taskDefinitionArn") == task_definition and isinstance(started, datetime) and started < changed:
            out.append({"task": t.get("taskArn", "").rsplit("/", 1)[-1], "started": started.isoformat()})
    return out


def secret_matcher(arn: str, name: str) -> Any:
    """Accepts references to the secret (truthy "current"), and answers "stale" for a full ARN of an
    earlier secret of the same name (which ``references`` reports only with ``include_stale``)."""
    return lambda ref: secret_match(ref.store_id, arn, name) if ref.kind == "secretsmanager" else None


def param_matcher(full_name: str) -> Any:
    def match(ref: ValueFrom) -> bool:
        return ref.kind == "ssm" and ref.store_id.lstrip("/") == full_name.lstrip("/")

    return match


def unresolved(ctx: AppContext, task_definitions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every store reference (``secrets`` and log drivers' ``secretOptions``) of these task definitions
    that ECS could not fetch at task start, once per valueFrom: ``{container, name, via, value_from,
    error, why, current_arn}``. ``error`` is the store's error code (ResourceNotFoundException,
    ParameterNotFound, AccessDeniedException ...); ``current_arn`` is set when the reference is a stale full
    ARN of a secret that exists under a new ARN (deleted and recreated): repoint, do not create it."""
    seen: dict[str, Variable] = {}
    for td in task_definitions:
        for v in variables(td):
            if v.value_from and v.source in ("ssm", "secretsmanager"):
                seen.setdefault(v.value_from, v)
    found = list(seen.values())
    _check_each(ctx, found)
    out = []
    for v in found:
        if v.resolves is False:
            out.append(
                {
                    "container": v.container,
                    "name": v.name,
                    "via": v.via,
                    "value_from": v.value_from,
                    "error": v.why,  # as debug's report gives it
                    "code": _code(v),
                    "current_arn": v.current_arn,
                }
            )
    return out


def _code(v: Variable) -> str:
    if v.why.startswith("cannot read: "):
        return v.why[len("cannot read: ") :]
    if v.source == "ssm":
        return "ParameterNotFound"
    return "ResourceNotFoundException"


def _check_each(ctx: AppContext, found: list[Variable]) -> None:
    """``check_resolution`` with SSM access errors kept per variable instead of raised."""
    from vegaops.aws.errors import error_code

    try:
        check_resolution(ctx, found)
        return
    except Exception as exc:
        if error_code(exc) is None:
            raise
    for v in found:  # one failed batch (e.g. ssm:GetParameters denied): check one by one
        try:
            check_resolution(ctx, [v])
        except Exception as exc:
            code = error_code(exc)
            if code is None:
                raise
            v.resolves, v.why = False, f"cannot read: {code}"


def arn_gone(ctx: AppContext, store_id: str, cache: dict[str, bool] | None = None) -> bool:
    """Whether Secrets Manager no longer knows this secret ARN. A name-looking match ("stale") can also be the
    partial ARN of another secret whose name ends in six letters (``db-backup`` beside ``db``): only an ARN
    that finds nothing is stale. Unreadable (denied) counts as not gone: never repoint on a guess."""
    from vegaops.aws.errors import error_code

    cache = cache if cache is not None else {}
    if store_id not in cache:
        try:
            cache[store_id] = ctx.aws.in_region(_region_of(store_id)).secrets.describe(store_id) is None
        except Exception as exc:
            if error_code(exc) is None:
                raise
            cache[store_id] = False
    return cache[store_id]

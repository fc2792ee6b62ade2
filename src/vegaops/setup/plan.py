"""The wizard's decisions as pure functions: proposals, the config tables, what is missing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from vegaops.setup.discovery import Reference, ServiceInfo

PROD_LIKE = ("prod", "production", "live", "prd")


@dataclass
class ServiceChoice:
    key: str
    ecs_service: str
    container: str | None
    ecr_repo: str | None
    health_url: str | None


@dataclass
class Answers:
    project: str
    env: str
    cluster: str
    region: str | None
    profile: str | None
    secrets_prefix: str
    params_prefix: str
    tag_rule: str | None
    confirm: bool
    services: list[ServiceChoice] = field(default_factory=list)
    sandbox: bool = False
    ecr_registry: str | None = None  # where images are pushed, when not the account's ECR (a sandbox's registry)


def propose_project(cluster: str, existing: str | None) -> str:
    if existing:
        return existing
    head = re.split(r"[-_]", cluster, maxsplit=1)[0]
    return head or cluster


def propose_env(cluster: str, project: str) -> str:
    """``vega-prod`` with project ``vega`` -> ``prod``; otherwise the cluster name itself."""
    for sep in ("-", "_"):
        if cluster.startswith(project + sep) and len(cluster) > len(project) + 1:
            return cluster[len(project) + 1 :]
    return cluster


def is_prod_like(env: str) -> bool:
    return any(part in PROD_LIKE for part in re.split(r"[-_]", env.lower()))


def propose_tag_rule(env: str) -> str | None:
    return "-stable$" if is_prod_like(env) else None


def service_key(ecs_service: str, project: str) -> str:
    for sep in ("-", "_"):
        if ecs_service.startswith(project + sep) and len(ecs_service) > len(project) + 1:
            return ecs_service[len(project) + 1 :]
    return ecs_service


def _common_dir(names: list[str]) -> str | None:
    if not names:
        return None
    parts = [n.split("/") for n in names]
    common: list[str] = []
    for segments in zip(*(p[:-1] for p in parts), strict=False):
        if len(set(segments)) != 1:
            break
        common.append(segments[0])
    prefix = "/".join(common)
    return prefix + "/" if prefix.strip("/") else None


def propose_prefixes(refs: Iterable[Reference], project: str, env: str) -> tuple[str, str]:
    """Prefixes from what the task definitions already reference, else ``project/env/``."""
    refs = list(refs)
    secrets = _common_dir([r.name for r in refs if r.store == "secretsmanager"])
    params = _common_dir([r.name for r in refs if r.store == "ssm"])
    return secrets or f"{project}/{env}/", params or f"/{project}/{env}/"


def propose_repo(info: ServiceInfo, container: str | None, repositories: list[str]) -> str | None:
    """The ECR repository the container's image comes from, when it is one of the listed ones."""
    image = info.images.get(container or "", "")
    if ".dkr.ecr." in image or image.count("/") >= 1:
        path = image.split("/", 1)[1] if "/" in image else image
        name = re.split(r"[:@]", path, maxsplit=1)[0]
        if name in repositories:
            return name
    for candidate in (info.ecs_service, container or ""):
        if candidate in repositories:
            return candidate
    return None


def propose_health_url(info: ServiceInfo) -> str | None:
    if not info.health_paths:
        return None
    path = info.health_paths[0]
    if info.load_balancer_dns:
        return f"http://{info.load_balancer_dns[0]}{path}"
    return None


@dataclass(frozen=True)
class Missing:
    store: str  # secretsmanager | ssm
    name: str
    variable: str
    services: tuple[str, ...]
    default: str | None = None


def missing_references(
    services: dict[str, ServiceInfo],
    present_secrets: set[str],
    present_params: set[str],
    documented: dict[str, str],
) -> list[Missing]:
    """Every valueFrom reference of the chosen services that does not resolve, once per name."""
    by_name: dict[tuple[str, str], list[str]] = {}
    variables: dict[tuple[str, str], str] = {}
    for svc, info in services.items():
        for ref in info.references:
            key = (ref.store, ref.name)
            present = present_secrets if ref.store == "secretsmanager" else present_params
            if ref.name in present:
                continue
            by_name.setdefault(key, []).append(svc)
            variables.setdefault(key, ref.variable)
    result = []
    for (store, name), svcs in sorted(by_name.items()):
        leaf = name.rstrip("/").rsplit("/", 1)[-1]
        default = documented.get(leaf) if store == "ssm" else None
        result.append(Missing(store, name, variables[(store, name)], tuple(sorted(set(svcs))), default))
    return result


def env_table(a: Answers) -> dict[str, object]:
    table: dict[str, object] = {"cluster": a.cluster}
    if a.region:
        table["region"] = a.region
    if a.profile:
        table["profile"] = a.profile
    table["secrets_prefix"] = a.secrets_prefix
    table["params_prefix"] = a.params_prefix
    if a.tag_rule:
        table["tag_rule"] = a.tag_rule
    if a.confirm:
        table["confirm"] = True
    if a.ecr_registry:
        table["ecr_registry"] = a.ecr_registry
    return table


def service_tables(a: Answers) -> dict[str, dict[str, object]]:
    """What every environment shares about a service: its ECS name, container and repository."""
    tables: dict[str, dict[str, object]] = {}
    for s in a.services:
        t: dict[str, object] = {"ecs_service": s.ecs_service}
        if s.container:
            t["container"] = s.container
        if s.ecr_repo:
            t["ecr_repo"] = s.ecr_repo
        tables[s.key] = t
    return tables


def env_service_tables(a: Answers) -> dict[str, dict[str, object]]:
    """What belongs to this environment only (``[env.NAME.service.KEY]``): its health URL (its own load
    balancer), so that setting up one environment never gives another environment its URL."""
    return {s.key: {"health_url": s.health_url} for s in a.services if s.health_url}


NAME_RULE = re.compile(r"^[A-Za-z0-9_-]+$")


def check_name(value: str, option: str, what: str) -> str:
    """An environment or service key becomes a TOML table name (``[env.NAME]``): letters, digits, - and _."""
    from vegaops.errors import UsageError

    if not value:
        raise UsageError(f"{option}: the {what} is empty", hint=f"give a {what} such as prod")
    if not NAME_RULE.match(value):
        raise UsageError(
            f"{option} {value!r}: a {what} may hold only letters, digits, '-' and '_'",
            hint=f"for example {option} {re.sub(r'[^A-Za-z0-9_-]+', '-', value).strip('-') or 'prod'}",
        )
    return value


def check_tag_rule(value: str, option: str = "--tag-rule") -> str:
    """The tag rule is a Python regular expression every deployed tag must match ('' for none)."""
    from vegaops.errors import UsageError

    try:
        re.compile(value)
    except re.error as exc:
        raise UsageError(
            f"{option} {value!r}: not a valid regular expression ({exc})",
            hint=f"for example {option} '-stable$', or {option} '' for no rule",
        ) from None
    return value

"""Amazon ECS, typed and batched. No printing.

Responses are returned as the API's dictionaries (the ``mypy_boto3_ecs`` shapes), wrapped where a call needs
batching, pagination (botocore paginators) or a fallback. ``ServiceDeployment`` APIs are optional on the
endpoint: when it answers "unknown/invalid action" or "not implemented" the layer remembers it and returns
``None``. Calls are counted by the layer's :class:`~vegaops.aws.calls.CallCounter` (botocore's before-call
hook); ``Ecs.calls`` reads it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeGuard

from vegaops.aws.calls import CallCounter
from vegaops.aws.optional import is_unsupported

if TYPE_CHECKING:
    from mypy_boto3_ecs import ECSClient
    from mypy_boto3_ecs.literals import DesiredStatusType, StopServiceDeploymentStopTypeType, TaskDefinitionStatusType
    from mypy_boto3_ecs.type_defs import (
        DeploymentConfigurationTypeDef,
        DescribeTaskDefinitionResponseTypeDef,
        ListTasksRequestPaginateTypeDef,
        RegisterTaskDefinitionRequestTypeDef,
        RegisterTaskDefinitionResponseTypeDef,
        ServiceDeploymentBriefTypeDef,
        ServiceDeploymentTypeDef,
        ServiceTypeDef,
        TaskTypeDef,
        UpdateServiceRequestTypeDef,
    )

# Fields register_task_definition accepts, copied from a described task definition.
REGISTRABLE_FIELDS: tuple[str, ...] = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
)


def chunks(items: Sequence[str], size: int = 10) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


@dataclass(frozen=True)
class TaskDefinition:
    arn: str
    family: str
    revision: int
    raw: dict[str, Any]  # the API's taskDefinition object
    tags: dict[str, str] = field(default_factory=dict)

    def container(self, name: str) -> dict[str, Any] | None:
        for c in self.raw.get("containerDefinitions", []):
            if c.get("name") == name:
                return dict(c)
        return None

    @property
    def containers(self) -> list[dict[str, Any]]:
        return list(self.raw.get("containerDefinitions", []))

    def registrable(self) -> RegisterTaskDefinitionRequestTypeDef:
        """Everything needed to register an identical revision (tags included)."""
        spec = {k: self.raw[k] for k in REGISTRABLE_FIELDS if k in self.raw and self.raw[k] not in (None, [])}
        if self.tags:
            spec["tags"] = [{"key": k, "value": v} for k, v in self.tags.items()]
        if not is_register_request(spec):
            raise ValueError(f"not a RegisterTaskDefinition request: {sorted(spec)}")
        return spec


def is_register_request(spec: Mapping[str, Any]) -> TypeGuard[RegisterTaskDefinitionRequestTypeDef]:
    """Whether ``spec`` holds only RegisterTaskDefinition's fields (``REGISTRABLE_FIELDS`` and ``tags``):
    DescribeTaskDefinition answers with the shapes RegisterTaskDefinition takes, so a described revision's
    registrable fields are a request."""
    return set(spec) <= {*REGISTRABLE_FIELDS, "tags"}


def _plain(shape: Mapping[str, Any]) -> dict[str, Any]:
    """An API shape as a plain dictionary, for code that reads task definitions generically (``TaskDefinition.raw``)."""
    return dict(shape)


def _td(response: DescribeTaskDefinitionResponseTypeDef | RegisterTaskDefinitionResponseTypeDef) -> TaskDefinition:
    raw = response["taskDefinition"]
    tags = {t["key"]: t["value"] for t in response.get("tags", []) or [] if "key" in t and "value" in t}
    return TaskDefinition(
        arn=raw.get("taskDefinitionArn", ""),
        family=raw.get("family", ""),
        revision=int(raw.get("revision", 0)),
        raw=_plain(raw),
        tags=tags,
    )


def _td_key(task_definition: str) -> str | None:
    """``family:revision`` of a revision reference (ARN or short); None for a bare family (= latest)."""
    revision = revision_of(task_definition)
    return None if revision is None else f"{family_of(task_definition)}:{revision}"


def revision_of(task_definition: str) -> int | None:
    """``arn:...:task-definition/web:7`` or ``web:7`` -> 7."""
    tail = task_definition.rsplit("/", 1)[-1]
    _, _, rev = tail.rpartition(":")
    return int(rev) if rev.isdigit() else None


def family_of(task_definition: str) -> str:
    tail = task_definition.rsplit("/", 1)[-1]
    return tail.rsplit(":", 1)[0] if ":" in tail else tail


class Ecs:
    """A thin layer over the typed ECS client; ``calls`` counts the API calls made on that client."""

    def __init__(self, client: ECSClient, counter: CallCounter | None = None) -> None:
        self.client = client
        self.counter = CallCounter.for_client(client, counter)
        self.deployments_api: bool | None = None  # None: not tried yet
        self._services: dict[tuple[str, str], tuple[float, ServiceTypeDef]] = {}
        # One command's reads of task definitions (a revision's content never changes; its tags only
        # through ``tag_resource`` below) and of each family's revision list (kept current by our own
        # register/deregister calls), so the steps of one deploy do not ask twice.
        self._tds: dict[str, TaskDefinition] = {}
        self._families: dict[tuple[str, str], list[str]] = {}
        self._deployments: dict[tuple[str, str, int], tuple[float, list[ServiceDeploymentBriefTypeDef]]] = {}

    @property
    def calls(self) -> dict[str, int]:
        """ECS calls so far per operation (``describe_services``: 3, ...)."""
        return self.counter.calls("ecs")

    @property
    def total_calls(self) -> int:
        return self.counter.total("ecs")

    # --- services ---------------------------------------------------------------------------
    def describe_services(
        self, cluster: str, services: Sequence[str], max_age: float = 0.0
    ) -> tuple[dict[str, ServiceTypeDef], list[str]]:
        """Batched (10 per call). Returns (name -> service, names missing). Keys are the names asked for.

        ``max_age`` > 0 reuses a description read by this layer at most that many seconds ago (plans
        of one command right after its preflight); UpdateService through this layer invalidates it.
        """
        found: dict[str, ServiceTypeDef] = {}
        missing: list[str] = []
        now = time.monotonic()
        wanted: list[str] = []
        for name in services:
            cached = self._services.get((cluster, name))
            if max_age > 0 and cached is not None and now - cached[0] <= max_age:
                found[name] = cached[1]
            else:
                wanted.append(name)
        for batch in chunks(wanted):
            response = self.client.describe_services(cluster=cluster, services=batch)
            by_key: dict[str, ServiceTypeDef] = {}
            for s in response.get("services", []):
                by_key[s.get("serviceName", "")] = s
                by_key[s.get("serviceArn", "")] = s
            for name in batch:
                if name in by_key:
                    found[name] = by_key[name]
                    self._services[(cluster, name)] = (now, by_key[name])
                else:
                    missing.append(name)
        return found, missing

    def require_services(
        self,
        cluster: str,
        services: Sequence[str],
        hint: str | None = None,
        max_age: float = 0.0,
        inactive: bool = False,
    ) -> dict[str, ServiceTypeDef]:
        """name -> service for services a command needs; one that is missing or INACTIVE (deleted: ECS still
        describes it for a while) is not found (exit 3), named with its cluster. ``inactive``: a deleted
        service is taken as found (a watch judges it, its logs and cost are still there)."""
        from vegaops.cmdline import prog
        from vegaops.errors import NotFoundError

        found, missing = self.describe_services(cluster, services, max_age=max_age)
        gone = [n for n in services if n in missing or (not inactive and found[n].get("status") == "INACTIVE")]
        if gone:
            what = f"service {gone[0]}" if len(gone) == 1 else f"services {', '.join(gone)}"
            raise NotFoundError(
                f"{what} not found in cluster {cluster}",
                hint=hint or f"check the name and --env ({prog()} status lists the services)",
            )
        return {n: found[n] for n in services}

    def update_service(
        self,
        cluster: str,
        service: str,
        task_definition: str | None = None,
        force_new_deployment: bool = False,
        deployment_configuration: DeploymentConfigurationTypeDef | None = None,
        desired_count: int | None = None,
    ) -> ServiceTypeDef:
        request: UpdateServiceRequestTypeDef = {"cluster": cluster, "service": service}
        if desired_count is not None:
            request["desiredCount"] = desired_count
        if task_definition:
            request["taskDefinition"] = task_definition
        if force_new_deployment:
            request["forceNewDeployment"] = True
        if deployment_configuration is not None:
            request["deploymentConfiguration"] = deployment_configuration
        self._services.pop((cluster, service), None)
        service_obj = self.client.update_service(**request)["service"]
        # The response is the service as it is now (the new deployment included): a fresh description.
        self._services[(cluster, service)] = (time.monotonic(), service_obj)
        return service_obj

    def list_services(self, cluster: str) -> list[str]:
        """The ARNs of every service of ``cluster`` (all pages)."""
        pages = self.client.get_paginator("list_services").paginate(cluster=cluster)
        return [arn for page in pages for arn in page.get("serviceArns", [])]

    # --- task definitions -------------------------------------------------------------------
    def describe_task_definition(self, task_definition: str, tags: bool = True) -> TaskDefinition:
        """The revision with its tags; ``tags=False`` reads it without (when ListTagsForResource is denied)."""
        key = _td_key(task_definition)
        cached = self._tds.get(key) if key else None
        if cached is not None:
            return cached
        if tags:
            response = self.client.describe_task_definition(taskDefinition=task_definition, include=["TAGS"])
        else:
            response = self.client.describe_task_definition(taskDefinition=task_definition)
        td = _td(response)
        if tags:
            self._tds[_td_key(td.arn) or td.arn] = td
        return td

    def register_task_definition(self, spec: RegisterTaskDefinitionRequestTypeDef) -> TaskDefinition:
        td = _td(self.client.register_task_definition(**spec))
        sent = spec.get("tags")
        if sent and not td.tags:  # not every endpoint echoes the tags: they are the ones sent
            td = TaskDefinition(
                td.arn,
                td.family,
                td.revision,
                td.raw,
                {t["key"]: t["value"] for t in sent if "key" in t and "value" in t},
            )
        self._tds[_td_key(td.arn) or td.arn] = td
        listed = self._families.get((td.family, "ACTIVE"))
        if listed is not None and td.arn not in listed:
            listed.insert(0, td.arn)
        return td

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        self.client.tag_resource(resourceArn=arn, tags=[{"key": k, "value": v} for k, v in tags.items()])
        key = _td_key(arn) or arn
        cached = self._tds.get(key)
        if cached is not None:  # the content never changes; the tags are now the ones just written
            self._tds[key] = TaskDefinition(
                cached.arn, cached.family, cached.revision, cached.raw, {**cached.tags, **tags}
            )

    def clone_task_definition(
        self, source: TaskDefinition, images: dict[str, str], tags: dict[str, str] | None = None
    ) -> TaskDefinition:
        """Register a new revision identical to ``source`` except container images (and extra tags)."""
        spec = clone_spec(source, images, tags)
        return self.register_task_definition(spec)

    def list_task_definitions(self, family: str, status: TaskDefinitionStatusType = "ACTIVE") -> list[str]:
        """The family's revisions, newest first (read once per command, then kept current)."""
        listed = self._families.get((family, status))
        if listed is None:
            pages = self.client.get_paginator("list_task_definitions").paginate(
                familyPrefix=family, status=status, sort="DESC"
            )
            arns = [a for page in pages for a in page.get("taskDefinitionArns", []) if family_of(a) == family]
            listed = self._families[(family, status)] = sorted(arns, key=lambda a: revision_of(a) or 0, reverse=True)
        return list(listed)

    def deregister_task_definition(self, task_definition: str) -> None:
        self.client.deregister_task_definition(taskDefinition=task_definition)
        self._tds.pop(_td_key(task_definition) or task_definition, None)
        listed = self._families.get((family_of(task_definition), "ACTIVE"))
        if listed is not None:
            key = _td_key(task_definition)
            listed[:] = [a for a in listed if _td_key(a) != key]

    # --- tasks ------------------------------------------------------------------------------
    def list_tasks(
        self,
        cluster: str,
        started_by: str | None = None,
        desired_status: DesiredStatusType | None = None,
        service: str | None = None,
    ) -> list[str]:
        request: ListTasksRequestPaginateTypeDef = {"cluster": cluster}
        if started_by:
            request["startedBy"] = started_by
        if desired_status:
            request["desiredStatus"] = desired_status
        if service and not started_by:
            request["serviceName"] = service
        pages = self.client.get_paginator("list_tasks").paginate(**request)
        return [arn for page in pages for arn in page.get("taskArns", [])]

    def describe_tasks(self, cluster: str, task_arns: Sequence[str]) -> list[TaskTypeDef]:
        tasks: list[TaskTypeDef] = []
        for batch in chunks(list(task_arns), 100):
            tasks.extend(self.client.describe_tasks(cluster=cluster, tasks=batch).get("tasks", []))
        return tasks

    # --- service deployments (optional on the endpoint) -------------------------------------
    def list_service_deployments(
        self, cluster: str, service: str, max_results: int = 20, max_age: float = 0.0
    ) -> list[ServiceDeploymentBriefTypeDef] | None:
        """Newest first, or None when the endpoint does not support the API. ``max_age`` > 0 reuses this
        layer's answer to the same question at most that many seconds old (a read resolving outcomes, then the
        step recording them, in one command)."""
        if self.deployments_api is False:
            return None
        key = (cluster, service, max_results)
        now = time.monotonic()
        cached = self._deployments.get(key)
        if max_age > 0 and cached is not None and now - cached[0] <= max_age:
            return list(cached[1])
        try:
            response = self.client.list_service_deployments(cluster=cluster, service=service, maxResults=max_results)
        except Exception as exc:
            if is_unsupported(exc):
                self.deployments_api = False
                return None
            raise
        self.deployments_api = True
        items = list(response.get("serviceDeployments", []))
        self._deployments[key] = (now, items)
        return list(items)

    def describe_service_deployments(self, arns: Sequence[str]) -> list[ServiceDeploymentTypeDef] | None:
        if self.deployments_api is False:
            return None
        if not arns:
            return []
        out: list[ServiceDeploymentTypeDef] = []
        try:
            for batch in chunks(list(arns), 20):
                out.extend(
                    self.client.describe_service_deployments(serviceDeploymentArns=batch).get("serviceDeployments", [])
                )
        except Exception as exc:
            if is_unsupported(exc):
                self.deployments_api = False
                return None
            raise
        self.deployments_api = True
        return out

    def stop_service_deployment(self, arn: str, stop_type: StopServiceDeploymentStopTypeType = "ROLLBACK") -> bool:
        """Stop (ROLLBACK or ABORT) a service deployment; False when the endpoint lacks the API."""
        try:
            self.client.stop_service_deployment(serviceDeploymentArn=arn, stopType=stop_type)
        except Exception as exc:
            if is_unsupported(exc):
                return False
            raise
        return True


OWN_TAG_PREFIX = "vegaops:"  # tags vegaops records about one revision's deployment: never copied to a clone


def clone_spec(
    source: TaskDefinition, images: dict[str, str], tags: dict[str, str] | None = None
) -> RegisterTaskDefinitionRequestTypeDef:
    """The register_task_definition arguments for ``source`` with ``images`` (container -> image).

    The user's own tags carry over; ``vegaops:*`` tags (release tag, deployer, deployment id, outcome)
    describe the source revision's deployment and are never inherited: the new revision gets only
    ``tags`` (what this deploy sets). Otherwise an interrupted deploy would show its parent's outcome.
    """
    import copy

    spec = copy.deepcopy(source.registrable())
    kept = [t for t in spec.get("tags", []) if not str(t.get("key", "")).startswith(OWN_TAG_PREFIX)]
    if kept:
        spec["tags"] = kept
    else:
        spec.pop("tags", None)
    unknown = set(images) - {c.get("name") for c in spec.get("containerDefinitions", [])}
    if unknown:
        raise KeyError(", ".join(sorted(unknown)))
    for c in spec.get("containerDefinitions", []):
        if c.get("name") in images:
            c["image"] = images[c["name"]]
    if tags:
        merged = {t["key"]: t["value"] for t in spec.get("tags", [])}
        merged.update(tags)
        spec["tags"] = [{"key": k, "value": v} for k, v in merged.items()]
    return spec

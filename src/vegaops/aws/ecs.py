"""ECS and ELBv2 reads/writes vegaops needs, typed and batched. No printing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vegaops.aws.errors import error_code

# Fields DescribeTaskDefinition returns that RegisterTaskDefinition does not accept.
_READ_ONLY_TD_FIELDS = ("taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities",
                        "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt")


def chunks(items: list[str], size: int = 10) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Ecs:
    def __init__(self, client: Any, cluster: str) -> None:
        self.client = client
        self.cluster = cluster
        self.calls = 0  # API calls made through this object (reported in deploy envelopes)

    def _call(self, name: str, **kwargs: Any) -> Any:
        self.calls += 1
        return getattr(self.client, name)(**kwargs)

    def describe_services(self, names: list[str]) -> tuple[dict[str, dict[str, Any]], list[str]]:
        """name -> service (one call per 10 names); and the names ECS reported missing."""
        found: dict[str, dict[str, Any]] = {}
        missing: list[str] = []
        for batch in chunks(names):
            r = self._call("describe_services", cluster=self.cluster, services=batch)
            for s in r.get("services", []):
                found[s["serviceName"]] = s
            missing += [f["arn"].rsplit("/", 1)[-1] for f in r.get("failures", [])]
        return found, missing

    def task_definition(self, ref: str) -> tuple[dict[str, Any], list[dict[str, str]]]:
        r = self._call("describe_task_definition", taskDefinition=ref, include=["TAGS"])
        return r["taskDefinition"], r.get("tags", [])

    def register_clone(self, td: dict[str, Any], tags: list[dict[str, str]]) -> dict[str, Any]:
        params = {k: v for k, v in td.items() if k not in _READ_ONLY_TD_FIELDS and v not in (None, [], {})}
        if tags:
            params["tags"] = tags
        r = self._call("register_task_definition", **params)
        result: dict[str, Any] = r["taskDefinition"]
        return result

    def tag(self, arn: str, tags: dict[str, str]) -> None:
        self._call("tag_resource", resourceArn=arn, tags=[{"key": k, "value": v} for k, v in tags.items()])

    def update_service(self, service: str, task_definition: str | None = None, force: bool = False
                       ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"cluster": self.cluster, "service": service}
        if task_definition:
            kwargs["taskDefinition"] = task_definition
        if force:
            kwargs["forceNewDeployment"] = True
        r = self._call("update_service", **kwargs)
        result: dict[str, Any] = r["service"]
        return result

    def stopped_tasks(self, started_by: str) -> list[str]:
        arns: list[str] = []
        kwargs: dict[str, Any] = {"cluster": self.cluster, "startedBy": started_by, "desiredStatus": "STOPPED"}
        while True:
            r = self._call("list_tasks", **kwargs)
            arns += r.get("taskArns", [])
            if not r.get("nextToken"):
                return arns
            kwargs["nextToken"] = r["nextToken"]

    def describe_tasks(self, arns: list[str]) -> list[dict[str, Any]]:
        tasks: list[dict[str, Any]] = []
        for i in range(0, len(arns), 100):
            tasks += self._call("describe_tasks", cluster=self.cluster, tasks=arns[i : i + 100]).get("tasks", [])
        return tasks

    def task_definition_arns(self, family: str, limit: int = 100) -> list[str]:
        """Newest first (sorted here too: not every endpoint honours ``sort``)."""
        r = self._call("list_task_definitions", familyPrefix=family, sort="DESC", maxResults=limit)
        arns = [a for a in r.get("taskDefinitionArns", []) if a.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]
        return sorted(arns, key=lambda a: int(a.rsplit(":", 1)[-1]), reverse=True)[:limit]

    def service_deployments_supported(self, service: str) -> bool:
        try:
            self._call("list_service_deployments", cluster=self.cluster, service=service, maxResults=1)
        except Exception as exc:
            if error_code(exc) in ("UnknownOperationException", "InvalidAction", "NotImplemented",
                                   "UnsupportedOperation", "404"):
                return False
            raise
        return True

    def stop_deployment_with_rollback(self, service: str, deployment_id: str) -> bool:
        """StopServiceDeployment(ROLLBACK) for ECS deployment id ``ecs-svc/N``; False when unsupported."""
        try:
            r = self._call("list_service_deployments", cluster=self.cluster, service=service,
                           status=["IN_PROGRESS", "PENDING"])
        except Exception as exc:
            if error_code(exc) in ("UnknownOperationException", "InvalidAction", "NotImplemented"):
                return False
            raise
        suffix = deployment_id.rsplit("/", 1)[-1]
        for d in r.get("serviceDeployments", []):
            if d["serviceDeploymentArn"].endswith("/" + suffix):
                self._call("stop_service_deployment", serviceDeploymentArn=d["serviceDeploymentArn"],
                           stopType="ROLLBACK")
                return True
        return False


class TargetHealth:
    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls = 0

    def of(self, target_group_arn: str) -> list[dict[str, Any]]:
        self.calls += 1
        r = self.client.describe_target_health(TargetGroupArn=target_group_arn)
        result: list[dict[str, Any]] = r.get("TargetHealthDescriptions", [])
        return result

"""Application Auto Scaling for ECS services: scalable targets (min, max, suspended) and their policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

if TYPE_CHECKING:
    from mypy_boto3_application_autoscaling.type_defs import (
        RegisterScalableTargetRequestTypeDef,
        SuspendedStateTypeDef,
    )

    from vegaops.context import AppContext

NAMESPACE: Final[Literal["ecs"]] = "ecs"
DIMENSION: Final[Literal["ecs:service:DesiredCount"]] = "ecs:service:DesiredCount"
_SUSPEND_KEYS = ("DynamicScalingInSuspended", "DynamicScalingOutSuspended", "ScheduledScalingSuspended")


def resource_id(cluster: str, service: str) -> str:
    return f"service/{cluster.rsplit('/', 1)[-1]}/{service}"


def service_of(resource: str) -> str:
    return resource.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ScalableTarget:
    service: str
    min: int
    max: int
    suspended: bool  # dynamic scaling in and out, and scheduled scaling, all suspended

    def to_dict(self) -> dict[str, Any]:
        return {"min": self.min, "max": self.max, "suspended": self.suspended}


@dataclass(frozen=True)
class Policy:
    name: str
    type: str  # TargetTrackingScaling | StepScaling | PredictiveScaling
    metric: str | None = None
    target: float | None = None
    scale_out_cooldown: int | None = None
    scale_in_cooldown: int | None = None

    def text(self) -> str:
        if self.metric is not None and self.target is not None:
            return f"{self.metric} {self.target:g}"
        return f"{self.name} ({self.type})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "metric": self.metric,
            "target": self.target,
            "scale_out_cooldown": self.scale_out_cooldown,
            "scale_in_cooldown": self.scale_in_cooldown,
        }


@dataclass
class Autoscaling:
    targets: dict[str, ScalableTarget] = field(default_factory=dict)  # service -> target
    policies: dict[str, list[Policy]] = field(default_factory=dict)  # service -> its policies


def is_suspended(state: dict[str, Any] | None) -> bool:
    return bool(state) and all(bool((state or {}).get(k)) for k in _SUSPEND_KEYS)


def suspended_state(suspended: bool) -> SuspendedStateTypeDef:
    return {
        "DynamicScalingInSuspended": suspended,
        "DynamicScalingOutSuspended": suspended,
        "ScheduledScalingSuspended": suspended,
    }


def read_targets(ctx: AppContext, cluster: str, services: list[str]) -> dict[str, ScalableTarget]:
    """The services' scalable targets (DescribeScalableTargets, paginated; 50 resource ids a call)."""
    out: dict[str, ScalableTarget] = {}
    ids = [resource_id(cluster, s) for s in services]
    paginator = ctx.aws.autoscaling.get_paginator("describe_scalable_targets")
    for i in range(0, len(ids), 50):
        for page in paginator.paginate(
            ServiceNamespace=NAMESPACE, ResourceIds=ids[i : i + 50], ScalableDimension=DIMENSION
        ):
            for t in page.get("ScalableTargets", []):
                name = service_of(t["ResourceId"])
                out[name] = ScalableTarget(
                    name,
                    int(t["MinCapacity"]),
                    int(t["MaxCapacity"]),
                    is_suspended(dict(t.get("SuspendedState") or {})),
                )
    return out


def _policy(p: dict[str, Any]) -> Policy:
    tracking = p.get("TargetTrackingScalingPolicyConfiguration") or {}
    spec = tracking.get("PredefinedMetricSpecification") or {}
    metric = spec.get("PredefinedMetricType") or (
        (tracking.get("CustomizedMetricSpecification") or {}).get("MetricName")
    )
    words = {
        "ECSServiceAverageCPUUtilization": "CPU %",
        "ECSServiceAverageMemoryUtilization": "memory %",
        "ALBRequestCountPerTarget": "requests/target",
    }
    return Policy(
        name=str(p.get("PolicyName")),
        type=str(p.get("PolicyType")),
        metric=words.get(str(metric), str(metric)) if metric else None,
        target=float(tracking["TargetValue"]) if "TargetValue" in tracking else None,
        scale_out_cooldown=tracking.get("ScaleOutCooldown"),
        scale_in_cooldown=tracking.get("ScaleInCooldown"),
    )


def read_policies(ctx: AppContext, cluster: str, services: list[str]) -> dict[str, list[Policy]]:
    """The services' scaling policies (DescribeScalingPolicies, one paginated call per service)."""
    out: dict[str, list[Policy]] = {}
    paginator = ctx.aws.autoscaling.get_paginator("describe_scaling_policies")
    for service in services:
        pages = paginator.paginate(
            ServiceNamespace=NAMESPACE, ResourceId=resource_id(cluster, service), ScalableDimension=DIMENSION
        )
        found = [_policy(dict(p)) for page in pages for p in page.get("ScalingPolicies", [])]
        if found:
            out[service] = found
    return out


def register(ctx: AppContext, cluster: str, service: str, low: int, high: int, suspended: bool | None) -> None:
    request: RegisterScalableTargetRequestTypeDef = {
        "ServiceNamespace": NAMESPACE,
        "ResourceId": resource_id(cluster, service),
        "ScalableDimension": DIMENSION,
        "MinCapacity": low,
        "MaxCapacity": high,
    }
    if suspended is not None:
        request["SuspendedState"] = suspended_state(suspended)
    ctx.aws.autoscaling.register_scalable_target(**request)

"""Elastic Load Balancing v2: target health per target group. No printing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vegaops.aws.calls import CallCounter

if TYPE_CHECKING:
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client


@dataclass(frozen=True)
class TargetHealth:
    target_id: str
    port: int | None
    state: str  # initial | healthy | unhealthy | unused | draining | unavailable
    reason: str | None = None
    description: str | None = None


class Elbv2:
    def __init__(self, client: ElasticLoadBalancingv2Client, counter: CallCounter | None = None) -> None:
        self.client = client
        self.counter = CallCounter.for_client(client, counter)

    @property
    def calls(self) -> dict[str, int]:
        """ELBv2 calls so far per operation (``describe_target_health``: 3, ...)."""
        return self.counter.calls("elbv2")

    def target_health(self, target_group_arn: str) -> list[TargetHealth]:
        response = self.client.describe_target_health(TargetGroupArn=target_group_arn)
        out: list[TargetHealth] = []
        for d in response.get("TargetHealthDescriptions", []):
            target = d.get("Target", {})
            health = d.get("TargetHealth", {})
            out.append(
                TargetHealth(
                    target_id=str(target.get("Id", "")),
                    port=target.get("Port"),
                    state=str(health.get("State", "unavailable")),
                    reason=health.get("Reason"),
                    description=health.get("Description"),
                )
            )
        return out

    def target_health_many(self, target_group_arns: Sequence[str]) -> dict[str, list[TargetHealth]]:
        return {arn: self.target_health(arn) for arn in dict.fromkeys(target_group_arns)}

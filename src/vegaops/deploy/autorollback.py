"""The automatic rollback (``--rollback-on-failure``): stop a deployment whose tasks keep failing.

StopServiceDeployment(ROLLBACK) when the endpoint has it and it is allowed; denied or unsupported: the same
rollback through UpdateService back to the revision before the deploy. A ConflictException means the circuit
breaker got there first: ECS is rolling back already. The watch decides *when* (its tasks keep failing while
the deployment is still the one rolling out); the ``ecs.rollback-on-failure`` step plans and applies *this*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vegaops.deploy import verdict as vd

if TYPE_CHECKING:
    from vegaops.aws.ecs import Ecs
    from vegaops.aws.optional import Enrichment

LOST_LIST = "the ServiceDeployment status (a second opinion on the rollback)"
LOST_STOP = "a rollback through StopServiceDeployment (UpdateService back to the previous revision instead)"


@dataclass(frozen=True)
class RollbackStart:
    """What starting the rollback did: ``by`` vegaops or ecs (already rolling back); ``by`` empty: skipped."""

    by: str
    how: str

    @property
    def started(self) -> bool:
        return bool(self.by)

    def event(self, service: str, reason: str | None) -> dict[str, Any]:
        """The watch event that says it (``rollback_started`` or ``rollback_skipped``)."""
        if not self.started:
            return {"event": "rollback_skipped", "service": service, "reason": self.how}
        return {"event": "rollback_started", "service": service, "by": self.by, "how": self.how, "reason": reason}


NO_PREVIOUS = RollbackStart("", "no previous task definition known")


def active_deployment(items: Sequence[Mapping[str, Any]] | None) -> str | None:
    """The ARN of the newest IN_PROGRESS or PENDING service deployment (ListServiceDeployments), if any."""
    active = [i for i in items or [] if i.get("status") in ("IN_PROGRESS", "PENDING")]
    active.sort(key=lambda i: str(i.get("createdAt", "")), reverse=True)
    return str(active[0].get("serviceDeploymentArn")) if active and active[0].get("serviceDeploymentArn") else None


def how(arn: str | None, previous: str | None) -> str:
    """The plan line's words for what :func:`start` will do."""
    back = f"UpdateService back to {vd.short_td(previous)}" if previous else ""
    if arn:
        return "StopServiceDeployment(ROLLBACK)" + (f", else {back}" if back else "")
    return back or "nothing (no previous task definition known)"


def start(
    ecs: Ecs, cluster: str, service: str, previous: str | None, arn: str | None, enrichment: Enrichment
) -> RollbackStart:
    """Stop the deployment ``arn`` with a rollback, else UpdateService back to ``previous``."""
    try:
        # Denied or unsupported: the same rollback through UpdateService below.
        stopped = bool(arn) and enrichment.call(
            "ecs:StopServiceDeployment", lambda: ecs.stop_service_deployment(str(arn), "ROLLBACK"), False, LOST_STOP
        )
    except Exception as exc:
        from vegaops.aws.errors import error_code

        if error_code(exc) != "ConflictException":
            raise
        return RollbackStart("ecs", "already in progress")  # the circuit breaker got there first
    if stopped:
        return RollbackStart("vegaops", "StopServiceDeployment(ROLLBACK)")
    if not previous:
        return NO_PREVIOUS
    ecs.update_service(cluster, service, task_definition=previous)
    return RollbackStart("vegaops", f"UpdateService back to {vd.short_td(previous)}")

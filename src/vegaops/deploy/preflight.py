"""The preflight of a deploy, written once: what must hold before anything changes (exit 8 otherwise).

Each service exists in the cluster and is ACTIVE (one batched DescribeServices), and no other deployment is
rolling out on it. Used by the planning of ``vegaops deploy`` (the pipeline) and by the plans of the
``ecs.register`` / ``ecs.deploy`` / ``ecs.rollback`` steps, in a dry run and in a real run alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from vegaops.cmdline import prog
from vegaops.deploy import verdict as vd
from vegaops.errors import Refused

if TYPE_CHECKING:
    from mypy_boto3_ecs.type_defs import ServiceTypeDef

    from vegaops.context import AppContext

PLAN_CACHE_S = 5.0  # plans of one command may reuse the preflight's DescribeServices this long


def services(ctx: AppContext, names: list[str]) -> dict[str, ServiceTypeDef]:
    """name -> DescribeServices' answer, for services that exist and are ACTIVE; else refused (exit 8)."""
    cluster = ctx.settings.require_cluster()
    found, missing = ctx.aws.ecs.describe_services(cluster, names, max_age=PLAN_CACHE_S)
    if missing:
        raise Refused(
            f"preflight: service(s) not found in cluster {cluster}: {', '.join(missing)}",
            hint="check the service names and --env",
        )
    for name in names:
        status = found[name].get("status")
        if status != "ACTIVE":
            raise Refused(f"preflight: service {name} is {status}, not ACTIVE")
        from vegaops.deploy.strategy import refuse_controller

        refuse_controller(found[name], name)  # CODE_DEPLOY / EXTERNAL: exit 2 before any change
    return {name: found[name] for name in names}


def in_progress(svc: Mapping[str, Any]) -> dict[str, Any] | None:
    """The deployment still rolling out (PRIMARY IN_PROGRESS, or several deployments), else None."""
    deployments = svc.get("deployments", [])
    primary = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary is None:
        return None
    if primary.get("rolloutState") == "IN_PROGRESS" or len(deployments) > 1:
        return dict(primary)
    return None


def another_deployment(service: str, flight: Mapping[str, Any]) -> Refused:
    """Refused: ``service`` has another deployment in progress (deploy to it after that one)."""
    return Refused(
        f"preflight: {service} has another deployment in progress ({flight.get('id')} of "
        f"{vd.short_td(flight.get('taskDefinition'))})",
        hint=f"wait for it ({prog()} deploy watch {service}) or pass --wait-for-other",
    )

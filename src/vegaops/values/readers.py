"""Which services read which secret, for ``secret list``'s SERVICES column."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vegaops.context import AppContext


def services_by_secret(a: AppContext) -> dict[str, set[str]] | None:
    """Secret ARN -> services whose task definitions reference it (None when no cluster is reachable)."""
    from vegaops.errors import VegaopsError
    from vegaops.refs import TaskDefinitions, cluster_services, parse_value_from, variables

    cluster = a.settings.cluster
    if not cluster:
        return None
    try:
        services = cluster_services(a, cluster)
        tds = TaskDefinitions(a)
        out: dict[str, set[str]] = {}
        for name, svc in services.items():
            arns = {svc.get("taskDefinition", "")} | {d.get("taskDefinition", "") for d in svc.get("deployments", [])}
            for arn in (x for x in arns if x):
                for v in variables(tds.get(arn)):
                    if v.value_from:
                        ref = parse_value_from(v.value_from)
                        if ref.kind == "secretsmanager":
                            out.setdefault(ref.store_id, set()).add(name)
        return out
    except VegaopsError as exc:
        a.output.warn(f"service references not shown: {exc.message}")
        return None
    except Exception as exc:
        from vegaops.aws.errors import is_botocore_error, translate

        if not is_botocore_error(exc):
            raise
        a.output.warn(f"service references not shown: {translate(exc).message}")
        return None

"""``secret refs --repoint``: task definitions that name a secret by an old ARN (it was deleted and
recreated) re-registered with its current ARN and deployed, through the runbook engine."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.runbook.engine import RunReport


def repoint(a: AppContext, name: str, cluster: str, watch: bool) -> RunReport:
    """``secrets.repoint`` as a runbook (plan, --dry-run, confirmation, journal), then watch the deployments."""
    from vegaops.runbook import engine
    from vegaops.runbook.model import StepCall
    from vegaops.steps.repoint import RepointParams, RepointSecret

    calls = [engine.single(RepointSecret, RepointParams(name, cluster), call_id="repoint")]
    services = stale_services(a, name, cluster)
    if watch and services and not a.options.dry_run:
        calls.append(
            StepCall("watch", "ecs.watch", {"services": services, "deployments": "${steps.repoint.deployments}"})
        )
    return engine.run(a, a.command, calls)


def stale_services(a: AppContext, name: str, cluster: str) -> list[str]:
    """The services whose task definitions name the secret by an old ARN."""
    from vegaops.naming import secret_name
    from vegaops.refs import references, secret_matcher

    meta = a.aws.secrets.describe(secret_name(a.settings.secrets_prefix, name))
    if meta is None:
        return []
    found = references(a, cluster, secret_matcher(meta.arn, meta.name), None, include_stale=True)
    return sorted({r.service for r in found if r.stale_refs})

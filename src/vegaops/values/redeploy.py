"""After a value changed: which services read it, the redeploy shown with the change's plan, the forced
redeploy itself (watched to the deploy verdicts), and the warning when the running tasks keep the old value."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext


def redeploy_services(a: AppContext, matcher: Any) -> list[str]:
    """The services whose task definitions reference what ``matcher`` matches."""
    from vegaops.refs import references

    return sorted({r.service for r in references(a, a.settings.require_cluster(), matcher, None)})


def redeploy_then(a: AppContext, what: str, services: list[str], watch: bool) -> list[str]:
    """The redeploy, as shown with the plan of the change it follows (one plan, one question)."""
    if not services:
        return [f"no service reads {what}: nothing to redeploy"]
    return [
        f"force a new deployment of {', '.join(services)} (they read {what})"
        + (" and watch it to a verdict" if watch else "")
    ]


def redeploy(
    a: AppContext,
    matcher: Any,
    after: str,
    what: str,
    watch: bool = True,
    services: list[str] | None = None,
    confirmed: bool = False,
) -> dict[str, Any]:
    """Force a new deployment of exactly the services whose task definitions reference ``what``; with
    ``watch``, follow those deployments to the deploy verdicts (a rolled-back redeploy exits 5).
    ``confirmed``: the redeploy was shown with the change's plan and that plan was confirmed."""
    from vegaops.runbook import engine
    from vegaops.steps.redeploy import ForceRedeploy, RedeployParams

    cluster = a.settings.require_cluster()
    if services is None:
        services = redeploy_services(a, matcher)
    if not services:
        a.output.info(f"no service in cluster {cluster} references {what}; nothing to redeploy")
        return {"services": [], "deployments": {}}
    calls = [engine.single(ForceRedeploy, RedeployParams(services, after, cluster), call_id="redeploy")]
    if watch and not a.options.dry_run:
        from vegaops.runbook.model import StepCall

        calls.append(
            StepCall("watch", "ecs.watch", {"services": services, "deployments": "${steps.redeploy.deployments}"})
        )
    report = engine.run(a, "redeploy", calls, confirmed=confirmed)
    deployments = report.steps[0].outputs.get("deployments", {}) if not report.dry_run else {}
    if not a.output.json:
        for service in services:
            dep = deployments.get(service)
            a.output.info(f"redeploy {service}: " + (f"deployment {dep}" if dep else "planned (dry run)"))
        a.output.info("the tasks pick up the new value as they are replaced (ECS reads secrets at task start)")
    result: dict[str, Any] = {"services": services, "deployments": deployments}
    if len(report.steps) > 1:
        result["outcomes"] = report.steps[1].outputs.get("outcomes", {})
    return result


def needs_redeploy(a: AppContext, matcher: Any) -> list[str] | None:
    """After a change without --redeploy: name the services whose running tasks still hold the old value."""
    from vegaops.errors import VegaopsError
    from vegaops.refs import references

    cluster = a.settings.cluster
    if not cluster:
        return None
    try:
        services = sorted({r.service for r in references(a, cluster, matcher, None)})
    except VegaopsError:
        return None
    except Exception as exc:
        from vegaops.aws.errors import is_botocore_error

        if not is_botocore_error(exc):
            raise
        return None
    if services:
        a.output.warn(
            f"{', '.join(services)} read this value; their running tasks keep the old one until they "
            "are replaced (add --redeploy to start a new deployment)"
        )
    return services

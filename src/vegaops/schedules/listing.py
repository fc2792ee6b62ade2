"""``vegaops schedule list``: each scheduled task, its expression and next run, the revision it runs and whether
that is the current one (the revision the family's service runs, else the family's latest ACTIVE revision)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def service_revisions(ctx: AppContext, cluster: str) -> dict[str, str]:
    """``family -> task definition`` of the environment's configured services (DescribeServices)."""
    from vegaops.aws.ecs import family_of

    names = [svc.ecs_service for svc in ctx.settings.services.values()]
    if not names:  # no services configured: the cluster alone says which schedules are ours
        return {}
    found, _missing = ctx.aws.ecs.describe_services(cluster, names)
    return {family_of(str(s.get("taskDefinition"))): str(s.get("taskDefinition")) for s in found.values()}


def environment_families(ctx: AppContext, cluster: str) -> set[str]:
    return set(service_revisions(ctx, cluster))


def list_schedules(ctx: AppContext) -> Result:
    from vegaops.aws.ecs import revision_of
    from vegaops.output.humanize import duration
    from vegaops.output.result import Result, Table
    from vegaops.schedules.core import current_revisions, find, next_run

    cluster = ctx.settings.require_cluster()
    running = service_revisions(ctx, cluster)
    items = find(ctx, cluster, set(running))
    current = current_revisions(ctx, {i.family for i in items}, running)
    now = ctx.clock.now()
    rows: list[dict[str, Any]] = []
    for item in items:
        nxt = next_run(item.expression, item.timezone, now)
        cur = current.get(item.family)
        named = revision_of(item.task_definition)
        is_current = None if cur is None else (named is None or revision_of(cur) == named)
        rows.append(
            {
                "kind": item.kind,
                "name": item.name,
                "group": item.group,
                "expression": item.expression,
                "timezone": item.timezone,
                "state": item.state,
                "next_run": nxt if nxt is None or isinstance(nxt, str) else nxt.isoformat(),
                "task_definition": item.task_definition.rsplit("/", 1)[-1],
                "current_task_definition": cur.rsplit("/", 1)[-1] if cur else None,
                "current": is_current,
                "cluster": item.cluster.rsplit("/", 1)[-1],
            }
        )
    stale = [r for r in rows if r["current"] is False]

    def when(value: Any, zone: str | None) -> str:
        if value is None:
            return "-"
        if isinstance(value, str) and not value[:4].isdigit():
            return value
        from datetime import datetime

        at = datetime.fromisoformat(str(value))
        return f"{at:%Y-%m-%d %H:%M} {zone or 'UTC'} (in {duration((at - now).total_seconds())})"

    table = Table(
        ["kind", "name", "expression", "next run", "runs", "current"],
        [
            [
                r["kind"],
                r["name"] + ("" if r["state"] == "ENABLED" else f" ({r['state'].lower()})"),
                r["expression"],
                when(r["next_run"], r["timezone"]),
                r["task_definition"],
                {True: "yes", False: f"no: {r['current_task_definition']}", None: "not read"}[r["current"]],
            ]
            for r in rows
        ],
    )
    message = (
        f"{len(rows)} scheduled task(s)"
        + (f"; {len(stale)} run an old revision (the next deploy moves them)" if stale else "")
        if rows
        else f"no scheduled tasks run on {cluster.rsplit('/', 1)[-1]} or its services' families"
    )
    return Result(
        command=ctx.command,
        data={"schedules": rows, "skipped": ctx.enrichment.as_json()},
        views=[table] if rows else [],
        message=message,
    )

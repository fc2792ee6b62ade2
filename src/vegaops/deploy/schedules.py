"""Scheduled tasks follow a deploy: once a service's deployment succeeded, the schedules and rules that run its
family move to the new revision (step ``schedules.follow``; one run, covered by the deploy's confirmation).

Only after success: a deployment that failed and rolled back leaves every scheduled task on the revision that
works. ``schedules_follow = false`` in ``[env.X]`` (vegaops.toml) turns it off for an environment.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext

THEN = "move the scheduled tasks (EventBridge) of each deployed family to its new revision once its deploy succeeds"


def enabled(ctx: AppContext) -> bool:
    from vegaops.schedules.core import enabled as follows

    return follows(ctx)


def follow(ctx: AppContext, task_definitions: dict[str, str]) -> dict[str, Any]:
    """Run (or, with --dry-run, plan) ``schedules.follow`` for the new revisions; what moved and what did not.

    A failure is returned, not raised: the deploy's verdict stands, the caller adds the error to its result."""
    from vegaops.errors import VegaopsError
    from vegaops.runbook import engine
    from vegaops.steps.schedules import FollowParams, FollowSchedules

    tds = {s: td for s, td in task_definitions.items() if td and td != "None"}
    if not tds or not enabled(ctx):
        return {"moved": {}, "enabled": enabled(ctx)}
    try:
        report = engine.run(
            ctx,
            "deploy-schedules",
            [engine.single(FollowSchedules, FollowParams(tds), "schedules-follow")],
            confirmed=True,
        )
    except VegaopsError as exc:
        return {"moved": {}, "enabled": True, "error": exc}
    step = report.steps[0]
    return {
        "moved": dict(step.outputs.get("moved") or {}),
        "planned": report.dry_run,
        "notes": list(step.notes),
        "changes": report.changes,
        "enabled": True,
    }

"""``vegaops scale``: each change a runbook step (plan, --dry-run, one confirmation, journal); a change of desired
count is then watched to a steady state by the deploy watch, whose verdict gives the exit code (0, 5, 6, 7)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from vegaops.cmdline import line

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.deploy import verdict as vd
    from vegaops.output.result import Result
    from vegaops.runbook.engine import RunReport
    from vegaops.runbook.model import StepCall


@dataclass
class Watch:
    timeout: float = 900.0
    poll_interval: float | None = None
    enabled: bool = True


def _call(step_id: str, call_id: str, params: dict[str, Any]) -> StepCall:
    from vegaops.runbook.model import StepCall

    return StepCall(call_id, step_id, params, literal=True)


def _run(ctx: AppContext, name: str, calls: list[StepCall], then: list[str], resume: str) -> RunReport:
    from vegaops.runbook import engine

    return engine.run(ctx, name, calls, then=then, resume=resume)


def _prefix(ctx: AppContext, *words: str) -> str:
    import shlex

    from vegaops.runbook.engine import command_prefix

    return shlex.join([*shlex.split(command_prefix(ctx)), *words])


def _watch(ctx: AppContext, moved: dict[str, dict[str, Any]], w: Watch) -> dict[str, vd.Verdict]:
    """The deploy watch on each service's primary deployment until it is steady at its new count."""
    from vegaops.errors import Interrupted
    from vegaops.steps.ecs import WatchParams, watch_targets

    if not moved or not w.enabled:
        return {}
    params = WatchParams(
        services=sorted(moved), timeout=w.timeout, poll_interval=w.poll_interval, started=ctx.clock.monotonic()
    )
    targets = [
        {
            "service": name,
            "deployment_id": str(m.get("deployment_id")),
            "task_definition": str(m.get("task_definition")),
            "previous": None,
            "target_groups": m.get("target_groups", []),
        }
        for name, m in sorted(moved.items())
        if m.get("deployment_id")
    ]
    try:
        return watch_targets(ctx, targets, params).verdicts
    except KeyboardInterrupt:
        raise Interrupted(
            "interrupted: the scaling continues in AWS",
            hint=f"see where it is: {line('status', *sorted(moved))}",
        ) from None


def _target_groups(ctx: AppContext, names: list[str]) -> dict[str, list[str]]:
    found, _ = ctx.aws.ecs.describe_services(ctx.settings.require_cluster(), names, max_age=5.0)
    return {
        n: [lb["targetGroupArn"] for lb in svc.get("loadBalancers", []) if lb.get("targetGroupArn")]
        for n, svc in found.items()
    }


def _result(
    ctx: AppContext, report: RunReport, verdicts: dict[str, vd.Verdict], data: dict[str, Any], message: str
) -> Result:
    from vegaops.output.result import Lines, Result, View
    from vegaops.steps.ecs import verdict_error

    if report.dry_run:
        status = "planned" if report.changes else "unchanged"
        message = f"plan: {len(report.changes)} change(s) (dry run, nothing was changed)" if report.changes else message
    else:
        status = "changed" if report.changed else "unchanged"
    notes = [n for s in report.steps for n in s.notes]
    quiet = not notes or report.changed or report.dry_run or message == "; ".join(notes)
    views: list[View] = [] if quiet else [Lines(notes)]
    data = {
        **data,
        "steps": [s.to_dict() for s in report.steps],
        "verdicts": {k: {"outcome": v.outcome, "reasons": list(v.reasons)} for k, v in verdicts.items()},
        "skipped": ctx.enrichment.as_json(),
    }
    error = verdict_error(verdicts)
    if error is not None:
        return Result(
            command=ctx.command,
            status="failed",
            exit_code=int(error.exit_code),
            changes=report.changes,
            data=data,
            views=views,
            errors=[error.to_dict()],
        )
    if verdicts:
        message += "; steady: " + ", ".join(
            f"{s} {v.reasons[0].split(': ', 1)[-1] if v.reasons else v.outcome}" for s, v in sorted(verdicts.items())
        )
    return Result(command=ctx.command, status=status, changes=report.changes, data=data, views=views, message=message)


def scale_service(ctx: AppContext, service: str, desired: int, w: Watch) -> Result:
    from vegaops.deploy.core import service_name

    name = service_name(ctx, service)
    report = _run(
        ctx,
        "scale",
        [_call("scale.desired", f"scale-{name}", {"service": name, "desired": desired})],
        then=[f"watch {name} until {desired} task(s) run steady (up to {w.timeout:g}s)"] if w.enabled else [],
        resume=_prefix(ctx, "scale", service, str(desired)),
    )
    step = report.steps[0]
    moved: dict[str, dict[str, Any]] = {}
    if step.status == "done":
        moved[name] = {**step.outputs, "target_groups": _target_groups(ctx, [name]).get(name, [])}
    verdicts = {} if report.dry_run else _watch(ctx, moved, w)
    previous = step.outputs.get("previous")
    message = (
        f"scaled {name}: {previous} -> {desired} task(s)" if step.status == "done" else "; ".join(step.notes) or "ok"
    )
    return _result(ctx, report, verdicts, {"service": name, "desired": desired, "previous": previous}, message)


def set_autoscaling(ctx: AppContext, service: str, low: int | None, high: int | None, suspended: bool | None) -> Result:
    from vegaops.deploy.core import service_name

    name = service_name(ctx, service)
    words = ["scale", service]
    if low is not None:
        words += ["--min", str(low)]
    if high is not None:
        words += ["--max", str(high)]
    if suspended is not None:
        words.append("--suspend" if suspended else "--resume")
    report = _run(
        ctx,
        "scale",
        [
            _call(
                "scale.autoscaling",
                f"autoscaling-{name}",
                {"service": name, "min": low, "max": high, "suspended": suspended},
            )
        ],
        then=[],
        resume=_prefix(ctx, *words),
    )
    step = report.steps[0]
    out = step.outputs
    message = (
        "; ".join(c.summary for c in step.changes)
        if step.status == "done"
        else "; ".join(step.notes) or "nothing to change"
    )
    return _result(ctx, report, {}, {"service": name, "autoscaling": dict(out)}, message)


def _all_services(ctx: AppContext) -> list[str]:
    from vegaops.deploy.core import selected

    return [name for _key, name in selected(ctx, [])]


def scale_all_to_zero(ctx: AppContext, w: Watch) -> Result:
    """Save every service's counts and bounds in SSM, pin autoscaling to 0-0 and suspend it (a scheduled action
    must not wake the service either), set desired 0, watch."""
    names = _all_services(ctx)
    calls = [_call("scale.save", "save", {"services": names})]
    for name in names:
        calls.append(
            _call(
                "scale.autoscaling",
                f"autoscaling-{name}",
                {"service": name, "min": 0, "max": 0, "suspended": True, "only_if_registered": True},
            )
        )
    for name in names:
        calls.append(_call("scale.desired", f"scale-{name}", {"service": name, "desired": 0}))
    report = _run(
        ctx,
        "scale-all",
        calls,
        then=[f"watch {', '.join(names)} until no task runs (up to {w.timeout:g}s)"] if w.enabled else [],
        resume=_prefix(ctx, "scale", "--all", "0"),
    )
    moved = {
        s.id.removeprefix("scale-"): dict(s.outputs)
        for s in report.steps
        if s.uses == "scale.desired" and s.status == "done"
    }
    groups = _target_groups(ctx, sorted(moved)) if moved else {}
    for name, entry in moved.items():
        entry["target_groups"] = groups.get(name, [])
    verdicts = {} if report.dry_run else _watch(ctx, moved, w)
    saved: dict[str, Any] = next((s.outputs.get("saved", {}) for s in report.steps if s.uses == "scale.save"), {})
    message = (
        f"scaled {len(moved)} service(s) to 0; saved for --restore: "
        + "; ".join(f"{k} {v}" for k, v in sorted(saved.items()))
        if moved
        else "every service already wants 0 tasks"
    )
    return _result(ctx, report, verdicts, {"services": names, "saved": saved}, message)


def restore_all(ctx: AppContext, w: Watch) -> Result:
    """Put back what ``--all 0`` saved (bounds, then desired counts), forget it, watch the services that grow."""
    report = _run(
        ctx,
        "scale-restore",
        [_call("scale.restore", "restore", {"services": []})],
        then=["watch the restored services until their tasks run steady"] if w.enabled else [],
        resume=_prefix(ctx, "scale", "--all", "--restore"),
    )
    step = report.steps[0]
    restored: dict[str, Any] = step.outputs.get("restored", {}) if step.status == "done" else {}
    moved = {n: dict(e) for n, e in restored.items() if isinstance(e, dict) and e.get("desired") is not None}
    groups = _target_groups(ctx, sorted(moved)) if moved else {}
    for name, entry in moved.items():
        entry["target_groups"] = groups.get(name, [])
    verdicts = {} if report.dry_run else _watch(ctx, moved, w)
    message = (
        "restored "
        + ", ".join(
            f"{n} ({e.get('desired')} tasks)" if e.get("desired") is not None else n
            for n, e in sorted(restored.items())
        )
        if restored
        else "; ".join(step.notes) or "nothing saved to restore"
    )
    return _result(ctx, report, verdicts, {"restored": restored}, message)

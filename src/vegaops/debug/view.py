"""``vegaops debug SERVICE`` as a person reads it: the report of debug.report laid out as fields, tables and lines,
the likely causes with the next command to run, and a one-line verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def debug_result(a: AppContext, service: str, lines: int, stopped: int) -> Result:
    """The debug report of one service (gathered, diagnosed) as the result vegaops debug shows."""
    from vegaops.debug.report import diagnose, gather, healthy, history_causes
    from vegaops.logs.service import cluster_of, resolve_name
    from vegaops.output.result import Fields, Lines, Result, Table, View

    key, ecs_name, cfg = resolve_name(a, service)
    report = gather(
        a,
        a.aws.ecs,
        key,
        ecs_name,
        cluster_of(a),
        lines=max(0, lines),
        stopped_limit=max(1, stopped),
        app_container=getattr(cfg, "container", None),
    )
    causes = diagnose(report)
    past = history_causes(report)
    ok = healthy(report, causes)
    report["healthy"] = ok
    report["likely_causes"] = [c.to_dict() for c in causes]
    report["history"] = [c.to_dict() for c in past]
    unreadable: dict[str, dict[str, str]] = report["unreadable"]
    from vegaops.output.humanize import local_time

    verbose = bool(a.output.verbose)
    views: list[View] = []
    cur = report["current_deployment"] or {}
    views.append(
        Fields(
            [
                ("service", f"{key} ({ecs_name}) in {report['cluster']}"),
                ("status", f"{report['status']}, {report['running']}/{report['desired']} running"),
                ("current", _dep(cur)),
            ],
            title="Service",
        )
    )
    if report["previous_deployments"]:
        views.append(
            Table(
                ["id", "status", "rollout", "running", "task definition", "reason"],
                [
                    [
                        d["id"],
                        d["status"],
                        d["rollout_state"],
                        f"{d['running']}/{d['desired']}",
                        str(d["task_definition"]).rsplit("/", 1)[-1],
                        d["reason"],
                    ]
                    for d in report["previous_deployments"][:5]
                ],
                title=f"Other deployments ({report['previous_deployments_total']}, newest first)",
            )
        )
    if "deployment_history" in unreadable:
        views.append(Lines([f"Deployment history: not read ({unreadable['deployment_history']['why']})"]))
    if report["events"]:
        views.append(
            Lines(
                ["Last events:"]
                + [
                    f"  {local_time(e['at'])}  {_event(e['message'], verbose)}"
                    + ("" if e.get("current", True) else "  (before this deployment)")
                    for e in report["events"][:10]
                ]
            )
        )
    for section, title in (("stopped_tasks", "Stopped tasks"), ("task_details", "Stopped tasks")):
        if section in unreadable:
            views.append(Lines([f"{title}: not read ({unreadable[section]['why']})"]))
            break
    for group in report["stopped_tasks"]:
        where = (
            "current deployment"
            if group.get("current", True)
            else f"history: {group.get('deployment') or 'an earlier deployment'}"
        )
        out = [f"Stopped x{group['count']} ({where}): {group['reason']}"]
        if group["exit_codes"]:
            out.append("  exit codes: " + ", ".join(f"{k} x{v}" for k, v in group["exit_codes"].items()))
        for t in group["tasks"][:2]:
            out.append(f"  task {t['task'][:8]} stopped {local_time(t['stopped_at'])}")
            out += [f"    | {line}" for line in t["last_log_lines"]]
        views.append(Lines(out))
    for section, title in (
        ("log_lines", "Last log lines"),
        ("targets", "Target health"),
        ("task_definition", "Task definition"),
        ("parameters", "SSM parameters check"),
        ("secrets", "Secrets check"),
    ):
        if section in unreadable:
            views.append(Lines([f"{title}: not read ({unreadable[section]['why']})"]))
    if report["unhealthy_targets"]:
        views.append(
            Table(
                ["target", "state", "reason", "description"],
                [
                    [f"{t['target']}:{t['port']}", t["state"], t["reason"], t["description"]]
                    for t in report["unhealthy_targets"]
                ],
                title="Targets not healthy",
            )
        )
    if report["unresolved_secrets"]:
        views.append(
            Table(
                ["container", "env", "valueFrom", "error"],
                [[s["container"], s["name"], s["value_from"], s["error"]] for s in report["unresolved_secrets"]],
                title="Secrets that do not resolve",
            )
        )
    if causes:
        views.append(
            Lines(
                ["Likely causes (current deployment):"]
                + [
                    f"  {i}. [{c.kind}] {c.summary}"
                    + (f"\n     why: {c.explanation}" if c.explanation else "")
                    + f"\n     evidence: {c.evidence}\n     next: {c.next_command}"
                    for i, c in enumerate(causes, 1)
                ]
            )
        )
    if past:
        views.append(Lines(["History (earlier deployments, not the current state):", *_history_lines(past)]))
    running = f"{report['running']}/{report['desired']} running {str(report['task_definition']).rsplit('/', 1)[-1]}"
    if causes:
        message = f"{len(causes)} likely cause{'s' if len(causes) != 1 else ''}: " + ", ".join(c.kind for c in causes)
    elif ok:
        state = str(cur.get("rollout_state") or "steady").lower()
        message = f"healthy: {running}, {cur.get('id')} {state}"
    else:
        message = f"no failure found: {running}, deployment {cur.get('id')} {cur.get('rollout_state') or '-'}"
    if past and not causes:
        message += f"; earlier deployments failed: {', '.join(sorted({c.kind for c in past}))} (see History)"
    if unreadable:
        message += f"; not read: {', '.join(sorted(unreadable))}"
    return Result(a.command, data=report, views=views, message=message)


def _event(message: Any, verbose: bool) -> str:
    """An event as a person reads it: the service is in the header, ARNs and task ids short (all with -v)."""
    from vegaops.output.humanize import event_text, short_ids_in

    return str(message) if verbose else short_ids_in(event_text(message) or "")


def _dep(d: dict[str, Any]) -> str:
    if not d:
        return "-"
    return (
        f"{d.get('id')} {d.get('rollout_state')} {d.get('running')}/{d.get('desired')} running, "
        f"{str(d.get('task_definition')).rsplit('/', 1)[-1]}"
        + (f" ({d['reason']})" if d.get("reason") and d.get("rollout_state") != "COMPLETED" else "")
    )


def _history_lines(past: list[Any]) -> list[str]:
    """One line per kind of earlier failure: how many deployments, which was the latest."""
    by: dict[tuple[str, str], list[str]] = {}
    for c in past:
        by.setdefault((c.kind, c.summary if c.kind != "rollout" else "deployment failed"), []).append(
            str(c.deployment or "-")
        )
    out = []
    for (kind, summary), deployments in by.items():
        more = f" (and {len(deployments) - 1} more deployment(s))" if len(deployments) > 1 else ""
        out.append(f"  - [{kind}] {summary}: {deployments[0]}{more}")
    return out

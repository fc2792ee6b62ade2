"""``vegaops status`` and ``vegaops deploy history``: read-only views of services and their deployments."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from vegaops.deploy import core
from vegaops.deploy import verdict as vd
from vegaops.errors import VegaopsError

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.output.result import Result


def _tag_of(image: str) -> str:
    """The tag an image reference pulls (``nginx`` -> latest; ``host:5000/api@sha256:..`` -> "")."""
    from vegaops.images.reference import parse_image

    return parse_image(image).effective_tag or "" if image else ""


def _app_image(ctx: AppContext, key: str | None, td: Any) -> str:
    """The image of the container deploys change (configured, in the service's repository, or the only
    essential non-sidecar); the first container's only when that is ambiguous."""
    from vegaops.images.containers import choose

    container = repo = None
    if key is not None:
        try:
            svc = ctx.settings.service(key)
            container, repo = svc.container, svc.ecr_repo
        except VegaopsError:
            pass
    name = choose(td.raw, container, repo).name
    chosen = td.container(name) if name else (td.containers[0] if td.containers else None)
    return str((chosen or {}).get("image", ""))


def status(ctx: AppContext, names: list[str]) -> Result:
    from vegaops.deploy.core import selected
    from vegaops.output.result import Lines, Result, Table, View

    cluster = ctx.settings.require_cluster()
    ecs = ctx.aws.ecs
    pairs = selected(ctx, names)
    found, missing = ecs.describe_services(cluster, [n for _, n in pairs])
    elb = ctx.aws.elbv2
    rows: list[dict[str, Any]] = []
    tds: dict[str, Any] = {}
    # Only DescribeServices is required; task definitions (image, tag) and target health are enrichment:
    # denied, unsupported or failing, the cell says "not read" and a line under the table says why.
    unreadable: dict[str, dict[str, str]] = {}
    for key, name in pairs:
        svc = found.get(name)
        if svc is None:
            rows.append({"service": name, "status": "MISSING"})
            continue
        td_arn = str(svc.get("taskDefinition"))
        if td_arn not in tds:
            tds[td_arn], skipped = ctx.enrichment.attempt(
                "ecs:DescribeTaskDefinition",
                partial(ecs.describe_task_definition, td_arn),
                "the image and tag of each service",
            )
            if skipped is not None:
                unreadable.setdefault("image", skipped.to_dict())
        td = tds[td_arn]
        image = _app_image(ctx, key, td) if td else ""
        targets: dict[str, int] = {}
        targets_read = True
        for lb in svc.get("loadBalancers", []):
            if lb.get("targetGroupArn"):
                health, skipped = ctx.enrichment.attempt(
                    "elasticloadbalancing:DescribeTargetHealth",
                    partial(elb.target_health, lb["targetGroupArn"]),
                    "target health",
                )
                if skipped is not None:
                    unreadable.setdefault("targets", skipped.to_dict())
                    targets_read = False
                for h in health or []:
                    targets[h.state] = targets.get(h.state, 0) + 1
        primary: Mapping[str, Any] = next((d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), {})
        events = svc.get("events", [])
        rows.append(
            {
                "service": name,
                "status": svc.get("status"),
                "task_definition": vd.short_td(td_arn),
                "image": image if td else None,
                "tag": (td.tags.get(core.TAG_KEY) or _tag_of(image) or None) if td else None,
                "desired": svc.get("desiredCount"),
                "running": svc.get("runningCount"),
                "pending": svc.get("pendingCount"),
                "deployments": len(svc.get("deployments", [])),
                "rollout_state": primary.get("rolloutState"),
                "deployment_id": primary.get("id"),
                "targets": targets or None,
                "targets_read": targets_read,
                "last_event": events[0].get("message") if events else None,
            }
        )
    from vegaops.output.humanize import event_text

    verbose = ctx.output.verbose
    table = Table(  # fits 120 columns: counts in one cell, the event without the service it names, shortened
        ["service", "task def", "tag", "running", "rollout", "targets", "last event"],
        [
            [
                r["service"],
                r.get("task_definition"),
                r.get("tag") if r.get("tag") or "image" not in unreadable else "not read",
                f"{r.get('running')}/{r.get('desired')}" + (f" +{r['pending']} pending" if r.get("pending") else ""),
                r.get("rollout_state") or r.get("status"),
                " ".join(f"{n} {s}" for s, n in sorted((r.get("targets") or {}).items()))
                or (None if r.get("targets_read", True) else "not read"),
                event_text(r.get("last_event"), None if verbose else 36),
            ]
            for r in rows
        ],
    )
    views: list[View] = [table]
    scaling = _autoscaling(ctx, cluster, [r["service"] for r in rows if r.get("status") != "MISSING"], unreadable)
    for r in rows:
        r["autoscaling"] = scaling.get(r["service"])
    if scaling:
        views.append(_autoscaling_table(scaling))
    if unreadable:
        views.append(Lines([f"{what}: not read ({why['why']})" for what, why in unreadable.items()]))
    code = 3 if missing else 0
    errors = (
        [
            {
                "kind": "not_found",
                "message": f"service(s) not found in cluster {cluster}: {', '.join(missing)}",
                "hint": "check the names and --env",
                "exit_code": 3,
            }
        ]
        if missing
        else []
    )
    return Result(
        command=ctx.command,
        status="failed" if missing else "ok",
        exit_code=code,
        data={
            "cluster": cluster,
            "services": rows,
            "api_calls": {"ecs": dict(ecs.calls), "ecs_total": ecs.total_calls},
            "unreadable": unreadable,
        },
        views=views,
        errors=errors,
    )


def _autoscaling(
    ctx: AppContext, cluster: str, services: list[str], unreadable: dict[str, dict[str, str]]
) -> dict[str, dict[str, Any]]:
    """Each service's Application Auto Scaling bounds and policies (enrichment: denied, it says so in place)."""
    from vegaops.scale.autoscaling import read_policies, read_targets

    if not services:
        return {}
    targets, skipped = ctx.enrichment.attempt(
        "application-autoscaling:DescribeScalableTargets",
        lambda: read_targets(ctx, cluster, services),
        "autoscaling bounds",
    )
    if skipped is not None or not targets:
        if skipped is not None:
            unreadable.setdefault("autoscaling", skipped.to_dict())
        return {}
    policies, skipped = ctx.enrichment.attempt(
        "application-autoscaling:DescribeScalingPolicies",
        lambda: read_policies(ctx, cluster, sorted(targets)),
        "autoscaling policies",
    )
    if skipped is not None:
        unreadable.setdefault("autoscaling policies", skipped.to_dict())
    return {
        name: {
            **t.to_dict(),
            "policies": None if policies is None else [p.to_dict() for p in policies.get(name, [])],
            "policy_text": None if policies is None else [p.text() for p in policies.get(name, [])],
        }
        for name, t in targets.items()
    }


def _autoscaling_table(scaling: dict[str, dict[str, Any]]) -> Any:
    from vegaops.output.result import Table

    return Table(
        ["service", "autoscaling", "policies"],
        [
            [
                name,
                f"{a['min']}-{a['max']}" + (" suspended" if a["suspended"] else ""),
                "not read" if a["policy_text"] is None else (", ".join(a["policy_text"]) or "none"),
            ]
            for name, a in sorted(scaling.items())
        ],
        title="Autoscaling",
    )


def history(ctx: AppContext, name: str, limit: int) -> tuple[Result, list[str]]:
    """Recent task definition revisions of the service and what became of their deployments: the outcome
    vegaops recorded (tags), else resolved from ECS now, else "unknown". A revision that cannot be read says
    why in its row; the rest is still shown. Reads only: also returns the revisions whose outcomes were
    resolved from ECS and are not recorded yet (``vegaops.pipeline.history`` records them by a step)."""
    from vegaops.aws.ecs import family_of, revision_of
    from vegaops.deploy.core import selected
    from vegaops.deploy.outcomes import Resolver
    from vegaops.output.result import Result, Table
    from vegaops.paths import state_dir

    cluster = ctx.settings.require_cluster()
    ecs = ctx.aws.ecs
    ((_key, service),) = selected(ctx, [name])
    svc = ecs.require_services(cluster, [service])[service]
    running = str(svc.get("taskDefinition"))
    audit: dict[str, dict[str, Any]] = {}
    path = state_dir() / "deploys.jsonl"
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec.get("service") == service and rec.get("task_definition"):
                audit[vd.short_td(str(rec["task_definition"]))] = rec
    rows: list[dict[str, Any]] = []
    arns = ecs.list_task_definitions(family_of(running))[:limit]
    resolved = Resolver(ctx, service, svc).outcomes(arns)
    for r in resolved:
        td = r.td
        tags = td.tags if td else {}
        images = [_app_image(ctx, _key, td)] if td else []  # the deployed container's, not a sidecar's
        rec = audit.get(vd.short_td(r.arn), {})
        if r.td is None and rec.get("outcome"):  # unreadable here; this machine's audit log saw the verdict
            r.outcome, r.source = str(rec["outcome"]), "local audit log"
        outcome = r.outcome
        if outcome not in ("", "unknown") and r.source not in ("tag", "none"):
            outcome = f"{outcome} (from {'ECS' if r.source.startswith('ecs:') else r.source})"
        rows.append(
            {
                "task_definition": vd.short_td(r.arn),
                "revision": revision_of(r.arn),
                "tag": tags.get(core.TAG_KEY) or (_tag_of(images[0]) if images else None),
                "digest": core.image_digest(images[0]) if images else None,
                "deployment_id": r.deployment_id or rec.get("deployment_id"),
                "outcome": r.outcome,
                "outcome_source": r.source,
                "by": tags.get(core.DEPLOYER_KEY) or rec.get("who"),
                "when": tags.get(core.DEPLOYED_AT_KEY) or rec.get("at"),
                "duration": rec.get("duration"),
                "running": revision_of(r.arn) == revision_of(running),
                "note": r.note,
                "_shown": outcome,
            }
        )
    from vegaops.output.humanize import ago, parse_time, short_digest
    from vegaops.output.humanize import duration as took

    now, verbose = ctx.clock.now(), ctx.output.verbose
    table = Table(  # fits 120 columns: 12 hex digits of the digest, the deployment id's tail (full with -v, JSON)
        ["revision", "tag", "digest", "outcome", "deployment", "by", "when", "duration", "running", "note"],
        [
            [
                r["task_definition"],
                r["tag"],
                r["digest"] if verbose else (short_digest(r["digest"]) or "").partition(":")[2] or None,
                r.pop("_shown"),
                r["deployment_id"] if verbose or not r["deployment_id"] else "…" + str(r["deployment_id"])[-10:],
                r["by"],
                ago(parse_time(r["when"]), now) if r["when"] else None,
                took(float(r["duration"])) if isinstance(r["duration"], int | float) else r["duration"],
                r["running"],
                r["note"],
            ]
            for r in rows
        ],
    )
    unrecorded = [r.arn for r in resolved if r.unrecorded]
    return Result(command=ctx.command, data={"service": service, "deployments": rows}, views=[table]), unrecorded


def prune_revisions(ctx: AppContext, service: str, keep: int, family: str) -> list[str]:
    """Deregister task definition revisions beyond the newest ``keep``: never the running one, any
    revision a current deployment uses, or the rollback target."""
    removed = prunable(ctx, service, keep, family)
    for arn in removed:
        ctx.aws.ecs.deregister_task_definition(arn)
    return removed


def prunable(ctx: AppContext, service: str, keep: int, family: str) -> list[str]:
    """The revisions of ``family`` beyond the newest ``keep`` that may be deregistered: never the running one,
    any revision a current deployment uses, or the rollback target (reads only)."""
    from vegaops.aws.ecs import family_of
    from vegaops.deploy.outcomes import rollback_target

    cluster = ctx.settings.require_cluster()
    ecs = ctx.aws.ecs
    arns = ecs.list_task_definitions(family_of(family))
    if len(arns) <= keep:  # the common case costs one call
        return []
    found, _ = ecs.describe_services(cluster, [service])
    svc = found.get(service)
    if svc is None:
        return []
    running = str(svc.get("taskDefinition"))
    protected = {vd.short_td(running), *(vd.short_td(str(d.get("taskDefinition"))) for d in svc.get("deployments", []))}
    with contextlib.suppress(VegaopsError):
        protected.add(vd.short_td(rollback_target(ctx, service, svc, None, explain=False).arn))
    return [arn for arn in arns[keep:] if vd.short_td(arn) not in protected]

"""``vegaops deploy``: tag rule -> preflight -> image -> task definition -> lock -> UpdateService -> watch ->
verdict. Several services deploy concurrently and are watched together."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from vegaops.aws.ecs import Ecs, TargetHealth
from vegaops.config import ServiceConfig
from vegaops.deploy import lock
from vegaops.deploy.image import Image, resolve
from vegaops.deploy.taskdef import choose_container, diff_lines, digest_of, with_image
from vegaops.deploy.verdict import Verdict
from vegaops.deploy.view import DeployView
from vegaops.deploy.watch import Tracked, Watcher, WatchOptions
from vegaops.errors import ConfigError, ExitCode, Interrupted, Refused, UsageError
from vegaops.output.result import Fields, Lines, Result, Table, View

if TYPE_CHECKING:
    from vegaops.context import AppContext

# Worst first: the exit code of a multi-service deploy is the most serious one.
_SEVERITY = [ExitCode.NEEDS_HUMAN, ExitCode.FAILED, ExitCode.TIMEOUT, ExitCode.OK]


@dataclass
class DeployRequest:
    tag: str | None
    services: list[str] = field(default_factory=list)
    container: str | None = None
    force: bool = False
    wait_for_other: bool = False
    rollback_on_failure: bool = False
    timeout: float = 900.0
    poll_interval: float | None = None
    lock_ttl: float = 3600.0


@dataclass
class Prepared:
    cfg: ServiceConfig
    service: dict[str, Any]
    live_td: dict[str, Any]
    live_tags: list[dict[str, str]]
    container: str
    image: Image | None = None
    new_td: dict[str, Any] | None = None
    action: str = "deploy"  # deploy | force | already | reattach
    reattach_id: str | None = None
    diff: list[str] = field(default_factory=list)


def cluster_of(ctx: AppContext) -> str:
    cluster = ctx.settings.get("cluster")
    if not cluster:
        raise ConfigError(f"environment {ctx.settings.env or '(none)'} has no cluster",
                          hint="set cluster in [env.NAME] of vegaops.toml, or run vegaops setup")
    return str(cluster)


def pick_services(ctx: AppContext, keys: list[str]) -> list[ServiceConfig]:
    import difflib

    known = ctx.settings.services
    if not known:
        raise ConfigError("no services configured", hint="add [service.NAME] tables to vegaops.toml (vegaops setup)")
    if not keys:
        only = ctx.settings.get("services")
        keys = list(only) if only else list(known)
    chosen = []
    for key in keys:
        cfg = known.get(key) or next((s for s in known.values() if s.ecs_service == key), None)
        if cfg is None:
            close = difflib.get_close_matches(key, list(known), n=1)
            raise UsageError(f"unknown service {key!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
                             hint=f"configured services: {', '.join(known)}")
        chosen.append(cfg)
    return chosen


def check_tag_rule(ctx: AppContext, tag: str) -> None:
    rule = ctx.settings.get("tag_rule")
    if rule and not re.search(rule, tag):
        raise UsageError(f"tag {tag} does not match the tag rule of environment {ctx.settings.env} ({rule})",
                         hint="deploy a tag that matches, e.g. v1.2.3-stable; nothing was changed")


def _repo_of(cfg: ServiceConfig, image: str) -> str:
    if cfg.ecr_repo:
        return cfg.ecr_repo
    path = image.split("/", 1)[1] if "/" in image else image
    return re.split(r"[:@]", path, maxsplit=1)[0]


def _in_flight(service: dict[str, Any]) -> dict[str, Any] | None:
    deployments: list[dict[str, Any]] = service.get("deployments", [])
    primary: dict[str, Any] | None = next((d for d in deployments if d.get("status") == "PRIMARY"), None)
    if primary and (primary.get("rolloutState") == "IN_PROGRESS" or len(deployments) > 1):
        return primary
    return None


def prepare(ctx: AppContext, ecs: Ecs, req: DeployRequest, services: list[ServiceConfig]) -> list[Prepared]:
    described, missing = ecs.describe_services([s.ecs_service for s in services])
    if missing:
        raise Refused(f"preflight: service(s) {', '.join(missing)} not found in cluster {ecs.cluster}",
                      hint="check ecs_service in vegaops.toml (vegaops env show); nothing was changed")
    ecr = ctx.client("ecr")
    prepared = []
    for cfg in services:
        svc = described[cfg.ecs_service]
        if svc.get("status") != "ACTIVE":
            raise Refused(f"preflight: service {cfg.ecs_service} is {svc.get('status')}, not ACTIVE",
                          hint="nothing was changed")
        td, tags = ecs.task_definition(svc["taskDefinition"])
        container = choose_container(td, req.container or cfg.container, cfg.ecs_service)
        current_image = next(c["image"] for c in td["containerDefinitions"] if c["name"] == container)
        p = Prepared(cfg, svc, td, tags, container)
        if req.tag is None:
            raise UsageError("deploy needs --tag", hint="e.g. vegaops deploy --tag v1.2.3-stable")
        p.image = resolve(ecr, _repo_of(cfg, current_image), req.tag, ctx.settings.get("source_repo_prefix"),
                          dry_run=ctx.options.dry_run)
        flight = _in_flight(svc)
        if flight is not None:
            flight_td, _ = ecs.task_definition(flight["taskDefinition"])
            flight_image = next((c["image"] for c in flight_td["containerDefinitions"] if c["name"] == container), "")
            if digest_of(flight_image) == p.image.digest:
                p.action, p.reattach_id = "reattach", flight["id"]
                p.new_td = flight_td
                prepared.append(p)
                continue
            if not req.wait_for_other:
                raise Refused(f"preflight: another deployment of {cfg.ecs_service} is in progress "
                              f"({flight['id']}, {flight['taskDefinition'].rsplit('/', 1)[-1]})",
                              hint="wait for it (vegaops deploy watch), or pass --wait-for-other; nothing was changed")
        clone, change = with_image(td, container, p.image.pinned)
        if change is None:
            p.action = "force" if req.force else "already"
            p.new_td = td
        else:
            p.new_td = clone
            p.diff = diff_lines(change, td["taskDefinitionArn"], f"{td['family']}:<next>")
        prepared.append(p)
    return prepared


def _wait_for_others(ctx: AppContext, ecs: Ecs, prepared: list[Prepared], timeout: float) -> None:
    deadline = ctx.clock.monotonic() + timeout
    names = [p.cfg.ecs_service for p in prepared if p.action in ("deploy", "force")]
    while names:
        described, _ = ecs.describe_services(names)
        names = [n for n in names if _in_flight(described[n]) is not None]
        if not names:
            return
        if ctx.clock.monotonic() > deadline:
            raise Refused(f"other deployments of {', '.join(names)} did not finish in time", hint="try again later")
        ctx.output.info(f"waiting for the deployment in progress on {', '.join(names)}...")
        ctx.clock.sleep(5)


def _confirm(ctx: AppContext, count: int) -> None:
    if not ctx.settings.confirm or ctx.options.yes:
        return
    if ctx.options.no_input:
        raise UsageError(f"environment {ctx.settings.env} asks for confirmation (confirm = true) and --no-input "
                         "is set", hint="pass --yes to deploy without asking")
    if not ctx.ask().confirm(f"Deploy {count} service{'s' if count != 1 else ''} to {ctx.settings.env}?",
                             default=False):
        raise Interrupted("declined at confirmation; nothing was changed")


def _plan_rows(prepared: list[Prepared], tag: str) -> list[list[Any]]:
    rows = []
    for p in prepared:
        image = p.image
        what = {"deploy": "new task definition revision + rolling deployment", "force": "force new deployment",
                "already": "already deployed (nothing to do)", "reattach": f"re-attach to {p.reattach_id}"}[p.action]
        if image and image.promoted_from and p.action != "already":
            what = f"promote from {image.promoted_from}; " + what
        rows.append([p.cfg.name, p.cfg.ecs_service, f"{tag} ({image.digest[:19]}...)" if image else tag, what])
    return rows


def deploy(ctx: AppContext, req: DeployRequest) -> Result:
    assert req.tag is not None
    check_tag_rule(ctx, req.tag)
    services = pick_services(ctx, req.services)
    ecs = Ecs(ctx.client("ecs"), cluster_of(ctx))
    prepared = prepare(ctx, ecs, req, services)
    rows = _plan_rows(prepared, req.tag)
    plan_view = Table(["SERVICE", "ECS SERVICE", "IMAGE", "ACTION"], rows)
    diffs = [line for p in prepared for line in p.diff]
    if ctx.options.dry_run:
        views: list[View] = [plan_view]
        if diffs:
            views.append(Lines(diffs))
        changes = [{"service": p.cfg.name, "action": p.action, "image": p.image.pinned if p.image else None,
                    "promote_from": p.image.promoted_from if p.image else None, "diff": p.diff} for p in prepared
                   if p.action in ("deploy", "force")]
        return Result(ctx.command, status="planned" if changes else "unchanged", changes=changes,
                      data={"tag": req.tag, "services": [dict(zip(["service", "ecs_service", "image", "action"], r,
                                                                  strict=True)) for r in rows]},
                      views=views, message="dry run: nothing was changed")
    active = [p for p in prepared if p.action != "already"]
    if not active:
        return Result(ctx.command, status="unchanged", data={"tag": req.tag, "services": {
            p.cfg.name: {"outcome": "already_deployed", "task_definition": p.live_td["taskDefinitionArn"],
                         "digest": p.image.digest if p.image else None} for p in prepared}},
            message=f"already deployed: {', '.join(p.cfg.name for p in prepared)} run {req.tag} "
                    f"(use --force for a new deployment)")
    if any(p.action in ("deploy", "force") for p in active):
        _confirm(ctx, len(active))
    ssm = ctx.client("ssm")
    held: list[str] = []
    try:
        for p in active:
            if p.action != "reattach":
                lock.acquire(ssm, ecs.cluster, p.cfg.ecs_service, req.tag, ctx.clock.now(),
                             timedelta(seconds=req.lock_ttl), label=p.cfg.name)
                held.append(p.cfg.ecs_service)
        if req.wait_for_other:
            _wait_for_others(ctx, ecs, active, req.timeout)
        tracked = [start(ctx, ecs, p, req) for p in active]
        for p in prepared:
            if p.image and p.image.promoted_from:
                ctx.output.info(f"{p.cfg.name}: promoted {p.image.promoted_from}:{req.tag} -> {p.image.repo} "
                                f"({p.image.digest})")
        watcher = Watcher(ecs, TargetHealth(ctx.client("elbv2")), ctx.client("logs"), ctx.clock,
                          DeployView(ctx.output), WatchOptions(timeout=req.timeout, poll_interval=req.poll_interval,
                                                               rollback_on_failure=req.rollback_on_failure))
        watcher.run(tracked)
    finally:
        for name in held:
            try:
                lock.release(ssm, ecs.cluster, name)
            except Exception as exc:  # never hide the deploy's own outcome behind a lock cleanup error
                ctx.output.warn(f"could not release the deploy lock of {name}: {exc}")
    for t in tracked:
        _record(ctx, ecs, t, req.tag)
    return result(ctx, ecs, tracked, prepared, req.tag, watcher.log_calls)


def start(ctx: AppContext, ecs: Ecs, p: Prepared, req: DeployRequest) -> Tracked:
    old_arn = p.live_td["taskDefinitionArn"]
    assert p.new_td is not None
    if p.action == "reattach":
        assert p.reattach_id is not None
        ctx.output.info(f"{p.cfg.name}: re-attaching to deployment {p.reattach_id} in progress")
        return _tracked(p, p.reattach_id, p.new_td["taskDefinitionArn"], old_arn, ctx.clock.monotonic())
    since = ctx.clock.now() - timedelta(seconds=1)
    if p.action == "force":
        svc = ecs.update_service(p.cfg.ecs_service, force=True)
        new_arn = old_arn
    else:
        tags = [t for t in p.live_tags if not t["key"].startswith("vegaops:")] + [
            {"key": "vegaops:image-tag", "value": req.tag or ""},
            {"key": "vegaops:deployed-by", "value": lock.whoami()},
            {"key": "vegaops:deployed-at", "value": ctx.clock.now().isoformat(timespec="seconds")},
        ]
        registered = ecs.register_clone(p.new_td, tags)
        new_arn = registered["taskDefinitionArn"]
        ctx.output.info(f"{p.cfg.name}: registered {new_arn.rsplit('/', 1)[-1]} ({req.tag} pinned by digest)")
        svc = ecs.update_service(p.cfg.ecs_service, task_definition=new_arn)
    primary = next((d for d in svc.get("deployments", []) if d.get("status") == "PRIMARY"), None)
    if primary is None:
        raise Refused(f"{p.cfg.ecs_service}: UpdateService returned no PRIMARY deployment")
    t = _tracked(p, primary["id"], new_arn, old_arn, ctx.clock.monotonic())
    t.since = since
    return t


def _tracked(p: Prepared, deployment: str, new_arn: str, old_arn: str, now: float) -> Tracked:
    tgs = [lb["targetGroupArn"] for lb in p.service.get("loadBalancers", []) if lb.get("targetGroupArn")]
    td = p.new_td or p.live_td
    logs = {c["name"]: (c.get("logConfiguration") or {}).get("options", {})
            for c in td.get("containerDefinitions", [])
            if (c.get("logConfiguration") or {}).get("logDriver") == "awslogs"}
    return Tracked(p.cfg.name, p.cfg.ecs_service, deployment, new_arn, old_arn, tgs, logs, started=now)


def _record(ctx: AppContext, ecs: Ecs, t: Tracked, tag: str) -> None:
    """Tag the revision with the outcome (rollback and history read it) and append an audit record."""
    outcome = t.verdict.outcome if t.verdict else "unknown"
    try:
        ecs.tag(t.task_definition, {"vegaops:outcome": outcome, "vegaops:duration": f"{t.elapsed:.0f}s",
                                    "vegaops:deployment": t.deployment})
    except Exception as exc:
        ctx.output.debug(f"could not tag {t.task_definition}: {exc}")
    try:
        from vegaops.paths import state_dir

        record = {"at": ctx.clock.now().isoformat(), "who": lock.whoami(), "env": ctx.settings.env,
                  "service": t.name, "tag": tag, "task_definition": t.task_definition,
                  "deployment": t.deployment, "outcome": outcome,
                  "reason": t.verdict.reason if t.verdict else None, "seconds": round(t.elapsed, 1)}
        with (state_dir() / "audit.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
    except OSError as exc:
        ctx.output.debug(f"audit record not written: {exc}")


def worst(verdicts: list[Verdict]) -> int:
    codes = {int(v.exit_code) for v in verdicts}
    return next((int(c) for c in _SEVERITY if int(c) in codes), 0)


def result(ctx: AppContext, ecs: Ecs, tracked: list[Tracked], prepared: list[Prepared], tag: str,
           log_calls: int) -> Result:
    by_name = {p.cfg.name: p for p in prepared}
    verdicts = [t.verdict for t in tracked if t.verdict is not None]
    code = worst(verdicts)
    services: dict[str, Any] = {}
    rows = []
    for t in tracked:
        v = t.verdict
        p = by_name[t.key]
        services[t.key] = {
            "ecs_service": t.name, "outcome": v.outcome if v else "unknown", "exit_code": v.exit_code if v else 1,
            "reason": v.reason if v else None, "details": list(v.details) if v else [],
            "deployment": t.deployment, "old_task_definition": t.old_task_definition,
            "new_task_definition": t.task_definition, "tag": tag,
            "digest": p.image.digest if p.image else None,
            "promoted_from": p.image.promoted_from if p.image else None,
            "seconds": round(t.elapsed, 1),
        }
        rows.append([t.key, v.outcome if v else "?", t.task_definition.rsplit("/", 1)[-1], f"{t.elapsed:.0f}s",
                     v.reason if v else ""])
    for p in prepared:
        if p.action == "already":
            services[p.cfg.name] = {"ecs_service": p.cfg.ecs_service, "outcome": "already_deployed", "exit_code": 0,
                                    "tag": tag, "digest": p.image.digest if p.image else None}
            rows.append([p.cfg.name, "already deployed", p.live_td["taskDefinitionArn"].rsplit("/", 1)[-1], "-", ""])
    failed = [v for v in verdicts if not v.ok]
    details = [f"{t.key}: {d}" for t in tracked if t.verdict and not t.verdict.ok for d in t.verdict.details]
    views: list[View] = [Table(["SERVICE", "OUTCOME", "TASK DEFINITION", "TOOK", "REASON"], rows)]
    if details:
        views.append(Lines(details))
    views.append(Fields([("api calls", ecs.calls + log_calls)]))
    message = (f"deployed {tag}: " + ", ".join(t.key for t in tracked) if not failed
               else "; ".join(f"{t.key}: {t.verdict.outcome}: {t.verdict.reason}" for t in tracked
                              if t.verdict and not t.verdict.ok))
    errors = [{"kind": v.outcome, "message": v.reason, "hint": _hint(v, tracked)} for v in failed]
    return Result(ctx.command, status="changed" if not failed else "failed", exit_code=code,
                  changes=[{"service": k, "deployment": s.get("deployment"), "outcome": s["outcome"]}
                           for k, s in services.items() if s["outcome"] != "already_deployed"],
                  data={"tag": tag, "services": services, "api_calls": ecs.calls + log_calls},
                  views=views, message=message, errors=errors)


def _hint(v: Verdict, tracked: list[Tracked]) -> str:
    name = next((t.key for t in tracked if t.verdict is v), "SERVICE")
    if v.outcome == "timed_out":
        return f"the deployment continues in AWS; re-attach with: vegaops deploy watch {name}"
    if v.outcome == "failed":
        return f"the service needs a human: vegaops status {name}; vegaops rollback {name}"
    return f"see what failed: vegaops status {name}; vegaops deploy history {name}"

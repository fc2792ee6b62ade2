"""Capacity steps: a service's desired count, its Application Auto Scaling target, and the saved counts.

* ``scale.desired``: UpdateService(desiredCount); empty when the service already wants that many tasks.
* ``scale.autoscaling``: RegisterScalableTarget (min, max, suspended); empty when the target already says so.
* ``scale.save``: remember each service's desired count and autoscaling bounds in SSM (``vegaops.scale.saved``)
  before ``--all 0``; a service already saved keeps what was saved first.
* ``scale.restore``: put back what was saved (bounds and suspension, then the desired count) and delete the
  saved parameter; empty when nothing is saved.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.cmdline import prog
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.scale.autoscaling import ScalableTarget
    from vegaops.scale.saved import Saved


def _services(ctx: AppContext, names: list[str]) -> tuple[str, Mapping[str, Mapping[str, Any]]]:
    from vegaops.deploy.core import service_name

    cluster = ctx.settings.require_cluster()
    return cluster, ctx.aws.ecs.require_services(cluster, [service_name(ctx, n) for n in names])


def _primary_id(service: Mapping[str, Any]) -> str | None:
    for d in service.get("deployments", []):
        if d.get("status") == "PRIMARY":
            return str(d.get("id"))
    return None


def _bounds_text(t: ScalableTarget | dict[str, Any] | None) -> str:
    if t is None:
        return "(none)"
    low, high, susp = (t["min"], t["max"], t["suspended"]) if isinstance(t, dict) else (t.min, t.max, t.suspended)
    return f"{low}-{high}" + (" suspended" if susp else "")


# --- scale.desired -----------------------------------------------------------------------------------------
@dataclass
class DesiredParams:
    service: str
    desired: int


class SetDesiredCount(Step[DesiredParams]):
    id: ClassVar[str] = "scale.desired"
    Params = DesiredParams
    outputs = ("deployment_id", "task_definition", "previous")
    description = "set a service's desired count (UpdateService)"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.errors import UsageError

        p = self.params
        if p.desired < 0:
            raise UsageError(f"desired count {p.desired}: must be 0 or more", hint=f"{prog()} scale SERVICE 2")
        cluster, found = _services(ctx, [p.service])
        ((name, svc),) = found.items()
        current = int(svc.get("desiredCount") or 0)
        plan = Plan(
            step=self.id,
            state={"cluster": cluster, "service": name},
            outputs={
                "deployment_id": _primary_id(svc),
                "task_definition": str(svc.get("taskDefinition")),
                "previous": current,
            },
        )
        if current == p.desired:
            plan.notes.append(f"{name} already wants {current} task{'s' if current != 1 else ''}")
            return plan
        target = _target(ctx, cluster, name)
        if target is not None and not target.suspended and not target.min <= p.desired <= target.max:
            plan.notes.append(
                f"{name}: {p.desired} is outside its autoscaling bounds {target.min}-{target.max}; Application Auto "
                f"Scaling will move it back (change them: {prog()} scale {name} --min A --max B)"
            )
        plan.changes.append(
            Change(
                "update",
                name,
                f"desired count of {name}: {current} -> {p.desired}",
                {"desired": {"from": current, "to": p.desired}},
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        svc = ctx.aws.ecs.update_service(
            plan.state["cluster"], plan.state["service"], desired_count=self.params.desired
        )
        outputs = dict(plan.outputs)
        outputs["deployment_id"] = _primary_id(svc) or outputs.get("deployment_id")
        outputs["task_definition"] = str(svc.get("taskDefinition") or outputs.get("task_definition"))
        return Outcome(changes=list(plan.changes), outputs=outputs)


def _target(ctx: AppContext, cluster: str, service: str) -> ScalableTarget | None:
    from vegaops.scale.autoscaling import read_targets

    return read_targets(ctx, cluster, [service]).get(service)


# --- scale.autoscaling -------------------------------------------------------------------------------------
@dataclass
class AutoscalingParams:
    service: str
    min: int | None = None
    max: int | None = None
    suspended: bool | None = None  # True: suspend scaling, False: resume, None: leave as it is
    only_if_registered: bool = False  # a service without a scalable target: nothing to do (not an error)


class SetScalableTarget(Step[AutoscalingParams]):
    id: ClassVar[str] = "scale.autoscaling"
    Params = AutoscalingParams
    outputs = ("min", "max", "suspended")
    description = "set a service's autoscaling bounds or suspend/resume its scaling (RegisterScalableTarget)"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.errors import UsageError

        p = self.params
        cluster, found = _services(ctx, [p.service])
        ((name, _svc),) = found.items()
        current = _target(ctx, cluster, name)
        plan = Plan(step=self.id, state={"cluster": cluster, "service": name})
        if current is None:
            if p.only_if_registered:
                plan.notes.append(f"{name} has no autoscaling target")
                return plan
            if p.min is None or p.max is None:
                verb = "suspend or resume" if p.min is None and p.max is None else "change"
                raise UsageError(
                    f"{name} has no autoscaling target to {verb}",
                    hint=f"register one with both bounds: {prog()} scale {name} --min 1 --max 4",
                )
        low = p.min if p.min is not None else (current.min if current else 0)
        high = p.max if p.max is not None else (current.max if current else 0)
        suspended = p.suspended if p.suspended is not None else (current.suspended if current else False)
        if low < 0 or high < low:
            raise UsageError(
                f"autoscaling bounds {low}-{high}: need 0 <= min <= max", hint=f"{prog()} scale {name} --min 1 --max 4"
            )
        plan.outputs = {"min": low, "max": high, "suspended": suspended}
        if current is not None and (current.min, current.max, current.suspended) == (low, high, suspended):
            plan.notes.append(f"{name}: autoscaling already {_bounds_text(current)}")
            return plan
        plan.state.update(
            min=low, max=high, suspended=suspended, send_suspended=p.suspended is not None or current is None
        )
        new = {"min": low, "max": high, "suspended": suspended}
        verb = "create" if current is None else "update"
        what = (
            ("suspend" if suspended else "resume") + f" autoscaling of {name}"
            if current is not None and (current.min, current.max) == (low, high)
            else f"autoscaling of {name}: {_bounds_text(current)} -> {_bounds_text(new)}"
        )
        plan.changes.append(
            Change(verb, name, what, {"autoscaling": {"from": _bounds_text(current), "to": _bounds_text(new)}})
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        from vegaops.scale.autoscaling import register

        s = plan.state
        register(ctx, s["cluster"], s["service"], s["min"], s["max"], s["suspended"] if s["send_suspended"] else None)
        return Outcome(changes=list(plan.changes), outputs=dict(plan.outputs))


# --- scale.save ------------------------------------------------------------------------------------------
@dataclass
class SaveParams:
    services: list[str] = field(default_factory=list)


class SaveCounts(Step[SaveParams]):
    id: ClassVar[str] = "scale.save"
    Params = SaveParams
    outputs = ("saved",)
    description = "remember desired counts and autoscaling bounds in SSM (for --restore)"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.scale import saved as store
        from vegaops.scale.autoscaling import read_targets

        cluster, found = _services(ctx, self.params.services)
        targets = read_targets(ctx, cluster, sorted(found))
        plan = Plan(step=self.id, state={"save": []}, outputs={"saved": {}})
        now = ctx.clock.now().isoformat()
        for name in sorted(found):
            earlier = store.read(ctx, name)
            if earlier is not None:
                plan.notes.append(f"{name}: already saved ({earlier.text()}, {earlier.saved_at}); kept")
                plan.outputs["saved"][name] = earlier.text()
                continue
            t = targets.get(name)
            record = store.Saved(
                name,
                int(found[name].get("desiredCount") or 0),
                t.to_dict() if t else None,
                now,
                getpass.getuser(),
            )
            plan.state["save"].append(record)
            plan.outputs["saved"][name] = record.text()
            plan.changes.append(Change("create", store.parameter_name(ctx, name), f"remember {name}: {record.text()}"))
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        from vegaops.scale import saved as store

        for record in plan.state["save"]:
            store.write(ctx, record)
        return Outcome(changes=list(plan.changes), outputs=dict(plan.outputs))


# --- scale.restore ---------------------------------------------------------------------------------------
@dataclass
class RestoreParams:
    services: list[str] = field(default_factory=list)  # empty: every service saved for the environment


def saved_services(ctx: AppContext) -> list[str]:
    from vegaops.scale.saved import parameter_name

    prefix = parameter_name(ctx, "")
    return sorted(p.name.removeprefix(prefix) for p in ctx.aws.ssm.by_path(prefix, recursive=False, decrypt=False))


class RestoreCounts(Step[RestoreParams]):
    id: ClassVar[str] = "scale.restore"
    Params = RestoreParams
    outputs = ("restored",)
    description = "put back saved desired counts and autoscaling bounds, then forget them"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.deploy.core import service_name
        from vegaops.scale import saved as store
        from vegaops.scale.autoscaling import read_targets

        names = [service_name(ctx, n) for n in self.params.services] or saved_services(ctx)
        plan = Plan(step=self.id, state={"restore": []}, outputs={"restored": {}})
        records: list[Saved] = []
        for name in names:
            record = store.read(ctx, name)
            if record is None:
                plan.notes.append(f"{name}: nothing saved to restore")
            else:
                records.append(record)
        if not records:
            if not names:
                plan.notes.append("nothing saved to restore")
            return plan
        cluster, found = _services(ctx, [r.service for r in records])
        targets = read_targets(ctx, cluster, [r.service for r in records])
        for r in records:
            svc, t = found[r.service], targets.get(r.service)
            item: dict[str, Any] = {"service": r.service, "cluster": cluster, "desired": None, "autoscaling": None}
            if r.autoscaling and (t is None or t.to_dict() != r.autoscaling):
                item["autoscaling"] = dict(r.autoscaling)
                plan.changes.append(
                    Change(
                        "update",
                        r.service,
                        f"autoscaling of {r.service}: {_bounds_text(t)} -> {_bounds_text(r.autoscaling)}",
                    )
                )
            current = int(svc.get("desiredCount") or 0)
            if current != r.desired:
                item["desired"] = r.desired
                plan.changes.append(
                    Change("update", r.service, f"desired count of {r.service}: {current} -> {r.desired}")
                )
            item["primary"] = _primary_id(svc)
            item["task_definition"] = str(svc.get("taskDefinition"))
            plan.changes.append(
                Change("delete", store.parameter_name(ctx, r.service), f"forget the saved counts of {r.service}")
            )
            plan.state["restore"].append(item)
            plan.outputs["restored"][r.service] = r.text()
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        from vegaops.scale import saved as store
        from vegaops.scale.autoscaling import register

        restored: dict[str, Any] = {}
        for item in plan.state["restore"]:
            name, cluster = item["service"], item["cluster"]
            bounds = item["autoscaling"]
            if bounds:
                register(ctx, cluster, name, int(bounds["min"]), int(bounds["max"]), bool(bounds.get("suspended")))
            entry: dict[str, Any] = {
                "desired": item["desired"],
                "deployment_id": item["primary"],
                "task_definition": item["task_definition"],
            }
            if item["desired"] is not None:
                svc = ctx.aws.ecs.update_service(cluster, name, desired_count=int(item["desired"]))
                entry["deployment_id"] = _primary_id(svc) or item["primary"]
            store.forget(ctx, name)
            restored[name] = entry
        return Outcome(changes=list(plan.changes), outputs={"restored": restored})

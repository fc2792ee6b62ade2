"""SSM Parameter Store steps: ``ssm.put`` and ``ssm.delete``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.cmdline import line, prog
from vegaops.naming import param_name
from vegaops.sensitive import Sensitive
from vegaops.steps.base import Change, Outcome, Plan, Step, sensitive_field

if TYPE_CHECKING:
    from vegaops.context import AppContext


def _shown(value: str, secure: bool) -> object:
    return Sensitive(value) if secure else value


@dataclass
class PutParams:
    name: str
    value: str = sensitive_field()
    secure: bool = False
    kms_key: str | None = None
    description: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    # Seeding: create the parameter when it is missing, never touch one that exists (whatever its value).
    if_missing: bool = False


class PutParameter(Step[PutParams]):
    """Create or update one parameter. Unchanged value and type -> empty plan, no new version.
    With ``if_missing`` (seeding) an existing parameter is kept as it is: only a missing one is created."""

    id: ClassVar[str] = "ssm.put"
    Params = PutParams
    outputs = ("name", "version")
    description = "create or update an SSM parameter (no new version when unchanged)"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        name = param_name(ctx.settings.params_prefix, p.name)
        ssm = ctx.aws.ssm
        current = ssm.get(name, decrypt=True)
        want_type = "SecureString" if p.secure else "String"
        plan = Plan(step=self.id, outputs={"name": name}, state={"name": name, "type": want_type})
        if current is None:
            plan.changes.append(
                Change(
                    "create",
                    name,
                    f"create {want_type} {name}",
                    {"type": want_type, "value": _shown(p.value, p.secure), "tags": p.tags or None},
                )
            )
            plan.state["exists"] = False
            return plan
        plan.state["exists"] = True
        plan.outputs["version"] = current.version
        if p.if_missing:
            plan.notes.append(f"kept: {name} exists (version {current.version}); seeding only creates what is missing")
            return plan
        secure = p.secure or current.secure
        detail: dict[str, Any] = {}
        if current.value != p.value:
            detail["value"] = {"from": _shown(current.value or "", secure), "to": _shown(p.value, secure)}
        if current.type != want_type:
            detail["type"] = {"from": current.type, "to": want_type}
        if p.description is not None:
            meta = ssm.describe(name) or {}
            if meta.get("Description", "") != p.description:
                detail["description"] = {"from": meta.get("Description"), "to": p.description}
        if detail:
            plan.changes.append(Change("update", name, f"update {name} ({', '.join(detail)})", detail))
        if p.tags:
            existing = ssm.tags(name)
            missing = {k: v for k, v in p.tags.items() if existing.get(k) != v}
            if missing:
                plan.changes.append(Change("tag", name, f"tag {name} with {', '.join(missing)}", {"tags": missing}))
                plan.state["tags"] = missing
        if not plan.changes:
            plan.notes.append(f"unchanged: {name} (version {current.version})")
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        p = self.params
        ssm = ctx.aws.ssm
        name = plan.state["name"]
        outcome = Outcome(outputs=dict(plan.outputs))
        for change in plan.changes:
            if change.action in ("create", "update"):
                outcome.outputs["version"] = ssm.put(
                    name,
                    p.value,
                    plan.state["type"],
                    overwrite=plan.state["exists"],
                    description=p.description,
                    kms_key=p.kms_key,
                    tags=p.tags or None,
                )
            elif change.action == "tag":
                ssm.add_tags(name, plan.state["tags"])
            outcome.changes.append(change)
        return outcome


@dataclass
class DeleteParams:
    names: list[str]


class DeleteParameters(Step[DeleteParams]):
    """Delete parameters that exist (in batches of 10); names that do not exist plan nothing."""

    id: ClassVar[str] = "ssm.delete"
    Params = DeleteParams
    outputs = ("deleted",)
    description = "delete SSM parameters"

    def plan(self, ctx: AppContext) -> Plan:
        names = [param_name(ctx.settings.params_prefix, n) for n in self.params.names]
        found = ctx.aws.ssm.get_many(names, decrypt=False)
        plan = Plan(step=self.id, state={"names": [n for n in names if n in found]})
        check_readers = True
        for name in names:
            if name in found:
                from vegaops.refs import param_matcher
                from vegaops.steps.secrets import reader_effects, readers

                who = readers(ctx, param_matcher(name), name) if check_readers else None
                check_readers = who is not None  # the cluster could not be read: said once, not per name
                effects = reader_effects(who, "it is missing", f"{prog()} config set recreates it")
                plan.changes.append(Change("delete", name, f"delete {name} (version {found[name].version})", effects))
            else:
                plan.notes.append(f"absent: {name}")
        plan.outputs["deleted"] = []
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        deleted, _ = ctx.aws.ssm.delete(plan.state["names"])
        done = set(deleted)
        return Outcome(changes=[c for c in plan.changes if c.target in done], outputs={"deleted": deleted})


ROLLBACK_LABEL = "vegaops-rollback-v"  # + the version it labels: unique per version, so it never moves


def is_rollback(p: Any) -> bool:
    """A version written by ``ssm.rollback`` (it carries the label ``vegaops-rollback-v<version>``)."""
    return f"{ROLLBACK_LABEL}{p.version}" in p.labels


def rollback_source(history: list[Any]) -> tuple[Any | None, str]:
    """The version whose value a default rollback restores, and why (history oldest first).

    Rule: find the newest version that was not itself written by a rollback; the target is the version
    just before it, i.e. the value that was in effect before that write. A rollback writes a new version
    (SSM has no stages) labelled as a rollback, so a second run finds the same target, whose value is then
    already current, and plans nothing.
    """
    ordered = sorted(history, key=lambda p: p.version)
    idx = next((i for i in range(len(ordered) - 1, -1, -1) if not is_rollback(ordered[i])), None)
    if idx is None:
        return None, "every kept version was written by a rollback"
    if idx == 0:
        return None, f"version {ordered[0].version} is the oldest kept version; there is nothing before it"
    newest = ordered[idx]
    return ordered[idx - 1], f"the value before version {newest.version}"


@dataclass
class RollbackParams:
    name: str
    to: int | None = None  # version; None: the value before the newest version not written by a rollback


class RollbackParameter(Step[RollbackParams]):
    """Put an earlier version's value back as a new version (SSM keeps no stages); twice is the same as once.

    The new version is labelled ``vegaops-rollback-v<N>`` so the default target (``rollback_source``) stays
    the same after it. A target whose value and type are already current plans nothing.
    """

    id: ClassVar[str] = "ssm.rollback"
    Params = RollbackParams
    outputs = ("name", "version", "restored_version")
    description = "put the value before the newest version (or a chosen version) back, as a new version"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.errors import NotFoundError

        p = self.params
        name = param_name(ctx.settings.params_prefix, p.name)
        history = ctx.aws.ssm.history(name, decrypt=True)
        if not history:
            raise NotFoundError(f"parameter {name} not found", hint=f"list what exists: {prog()} config list")
        by_version = {v.version: v for v in history}
        newest = by_version[max(by_version)]
        if p.to is not None:
            if p.to not in by_version:
                raise NotFoundError(
                    f"parameter {name} has no version {p.to}",
                    hint=f"versions kept: {', '.join(map(str, sorted(by_version)))}; "
                    f"see {line('config', 'history', p.name)}",
                )
            target, why = by_version[p.to], "chosen with --to"
        else:
            found, why = rollback_source(history)
            if found is None:
                raise NotFoundError(
                    f"parameter {name} cannot be rolled back: {why}",
                    hint=f"see its versions: {prog()} config history {p.name}",
                )
            target = found
        plan = Plan(
            step=self.id,
            outputs={"name": name, "version": newest.version, "restored_version": target.version},
            state={"name": name, "type": target.type, "value": target.value or "", "exists": True},
        )
        if newest.value == target.value and newest.type == target.type:
            plan.notes.append(
                f"unchanged: {name} version {newest.version} already holds the value of version "
                f"{target.version} ({why})"
            )
            return plan
        plan.changes.append(
            Change(
                "update",
                name,
                f"put the value of version {target.version} of {name} back as a new version ({why})",
                {
                    "value": {
                        "from": _shown(newest.value or "", newest.secure or target.secure),
                        "to": _shown(target.value or "", newest.secure or target.secure),
                    }
                },
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        ssm = ctx.aws.ssm
        name = plan.state["name"]
        version = ssm.put(name, plan.state["value"], plan.state["type"], overwrite=True)
        ssm.label(name, version, [f"{ROLLBACK_LABEL}{version}"])
        outputs = dict(plan.outputs)
        outputs["version"] = version
        return Outcome(changes=list(plan.changes), outputs=outputs)

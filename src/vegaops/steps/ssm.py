"""SSM Parameter Store steps: ``ssm.put`` and ``ssm.delete``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.aws.ssm import Ssm
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
        ssm = Ssm(ctx.client("ssm"))
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
        ssm = Ssm(ctx.client("ssm"))
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
        found = Ssm(ctx.client("ssm")).get_many(names, decrypt=False)
        plan = Plan(step=self.id, state={"names": [n for n in names if n in found]})
        for name in names:
            if name in found:
                plan.changes.append(Change("delete", name, f"delete {name} (version {found[name].version})"))
            else:
                plan.notes.append(f"absent: {name}")
        plan.outputs["deleted"] = []
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        deleted, _ = Ssm(ctx.client("ssm")).delete(plan.state["names"])
        done = set(deleted)
        return Outcome(changes=[c for c in plan.changes if c.target in done], outputs={"deleted": deleted})

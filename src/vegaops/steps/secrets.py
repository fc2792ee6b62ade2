"""Secrets Manager steps: ``secrets.put`` (create or update; no new version when unchanged)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.aws.secrets import Secrets
from vegaops.errors import UsageError
from vegaops.naming import secret_name
from vegaops.sensitive import Sensitive
from vegaops.steps.base import Change, Outcome, Plan, Step, sensitive_field

if TYPE_CHECKING:
    from vegaops.context import AppContext
    from vegaops.runbook.model import StepCall


@dataclass
class PutSecretParams:
    name: str
    value: str = sensitive_field()
    key: str | None = None  # update one field of a JSON secret, keeping the others
    description: str | None = None
    kms_key: str | None = None
    tags: dict[str, str] = field(default_factory=dict)


def merged_json(name: str, current: str | None, key: str, value: str) -> str:
    """The JSON document with ``key`` set to ``value``; the other fields and their order are kept."""
    doc: dict[str, Any] = {}
    if current:
        try:
            loaded = json.loads(current)
        except ValueError:
            raise UsageError(f"secret {name} is not a JSON object, so --key {key} cannot update a field of it",
                             hint="set the whole value without --key") from None
        if not isinstance(loaded, dict):
            raise UsageError(f"secret {name} is not a JSON object, so --key {key} cannot update a field of it",
                             hint="set the whole value without --key")
        doc = loaded
    doc[key] = value
    return json.dumps(doc, separators=(",", ":"))


class PutSecret(Step[PutSecretParams]):
    """Create or update one secret. An unchanged value plans nothing and writes no version."""

    id: ClassVar[str] = "secrets.put"
    Params = PutSecretParams
    outputs = ("name", "arn", "version")
    description = "create or update a Secrets Manager secret (no new version when unchanged)"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        name = secret_name(ctx.settings.secrets_prefix, p.name)
        store = Secrets(ctx.client("secretsmanager"))
        meta = store.describe(name)
        plan = Plan(step=self.id, outputs={"name": name}, state={"name": name})
        if meta is not None and meta.deleted is not None:
            raise UsageError(f"secret {name} is scheduled for deletion",
                             hint=f"restore it first: vegaops secret restore {p.name}")
        current = store.get(name) if meta is not None else None
        target = merged_json(name, current.value.value if current else None, p.key, p.value) if p.key else p.value
        plan.state["value"] = target
        if meta is None:
            plan.changes.append(Change("create", name, f"create secret {name}",
                                       {"value": Sensitive(target), "tags": p.tags or None,
                                        "description": p.description}))
            plan.state["exists"] = False
            return plan
        plan.state["exists"] = True
        plan.outputs["arn"] = meta.arn
        if current is not None:
            plan.outputs["version"] = current.version_id
            plan.state["base_version"] = current.version_id
        if current is None or current.value.value != target:
            what = f"field {p.key} of " if p.key else ""
            plan.changes.append(Change("update", name, f"update {what}secret {name} (new version)", {
                "value": {"from": current.value if current else None, "to": Sensitive(target)}}))
        if p.description is not None and (meta.description or "") != p.description:
            plan.changes.append(Change("describe", name, f"set the description of {name}",
                                       {"description": {"from": meta.description, "to": p.description}}))
        missing = {k: v for k, v in p.tags.items() if meta.tags.get(k) != v}
        if missing:
            plan.changes.append(Change("tag", name, f"tag {name} with {', '.join(missing)}", {"tags": missing}))
            plan.state["tags"] = missing
        if not plan.changes:
            plan.notes.append(f"unchanged: {name} (version {plan.outputs.get('version', '?')})")
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        p = self.params
        store = Secrets(ctx.client("secretsmanager"))
        name: str = plan.state["name"]
        outcome = Outcome(outputs=dict(plan.outputs))
        for change in plan.changes:
            if change.action == "create":
                arn, version = store.create(name, plan.state["value"], p.description, p.kms_key, p.tags or None)
                outcome.outputs.update(arn=arn, version=version)
            elif change.action == "update":
                outcome.outputs["version"] = store.put(name, plan.state["value"], plan.state.get("base_version", ""))
            elif change.action == "describe" and p.description is not None:
                store.update_description(name, p.description)
            elif change.action == "tag":
                store.add_tags(name, plan.state["tags"])
            outcome.changes.append(change)
        return outcome


def create_missing_call(full_name: str, value: str) -> StepCall:
    """A one-step call that creates (or sets) the secret with this full name: setup uses it."""
    from vegaops.runbook import engine

    name = full_name if full_name.startswith("/") else "/" + full_name
    return engine.single(PutSecret, PutSecretParams(name=name, value=value), call_id=f"secret {full_name}")

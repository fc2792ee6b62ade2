"""Secrets Manager steps: ``secrets.put`` (create or update; no new version when unchanged)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.cmdline import prog
from vegaops.errors import UsageError
from vegaops.naming import secret_name
from vegaops.sensitive import Sensitive
from vegaops.steps.base import Change, Outcome, Plan, Step, sensitive_field

if TYPE_CHECKING:
    from vegaops.context import AppContext


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
            raise UsageError(
                f"secret {name} is not a JSON object, so --key {key} cannot update a field of it",
                hint="set the whole value without --key",
            ) from None
        if not isinstance(loaded, dict):
            raise UsageError(
                f"secret {name} is not a JSON object, so --key {key} cannot update a field of it",
                hint="set the whole value without --key",
            )
        doc = loaded
    doc[key] = value
    return json.dumps(doc, separators=(",", ":"))


class PutSecret(Step[PutSecretParams]):
    """Create or update one secret. An unchanged value plans nothing and writes no version."""

    id: ClassVar[str] = "secrets.put"
    Params = PutSecretParams
    outputs = ("name", "arn", "version", "changed_at")
    description = "create or update a Secrets Manager secret (no new version when unchanged)"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        name = secret_name(ctx.settings.secrets_prefix, p.name)
        store = ctx.aws.secrets
        meta = store.describe(name)
        plan = Plan(step=self.id, outputs={"name": name}, state={"name": name})
        if meta is not None and meta.deleted is not None:
            raise UsageError(
                f"secret {name} is scheduled for deletion", hint=f"restore it first: {prog()} secret restore {p.name}"
            )
        current = store.get(name) if meta is not None else None
        target = merged_json(name, current.value.value if current else None, p.key, p.value) if p.key else p.value
        plan.state["value"] = target
        if meta is None:
            plan.changes.append(
                Change(
                    "create",
                    name,
                    f"create secret {name}",
                    {"value": Sensitive(target), "tags": p.tags or None, "description": p.description},
                )
            )
            plan.state["exists"] = False
            plan.outputs["changed_at"] = ctx.clock.now().isoformat()  # the value appears at apply
            return plan
        plan.state["exists"] = True
        plan.outputs["arn"] = meta.arn
        plan.outputs["changed_at"] = meta.last_changed.isoformat() if meta.last_changed else ""
        if current is not None:
            plan.outputs["version"] = current.version_id
            # the token covers the whole staging map, not only the current version: after a rollback
            # (A -> B, back to A) setting B again must write a version, not repeat B's original write, which
            # Secrets Manager would answer as a no-op leaving A current
            stages = ",".join(f"{v}={'+'.join(sorted(s))}" for v, s in sorted(meta.versions.items()))
            plan.state["base_version"] = f"{current.version_id}|{stages}"
        if current is None or current.value.value != target:
            # The value changes at apply, so every task started before now holds the old one: a dry run
            # hands the steps after this one the moment of the change, not the previous change's.
            plan.outputs["changed_at"] = ctx.clock.now().isoformat()
            what = f"field {p.key} of " if p.key else ""
            plan.changes.append(
                Change(
                    "update",
                    name,
                    f"update {what}secret {name} (new version)",
                    {"value": {"from": current.value if current else None, "to": Sensitive(target)}},
                )
            )
        if p.description is not None and (meta.description or "") != p.description:
            plan.changes.append(
                Change(
                    "describe",
                    name,
                    f"set the description of {name}",
                    {"description": {"from": meta.description, "to": p.description}},
                )
            )
        missing = {k: v for k, v in p.tags.items() if meta.tags.get(k) != v}
        if missing:
            plan.changes.append(Change("tag", name, f"tag {name} with {', '.join(missing)}", {"tags": missing}))
            plan.state["tags"] = missing
        if not plan.changes:
            plan.notes.append(f"unchanged: {name} (version {plan.outputs.get('version', '?')})")
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        p = self.params
        store = ctx.aws.secrets
        name: str = plan.state["name"]
        outcome = Outcome(outputs=dict(plan.outputs))
        if any(c.action in ("create", "update") for c in plan.changes):
            outcome.outputs["changed_at"] = ctx.clock.now().isoformat()  # taken before the write
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


def _catalog(ctx: AppContext) -> Any:

    return ctx.aws.secrets


@dataclass
class DeleteSecretParams:
    name: str
    recovery_days: int | None = None  # None: Secrets Manager's default (30 days)
    force: bool = False  # delete at once, no recovery window


class DeleteSecret(Step[DeleteSecretParams]):
    """Schedule a secret for deletion (or delete it at once with force). Absent or already scheduled: nothing."""

    id: ClassVar[str] = "secrets.delete"
    Params = DeleteSecretParams
    outputs = ("name", "deletion_date")
    description = "delete a secret (recovery window by default; force deletes at once)"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        name = secret_name(ctx.settings.secrets_prefix, p.name)
        meta = _catalog(ctx).describe(name)
        plan = Plan(step=self.id, outputs={"name": name}, state={"name": name})
        if meta is None:
            plan.notes.append(f"absent: {name}")
        elif meta.deleted is not None and not p.force:
            plan.notes.append(f"already scheduled for deletion: {name} (on {meta.deleted:%Y-%m-%d})")
            plan.outputs["deletion_date"] = meta.deleted.isoformat()
        else:
            from vegaops.refs import secret_matcher

            how = (
                "at once, without recovery"
                if p.force
                else (f"with a {p.recovery_days or 30}-day recovery window ({prog()} secret restore undoes it)")
            )
            found = readers(ctx, secret_matcher(meta.arn, name), name)
            effects = reader_effects(
                found,
                "it is gone" if p.force else "it is scheduled for deletion",
                None if p.force else f"{prog()} secret restore {p.name} undoes it",
            )
            services = sorted({r.service for r in found or []})
            warning = (
                f" -- READ BY {', '.join(services)}: their new tasks will fail to start (secrets or log "
                "driver secretOptions)"
                if services
                else ""
            )
            plan.changes.append(
                Change(
                    "delete",
                    name,
                    f"delete secret {name} {how}{warning}",
                    {"recovery_days": None if p.force else (p.recovery_days or 30), **effects},
                )
            )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        p = self.params
        when = _catalog(ctx).delete(plan.state["name"], p.recovery_days, p.force)
        outputs = dict(plan.outputs)
        outputs["deletion_date"] = when.isoformat() if when else None
        return Outcome(changes=list(plan.changes), outputs=outputs)


@dataclass
class RestoreSecretParams:
    name: str


class RestoreSecret(Step[RestoreSecretParams]):
    """Cancel a scheduled deletion. A secret that is not scheduled for deletion plans nothing."""

    id: ClassVar[str] = "secrets.restore"
    Params = RestoreSecretParams
    outputs = ("name",)
    description = "restore a secret scheduled for deletion"

    def plan(self, ctx: AppContext) -> Plan:
        name = secret_name(ctx.settings.secrets_prefix, self.params.name)
        meta = _catalog(ctx).describe(name)
        plan = Plan(step=self.id, outputs={"name": name}, state={"name": name})
        if meta is None:
            from vegaops.errors import NotFoundError

            raise NotFoundError(
                f"secret {name} not found (deleted without recovery, or never existed)",
                hint=f"list what exists: {prog()} secret list",
            )
        if meta.deleted is None:
            plan.notes.append(f"not scheduled for deletion: {name}")
        else:
            plan.changes.append(Change("restore", name, f"restore secret {name} (cancel the deletion)"))
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        _catalog(ctx).restore(plan.state["name"])
        return Outcome(changes=list(plan.changes), outputs=dict(plan.outputs))


@dataclass
class RollbackSecretParams:
    name: str
    to: str | None = None  # version id; None: the version that was current before the newest one


def rollback_target(versions: list[Any]) -> tuple[str | None, str]:
    """The default rollback target of a secret and why: ``(version id or None, reason)``.

    The rule (newest first by creation order, ``SecretsCatalog.versions``): when the newest version is
    AWSCURRENT, the target is the version that was current before it was written -- AWSPREVIOUS, which
    Secrets Manager moves there on every write, else the version created just before it. When the newest
    version is not current, the secret is already rolled back and the target is what is current now, so a
    second rollback plans nothing (a swap of AWSCURRENT and AWSPREVIOUS would put the newest value back).
    """
    if not versions:
        return None, "it has no versions"
    newest = versions[0]
    current = next((v for v in versions if "AWSCURRENT" in v.stages), None)
    if current is not None and current.version_id != newest.version_id:
        return current.version_id, f"already rolled back: the newest version {newest.version_id} is not current"
    previous = next((v for v in versions[1:] if "AWSPREVIOUS" in v.stages), None)
    if previous is None and len(versions) > 1:
        previous = versions[1]
    if previous is None:
        return None, "it has no previous version to roll back to"
    return previous.version_id, f"the version current before the newest one ({newest.version_id})"


class RollbackSecret(Step[RollbackSecretParams]):
    """Make an earlier version AWSCURRENT (no new version is written); twice is the same as once.

    Default target: the version current before the newest one (``rollback_target``); ``to`` picks any
    kept version. A target that is already AWSCURRENT plans nothing.
    """

    id: ClassVar[str] = "secrets.rollback"
    Params = RollbackSecretParams
    outputs = ("name", "version", "previous")
    description = "make the version before the newest one (or a chosen one) AWSCURRENT again"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.errors import NotFoundError

        p = self.params
        name = secret_name(ctx.settings.secrets_prefix, p.name)
        store = _catalog(ctx)
        meta = store.describe(name)
        if meta is None:
            raise NotFoundError(f"secret {name} not found", hint=f"list what exists: {prog()} secret list")
        if meta.deleted is not None:
            raise UsageError(
                f"secret {name} is scheduled for deletion", hint=f"restore it first: {prog()} secret restore {p.name}"
            )
        versions = store.versions(name)
        current = next((v.version_id for v in versions if "AWSCURRENT" in v.stages), None)
        if p.to:
            if p.to not in {v.version_id for v in versions}:
                raise NotFoundError(
                    f"secret {name} has no version {p.to}", hint=f"see its versions: {prog()} secret history {p.name}"
                )
            target, why = p.to, "chosen with --to"
        else:
            found, why = rollback_target(versions)
            if found is None:
                raise NotFoundError(
                    f"secret {name} cannot be rolled back: {why}",
                    hint=f"see its versions: {prog()} secret history {p.name}",
                )
            target = found
        plan = Plan(
            step=self.id,
            outputs={"name": name, "version": target, "previous": current},
            state={"name": name, "to": target, "from": current},
        )
        if target == current:
            plan.notes.append(f"unchanged: version {target} of {name} is already AWSCURRENT ({why})")
        else:
            plan.changes.append(
                Change(
                    "update",
                    name,
                    f"make version {target} of {name} AWSCURRENT (was {current}; {why}; no new version is written)",
                    {"AWSCURRENT": {"from": current, "to": target}},
                )
            )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        _catalog(ctx).move_current(plan.state["name"], plan.state["to"], plan.state["from"])
        return Outcome(changes=list(plan.changes), outputs=dict(plan.outputs))


def readers(ctx: AppContext, matcher: Any, what: str) -> list[Any] | None:
    """The services whose current task definitions read ``what`` (``vegaops.refs.references``), or None
    when the environment has no cluster or the ECS reads were denied/unsupported (reported once; a
    deletion plan does not depend on it)."""
    from vegaops.refs import references

    cluster = ctx.settings.cluster
    if not cluster:
        return None
    try:
        found: list[Any] | None = ctx.enrichment.call(
            "ecs:DescribeServices/DescribeTaskDefinition",
            lambda: references(ctx, cluster, matcher, None),
            None,
            f"the services that read {what}",
        )
    except Exception as exc:  # a missing cluster, a bad answer: the deletion does not depend on it
        from vegaops.aws.errors import is_botocore_error, translate
        from vegaops.errors import VegaopsError

        if isinstance(exc, VegaopsError):
            message = exc.message
        elif is_botocore_error(exc):
            message = translate(exc).message
        else:
            raise
        ctx.output.warn(f"not checked which services read {what} (cluster {cluster}): {message}")
        return None
    return found


def reader_effects(found: list[Any] | None, gone: str, undo: str | None) -> dict[str, Any]:
    """A deletion plan's detail: which services read it (``read_by``) and what their next tasks do."""
    if found is None:
        return {}
    if not found:
        return {"read_by": "no service in the cluster"}
    by_service: dict[str, set[str]] = {}
    for ref in found:
        by_service.setdefault(ref.service, set()).update(ref.variables)
    return {
        "read_by": "; ".join(f"{svc} ({', '.join(sorted(v))})" for svc, v in sorted(by_service.items())),
        "next_tasks": (
            "running tasks keep the value they started with; new tasks of these services (a deploy, a "
            f"scale-out, a replaced task) fail to start (ResourceInitializationError) while {gone}"
            + (f"; {undo}" if undo else "")
        ),
    }

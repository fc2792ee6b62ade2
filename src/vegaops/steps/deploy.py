"""The records a deploy keeps, as steps (shown by ``--dry-run``, journaled): ``deploy.lock``,
``deploy.unlock``, ``ecs.record-outcomes``, ``ecs.tag-outcome`` and ``ecs.prune``.

- ``deploy.lock``: take the deploy lock of a service (an SSM parameter created with Overwrite=False). A lock
  held by a live, unexpired deploy refuses (exit 8); an expired one, or one whose process is gone, is taken
  over. Empty plan when this deploy holds it already. Outputs ``lock`` (its name) and ``holder``.
- ``deploy.unlock``: remove a service's deploy lock whoever holds it (after a crashed deploy).
- ``ecs.record-outcomes``: what earlier (maybe interrupted) deploys became, resolved from ECS and recorded on
  their revisions (a revision steady in the service succeeded): the running revision and newer ones (before a
  deploy moves the service), or the ``revisions`` given (those a rollback's search or ``deploy history``
  resolved). The only writer of resolved outcomes: ``vegaops.deploy.outcomes`` only reads.
- ``ecs.tag-outcome``: record a deployment's final verdict on its task definition (TagResource; enrichment:
  denied or unsupported is reported once, never the verdict). Empty plan when it is recorded already, or when
  the deployment has no final verdict.
- ``ecs.prune``: after a deployment succeeded, deregister the revisions beyond the newest ``keep`` (never the
  running one, one a deployment uses, or the rollback target). Failing to read or deregister never fails the
  deploy: reported and left.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from vegaops.deploy import core
from vegaops.deploy import verdict as vd
from vegaops.output.humanize import local_time
from vegaops.steps.base import Change, Outcome, Plan, Step

if TYPE_CHECKING:
    from vegaops.context import AppContext


# --- deploy.lock ----------------------------------------------------------------------------
@dataclass
class LockParams:
    service: str  # the ECS service name
    tag: str = ""  # what the deploy deploys (said to whoever finds the lock held)
    ttl: float = 1200.0  # seconds the lock stands if its deploy never releases it
    holder: dict[str, Any] = field(default_factory=dict)  # the exact holder record (default: this process, now)


class LockService(Step[LockParams]):
    id: ClassVar[str] = "deploy.lock"
    Params = LockParams
    bookkeeping = True
    outputs = ("lock", "holder")
    description = "take the deploy lock of a service (refused while another deploy holds it)"

    def _lock(self, ctx: AppContext) -> core.Lock:
        p = self.params
        lock = core.new_lock(ctx, p.service, p.tag, p.ttl)
        return core.Lock(lock.name, dict(p.holder) or lock.holder)

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        lock = self._lock(ctx)
        plan = Plan(step=self.id, outputs={"lock": lock.name, "holder": lock.holder}, state={"lock": lock})
        held = core.held_lock(ctx, p.service)
        if held is not None and held.holder == lock.holder:
            plan.notes.append(f"{p.service}: this deploy holds its deploy lock")
            return plan
        if held is not None and held.stands:
            if not ctx.options.dry_run:
                raise held.refusal(p.service)
            plan.notes.append(f"{held.refusal(p.service).message}: the deploy would be refused now")
        what = f"lock deploys of {p.service} until {local_time(lock.holder.get('expires'))}"
        if held is not None and not held.stands:
            why = "its process is gone" if held.dead else "expired"
            what += f" (taking over the lock of {held.holder.get('who')}: {why})"
        plan.changes.append(Change("create", lock.name, what, {"tag": p.tag or None}))
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        core.take_lock(ctx, plan.state["lock"], self.params.service)
        outcome.changes.extend(plan.changes)
        return outcome


# --- deploy.release -------------------------------------------------------------------------
@dataclass
class ReleaseParams:
    service: str  # the ECS service name
    holder: dict[str, Any] = field(default_factory=dict)  # the exact holder record the run's deploy.lock wrote


class ReleaseLock(Step[ReleaseParams]):
    """The end of a run that took a deploy lock: release it, whatever the verdict (an ``always`` step).

    Only the lock this run took (the same holder record) is released; another deploy's lock is left alone. It
    is planned when the run reaches it: before that the lock it releases does not exist yet."""

    id: ClassVar[str] = "deploy.release"
    Params = ReleaseParams
    bookkeeping = True
    plan_when_reached = True
    outputs = ("lock",)
    description = "release the deploy lock this run took"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        name = core.lock_name(ctx, p.service)
        plan = Plan(step=self.id, outputs={"lock": name})
        held = core.read_lock(ctx, p.service)
        if held is None:
            plan.notes.append(f"{p.service} is not locked")
        elif held != p.holder:
            plan.notes.append(f"{p.service}: the deploy lock is held by {held.get('who')}, not by this run: left alone")
        else:
            plan.changes.append(Change("delete", name, f"release the deploy lock of {p.service}"))
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        if core.release_lock(ctx, core.Lock(core.lock_name(ctx, self.params.service), dict(self.params.holder))):
            outcome.changes.extend(plan.changes)
        return outcome


# --- deploy.unlock --------------------------------------------------------------------------
@dataclass
class UnlockParams:
    service: str  # a service key from vegaops.toml or an ECS service name


class UnlockService(Step[UnlockParams]):
    id: ClassVar[str] = "deploy.unlock"
    Params = UnlockParams
    outputs = ("service", "lock")
    description = "remove a service's deploy lock (after a crashed deploy)"

    def plan(self, ctx: AppContext) -> Plan:
        service = core.service_name(ctx, self.params.service)
        held = core.read_lock(ctx, service)
        plan = Plan(step=self.id, outputs={"service": service, "lock": held}, state={"service": service})
        if held is None:
            plan.notes.append(f"{service} is not locked")
            return plan
        plan.changes.append(
            Change(
                "delete",
                core.lock_name(ctx, service),
                f"remove the deploy lock of {service} (held by {held.get('who')} since {held.get('at')})",
                {"tag": held.get("tag"), "expires": held.get("expires")},
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        outcome.outputs["lock"] = core.unlock(ctx, plan.state["service"])
        outcome.changes.extend(plan.changes)
        return outcome


# --- ecs.tag-outcome ------------------------------------------------------------------------
@dataclass
class TagOutcomeParams:
    service: str  # the ECS service name (or its key in vegaops.toml)
    task_definition: str  # the revision the deployment deployed
    deployment_id: str | None = None
    outcomes: dict[str, str] = field(default_factory=dict)  # service -> final outcome (``ecs.watch``'s ``final``)


class TagOutcome(Step[TagOutcomeParams]):
    id: ClassVar[str] = "ecs.tag-outcome"
    Params = TagOutcomeParams
    bookkeeping = True
    outputs = ("outcome",)
    description = "record the deployment's verdict on its task definition (deploy history, rollback targets)"

    def plan(self, ctx: AppContext) -> Plan:
        p = self.params
        # ``final`` is keyed by ECS service name, as every step names a service once resolved
        outcome = p.outcomes.get(core.service_name(ctx, p.service))
        plan = Plan(step=self.id, outputs={"outcome": outcome})
        if outcome not in vd.FINAL or outcome == vd.REACHED or not p.task_definition:  # reached: ECS goes on
            plan.notes.append(f"{p.service}: no final verdict to record")
            return plan
        try:
            tags = ctx.aws.ecs.describe_task_definition(p.task_definition).tags
        except Exception:  # unreadable tags (denied): write them; the write is enrichment too
            tags = {}
        if tags.get(core.OUTCOME_KEY) == outcome and (
            not p.deployment_id or tags.get(core.DEPLOYMENT_KEY) == p.deployment_id
        ):
            plan.notes.append(f"{vd.short_td(p.task_definition)}: {outcome} is recorded")
            return plan
        plan.changes.append(
            Change(
                "tag",
                p.task_definition,
                f"record {outcome} on {vd.short_td(p.task_definition)}"
                + (f" (deployment {p.deployment_id})" if p.deployment_id else ""),
                {core.OUTCOME_KEY: outcome, core.DEPLOYMENT_KEY: p.deployment_id},
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs=dict(plan.outputs))
        if plan.empty:
            return outcome
        p = self.params
        if core.tag_outcome(ctx, p.task_definition, str(plan.outputs["outcome"]), p.deployment_id):
            outcome.changes.extend(plan.changes)  # denied or failing: reported once, and not listed as written
        return outcome


# --- ecs.prune ------------------------------------------------------------------------------
@dataclass
class PruneParams:
    service: str  # the ECS service name
    task_definition: str  # the revision just deployed (its family is pruned)
    keep: int = 10
    outcomes: dict[str, str] | None = None  # service -> final outcome: pruned only after it succeeded


class PruneRevisions(Step[PruneParams]):
    id: ClassVar[str] = "ecs.prune"
    Params = PruneParams
    bookkeeping = True
    outputs = ("deregistered",)
    description = "deregister old task definition revisions beyond the newest ones kept"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.deploy.status import prunable

        p = self.params
        plan = Plan(step=self.id, outputs={"deregistered": []})
        if p.outcomes is not None and p.outcomes.get(p.service) != vd.SUCCEEDED:
            plan.notes.append(f"{p.service}: old revisions are pruned only after a deployment succeeded")
            return plan
        try:
            gone = prunable(ctx, p.service, p.keep, p.task_definition)
        except Exception as exc:  # cleanup must never turn a good deploy into a failure
            ctx.output.warn(f"{p.service}: old revisions not pruned: {exc}")
            return plan
        if not gone:
            return plan
        plan.state["arns"] = gone
        plan.changes.append(
            Change(
                "delete",
                p.service,
                f"deregister {len(gone)} old revision(s) of {p.service}, keeping the newest {p.keep}: "
                + ", ".join(vd.short_td(a) for a in gone),
                {"revisions": json.dumps([vd.short_td(a) for a in gone])},
            )
        )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        outcome = Outcome(outputs={"deregistered": []})
        if plan.empty:
            return outcome
        done: list[str] = []
        try:
            for arn in plan.state["arns"]:
                ctx.aws.ecs.deregister_task_definition(arn)
                done.append(vd.short_td(arn))
        except Exception as exc:  # cleanup must never turn a good deploy into a failure
            ctx.output.warn(f"{self.params.service}: old revisions not pruned: {exc}")
        outcome.outputs["deregistered"] = done
        if done:
            outcome.changes.extend(plan.changes)
        return outcome


# --- ecs.record-outcomes --------------------------------------------------------------------
@dataclass
class RecordOutcomesParams:
    service: str  # a service key from vegaops.toml or an ECS service name
    # the revisions to resolve and record (ARNs or family:revision); None: the running one and every newer one
    revisions: list[str] | None = None


class RecordOutcomes(Step[RecordOutcomesParams]):
    """What earlier (maybe interrupted) deploys of the service became, resolved from ECS and recorded on their
    revisions: by default the running revision and every newer one, before a deploy moves the service (a
    revision steady in the service succeeded and may be a rollback target later); or the ``revisions`` given.
    The plan is what ECS says now and is not on the revisions yet, so it is empty once recorded. Reading or
    writing failing never blocks a deploy: reported, left."""

    id: ClassVar[str] = "ecs.record-outcomes"
    Params = RecordOutcomesParams
    bookkeeping = True
    outputs = ()
    description = "record what earlier deploys of the service became (resolved from ECS)"

    def plan(self, ctx: AppContext) -> Plan:
        from vegaops.deploy.outcomes import Resolver, settle
        from vegaops.deploy.preflight import PLAN_CACHE_S

        service = core.service_name(ctx, self.params.service)
        revisions = self.params.revisions
        plan = Plan(step=self.id)
        if revisions is not None and not revisions:
            return plan
        try:
            cluster = ctx.settings.require_cluster()
            found, _missing = ctx.aws.ecs.describe_services(cluster, [service], max_age=PLAN_CACHE_S)
            svc = found.get(service)
            if svc is None:
                plan.notes.append(f"service {service} not found in cluster {cluster}: nothing to record")
                return plan
            rows = settle(ctx, service, svc) if revisions is None else Resolver(ctx, service, svc).outcomes(revisions)
        except Exception as exc:  # bookkeeping about the past never blocks a deploy
            ctx.output.warn(f"{service}: earlier deploy outcomes not resolved: {' '.join(str(exc).split())[:200]}")
            return plan
        pending = [r for r in rows if r.unrecorded]
        plan.state["rows"] = pending
        for r in pending:
            outcome = r.unrecorded.get(core.OUTCOME_KEY)
            what = f"record {outcome}" if outcome else f"record deployment {r.deployment_id}"
            plan.changes.append(
                Change(
                    "tag",
                    r.arn,
                    f"{what} on {vd.short_td(r.arn)} (resolved from {r.source})",
                    {k: v for k, v in r.unrecorded.items() if k != core.RESOLVED_KEY},
                )
            )
        return plan

    def apply(self, ctx: AppContext, plan: Plan) -> Outcome:
        from vegaops.deploy.outcomes import record_resolved

        outcome = Outcome()
        for r, change in zip(plan.state.get("rows", []), plan.changes, strict=True):
            try:
                written = record_resolved(ctx, r)  # denied or failing: reported once by the enrichment
            except Exception as exc:  # bookkeeping about the past never blocks a deploy
                ctx.output.warn(f"{vd.short_td(r.arn)}: outcome not recorded: {' '.join(str(exc).split())[:200]}")
                continue
            if written:  # the run's report and the journal list only what was written
                outcome.changes.append(change)
        return outcome

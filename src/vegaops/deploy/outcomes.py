"""What became of each task definition revision's deployment, from evidence only.

A revision's outcome is what vegaops recorded on it (tag ``vegaops:outcome``, written by the watch that
saw the verdict) or, when that is missing or not final (an interrupted deploy, a timed-out watch, a
deploy role that could not tag), what ECS still says about it:

1. ``DescribeServices``: a deployment of the revision is listed. PRIMARY, COMPLETED and the service's
   task definition -> ``succeeded`` (the deployment completed and the service stayed on it); still
   rolling out or rolling back -> not settled yet.
2. ``ListServiceDeployments`` (where the endpoint has it), for the deployment id recorded on the revision
   (``vegaops:deployment``, tagged as soon as UpdateService answers): SUCCESSFUL, ROLLBACK_SUCCESSFUL,
   ROLLBACK_FAILED, STOPPED.
3. The service's events for that deployment id: ``deployment completed`` / ``deployment failed`` /
   ``deployment stopped``.

Nothing else counts: a revision nobody saw settle is ``unknown`` and stays so; unknown is never good.
Outcome tags that are copies of another revision's (written by vegaops versions whose clones inherited
their parent's tags) are ignored.

Everything here only reads. What was resolved from ECS and is not on the revision yet is in each row's
``unrecorded``; writing it (TagResource, enrichment: denied -> reported once, the answer does not change)
is the ``ecs.record-outcomes`` step's, run through the engine, so a dry run shows it and the journal
records it (``deploy``, ``rollback``, ``deploy watch`` and ``deploy history`` run it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vegaops.aws.ecs import family_of, revision_of
from vegaops.cmdline import prog
from vegaops.deploy import core
from vegaops.deploy import verdict as vd
from vegaops.errors import NotFoundError, Refused

if TYPE_CHECKING:
    from vegaops.aws.ecs import TaskDefinition
    from vegaops.context import AppContext

UNKNOWN = "unknown"
STOPPED = "stopped"  # replaced by another deployment (or aborted) before it finished
IN_PROGRESS = vd.IN_PROGRESS
ROLLING_BACK = vd.ROLLING_BACK
# Outcomes that are final facts about a revision's last deployment. Anything else (no tag, unknown,
# timed out, interrupted, in progress) is resolved again from ECS when someone looks.
SETTLED = frozenset({vd.SUCCEEDED, vd.ROLLED_BACK, vd.FAILED, STOPPED, "superseded", "replaced"})
GOOD = frozenset({vd.SUCCEEDED})
# a command's resolver may reuse the layer's ListServiceDeployments answer this long (``deploy history`` reads,
# then its ``ecs.record-outcomes`` step resolves the same revisions again before writing)
REUSE_S = 5.0

# ServiceDeployment API status -> outcome (None: not finished yet)
SD_STATUS: dict[str, str | None] = {
    "SUCCESSFUL": vd.SUCCEEDED,
    "ROLLBACK_SUCCESSFUL": vd.ROLLED_BACK,
    "ROLLBACK_FAILED": vd.FAILED,
    "STOPPED": STOPPED,
    "PENDING": None,
    "IN_PROGRESS": None,
    "STOP_REQUESTED": None,
    "ROLLBACK_REQUESTED": None,
    "ROLLBACK_IN_PROGRESS": None,
}


@dataclass
class RevisionOutcome:
    arn: str
    revision: int
    td: TaskDefinition | None  # None: the revision could not be read
    outcome: str
    deployment_id: str | None = None
    source: str = "tag"  # tag | ecs:DescribeServices | ecs:ListServiceDeployments | ecs:events | none
    note: str | None = None  # e.g. why the row is incomplete
    unrecorded: dict[str, str] = field(default_factory=dict)  # tags resolved from ECS, not on the revision yet

    @property
    def good(self) -> bool:
        return self.outcome in GOOD

    @property
    def settled(self) -> bool:
        return self.outcome in SETTLED


def _tail(deployment_or_arn: str) -> str:
    return deployment_or_arn.rsplit("/", 1)[-1]


def _same(a: str, b: str) -> bool:
    return family_of(a) == family_of(b) and revision_of(a) == revision_of(b) is not None


class Resolver:
    """Outcomes of one service's revisions; reads ECS lazily and at most once per kind of evidence."""

    def __init__(self, ctx: AppContext, service: str, svc: Mapping[str, Any]) -> None:
        self.ctx = ctx
        self.service = service
        self.svc = svc
        self.ecs = ctx.aws.ecs
        self._sd: list[dict[str, Any]] | None = None
        self._sd_read = False

    # --- reading revisions ------------------------------------------------------------------
    def read(self, arn: str) -> tuple[TaskDefinition | None, str | None]:
        """The revision (with tags when allowed), or None and why it could not be read."""
        from vegaops.aws.optional import skip_kind

        enrich = self.ctx.enrichment
        try:
            return self.ecs.describe_task_definition(arn), None
        except Exception as exc:
            kind = skip_kind(exc)
            if kind is None:
                return None, f"unreadable: {' '.join(str(exc).split())[:120]}"
            first = exc
        # Reading tags needs ecs:ListTagsForResource as well: try without them.
        try:
            td = self.ecs.describe_task_definition(arn, tags=False)
        except Exception as exc:
            kind2 = skip_kind(exc)
            if kind2 is None:
                return None, f"unreadable: {' '.join(str(exc).split())[:120]}"
            enrich.record("ecs:DescribeTaskDefinition", kind2, "the outcomes of some revisions", exc)
            return None, f"unreadable (ecs:DescribeTaskDefinition {kind2})"
        enrich.record("ecs:ListTagsForResource", skip_kind(first) or "denied", "recorded outcomes (tags)", first)
        return td, "tags unreadable (ecs:ListTagsForResource)"

    # --- evidence ---------------------------------------------------------------------------
    def _service_deployments(self) -> list[dict[str, Any]]:
        if not self._sd_read:
            self._sd_read = True
            cluster = self.ctx.settings.require_cluster()
            got = self.ctx.enrichment.call(
                "ecs:ListServiceDeployments",
                lambda: self.ecs.list_service_deployments(cluster, self.service, max_results=100, max_age=REUSE_S),
                None,
                "outcomes of past deployments",
            )
            self._sd = [dict(d) for d in got or []]
        return self._sd or []

    def _from_service(self, arn: str, deployment_id: str | None) -> tuple[str | None, str | None]:
        """(outcome or IN_PROGRESS/ROLLING_BACK, deployment id) from DescribeServices, or (None, None)."""
        deployments = [d for d in self.svc.get("deployments", []) if _same(str(d.get("taskDefinition", "")), arn)]
        if not deployments:
            return None, None
        dep = next((d for d in deployments if d.get("id") == deployment_id), None) or max(
            deployments, key=lambda d: str(d.get("createdAt", ""))
        )
        dep_id = str(dep.get("id")) if dep.get("id") else None
        state = dep.get("rolloutState")
        alone = len(self.svc.get("deployments", [])) == 1
        if state == "COMPLETED":  # reached steady state (ACTIVE: completed, now being replaced)
            return vd.SUCCEEDED, dep_id
        if state == "FAILED":
            return (vd.FAILED if alone else ROLLING_BACK), dep_id
        return IN_PROGRESS, dep_id

    def _from_api(self, deployment_id: str) -> str | None:
        # The service deployment that started ``ecs-svc/N``: on AWS the service revision it created ends in N
        # (the deployment's own ARN has another id); endpoints that name the deployment ARN after N match
        # first. A revision may be targeted again later (e.g. a rollback to it): the oldest item created it.
        tail = _tail(deployment_id)
        items = self._service_deployments()
        for item in items:
            if _tail(str(item.get("serviceDeploymentArn", ""))) == tail:
                return SD_STATUS.get(str(item.get("status", "")))
        for item in reversed(items):  # newest first as listed: oldest first here
            if _tail(str(item.get("targetServiceRevisionArn", ""))) == tail:
                return SD_STATUS.get(str(item.get("status", "")))
        return None

    def _from_events(self, deployment_id: str) -> str | None:
        mine = re.compile(r"\(deployment " + re.escape(deployment_id) + r"\) deployment (completed|failed|stopped)")
        for event in self.svc.get("events", []):  # newest first
            m = mine.search(str(event.get("message", "")))
            if m is None:
                continue
            word = m.group(1)
            if word == "completed":
                return vd.SUCCEEDED
            if word == "stopped":
                return STOPPED
            # Failed: settled once ECS is no longer rolling it (the deployment left the service).
            listed = any(d.get("id") == deployment_id for d in self.svc.get("deployments", []))
            return None if listed else vd.ROLLED_BACK
        return None

    # --- the answer -------------------------------------------------------------------------
    def outcomes(self, arns: list[str]) -> list[RevisionOutcome]:
        """Outcomes of ``arns`` (one family, any order); unsettled ones resolved from ECS (not recorded)."""
        rows: list[RevisionOutcome] = []
        for arn in arns:
            td, note = self.read(arn)
            rev = revision_of(td.arn if td else arn) or 0
            if td is None:
                rows.append(RevisionOutcome(td.arn if td else arn, rev, None, UNKNOWN, None, "none", note))
                continue
            tagged = td.tags.get(core.OUTCOME_KEY)
            rows.append(
                RevisionOutcome(td.arn, rev, td, tagged or UNKNOWN, td.tags.get(core.DEPLOYMENT_KEY), "tag", note)
            )
        # Copies: an older vegaops cloned its parent's tags into a new revision. One deployment id belongs
        # to one revision: the oldest revision carrying it keeps it, newer ones lose outcome and id.
        owner: dict[str, int] = {}
        for r in rows:
            if r.deployment_id:
                owner[r.deployment_id] = min(owner.get(r.deployment_id, r.revision), r.revision)
        for r in rows:
            if r.deployment_id and owner[r.deployment_id] != r.revision:
                r.note = f"outcome tags copied from {family_of(r.arn)}:{owner[r.deployment_id]}, ignored"
                r.outcome, r.deployment_id, r.source = UNKNOWN, None, "none"
        for r in rows:
            if r.td is None or r.settled:
                continue
            self._resolve(r)
        return rows

    def _resolve(self, r: RevisionOutcome) -> None:
        found, dep_id = self._from_service(r.arn, r.deployment_id)
        learned_id = dep_id if dep_id and dep_id != r.deployment_id else None
        if dep_id:
            r.deployment_id = dep_id
        source = "ecs:DescribeServices"
        if found is None and r.deployment_id:
            found, source = self._from_api(r.deployment_id), "ecs:ListServiceDeployments"
            if found is None:
                found, source = self._from_events(r.deployment_id), "ecs:events"
        if found is not None:
            r.outcome, r.source = found, source
        elif r.outcome not in (UNKNOWN, vd.TIMED_OUT):
            r.outcome = UNKNOWN  # interrupted / in progress before, and ECS has nothing more to say now
        if r.settled and r.source != "tag":
            r.unrecorded = self._tags(r)
        elif learned_id:
            r.unrecorded = self._tags(r, outcome=False)

    def _tags(self, r: RevisionOutcome, outcome: bool = True) -> dict[str, str]:
        tags = {}
        if outcome:
            tags[core.OUTCOME_KEY] = r.outcome
            tags[core.RESOLVED_KEY] = f"{r.source} {self.ctx.clock.now().isoformat(timespec='seconds')}"
        if r.deployment_id:
            tags[core.DEPLOYMENT_KEY] = r.deployment_id
        return tags


def record_resolved(ctx: AppContext, r: RevisionOutcome) -> bool:
    """Write what was resolved from ECS about ``r`` on the revision (the ``ecs.record-outcomes`` step's apply):
    True when written (denied or failing: reported once as an enrichment, False)."""
    if not r.unrecorded:
        return False
    if not core.record_tags(ctx, r.arn, r.unrecorded, "recording resolved deploy outcomes on task definitions"):
        return False
    r.unrecorded = {}
    return True


def settle(ctx: AppContext, service: str, svc: Mapping[str, Any]) -> list[RevisionOutcome]:
    """The outcomes of the running revision and every newer one, resolved from ECS: what an interrupted
    deploy left behind. Cheap: the family's revision list and the few newest revisions."""
    running = str(svc.get("taskDefinition", ""))
    if not running:
        return []
    current = revision_of(running) or 0
    arns = [a for a in ctx.aws.ecs.list_task_definitions(family_of(running)) if (revision_of(a) or 0) >= current]
    return Resolver(ctx, service, svc).outcomes(arns[:10])


@dataclass(frozen=True)
class RollbackTarget:
    """Where a rollback goes, and the revisions whose outcomes the search resolved from ECS and are not
    recorded yet (what the ``ecs.record-outcomes`` step after the rollback writes)."""

    arn: str
    resolved: tuple[str, ...] = ()


def rollback_target(
    ctx: AppContext, service: str, svc: Mapping[str, Any], to_revision: int | None, explain: bool = True
) -> RollbackTarget:
    """``family:to_revision``, else the newest revision older than the running one whose deployment is
    known to have succeeded (recorded, or resolved from ECS now). Unknown or failed outcomes never qualify.
    """
    ecs = ctx.aws.ecs
    current = str(svc.get("taskDefinition", ""))
    family = family_of(current)
    if to_revision is not None:
        return _explicit_target(ctx, service, svc, family, to_revision)
    running = revision_of(current) or 0
    older = [a for a in ecs.list_task_definitions(family) if (revision_of(a) or 0) < running]
    if not older:
        raise NotFoundError(
            f"{service}: no revision of {family} older than the running {vd.short_td(current)}",
            hint=f"nothing to roll back to; pass --to REVISION (see: {prog()} deploy history {service})",
        )
    rows = Resolver(ctx, service, svc).outcomes(older[:ROLLBACK_WINDOW])
    for i, row in enumerate(rows):
        if row.good and row.td is not None:
            for skipped in rows[:i] if explain else []:  # say which newer revisions were passed over, and why
                why = skipped.outcome + (f": {skipped.note}" if skipped.note else "")
                ctx.output.warn(f"{service}: not rolling back to {family}:{skipped.revision} ({why})")
            return RollbackTarget(row.td.arn, tuple(r.arn for r in rows if r.unrecorded))
    seen = ", ".join(f"{family}:{r.revision} {r.outcome}" + (f" ({r.note})" if r.note else "") for r in rows[:5])
    raise Refused(
        f"{service}: no revision older than {vd.short_td(current)} is known to have deployed successfully "
        f"({seen}{', ...' if len(rows) > 5 else ''}); vegaops does not roll back to an unknown or failed revision",
        hint=f"check {prog()} deploy history {service}, then choose one: {prog()} rollback {service} --to REVISION",
    )


ROLLBACK_WINDOW = 20  # older revisions considered for an automatic rollback target


def _explicit_target(
    ctx: AppContext, service: str, svc: Mapping[str, Any], family: str, revision: int
) -> RollbackTarget:
    from vegaops.aws.errors import error_code

    ecs = ctx.aws.ecs
    try:
        td = ecs.describe_task_definition(f"{family}:{revision}")
    except Exception as exc:
        code = error_code(exc) or ""
        if code in ("ClientException", "InvalidParameterException") or "unable to describe" in str(exc).lower():
            raise NotFoundError(
                f"task definition {family}:{revision} not found (rollback of {service})",
                hint=f"see the revisions: {prog()} deploy history {service}",
            ) from None
        raise
    row = Resolver(ctx, service, svc).outcomes([td.arn])[0]
    running = str(svc.get("taskDefinition", ""))
    if not row.good and not (running == td.arn or _same(running, td.arn)):
        ctx.output.warn(f"{family}:{revision}: its last deployment outcome is {row.outcome}; rolling back as asked")
    return RollbackTarget(td.arn, (td.arn,) if row.unrecorded else ())

"""Pure rollout verdicts: snapshots of one service + the deployment we started -> what happened.

The rule that matters most: success means *our* deployment completed on *our* task definition with
every task running and every target healthy. A service that is stable again on the old task definition
after a circuit-breaker rollback is a failure (exit 5), never a success.

Every way a rollout ends, from DescribeServices alone (the ServiceDeployment status, where the caller
could read it, is a second opinion that never outranks what the service says):
- ``succeeded`` (0): our deployment completed on our task definition (desired count 0 included);
- ``rolled_back`` (5): our deployment failed (circuit breaker, CloudWatch alarm, a rollback we asked for)
  and the rollback deployment completed; an alarm rollback names the alarm;
- ``failed`` (7): failed and not recovered: the rollback is off, or the rollback deployment failed too
  (its rolloutState FAILED, a "deployment failed" event, its failed tasks reaching the breaker threshold,
  or ServiceDeployment status ROLLBACK_FAILED), reported as soon as that is visible;
- ``superseded`` (8): another deployment of another task definition replaced ours while it was not
  failing (someone else's deploy): never success, the verdict names what replaced it;
- ``timed_out`` (6), ``interrupted`` (130).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from vegaops.deploy.snapshot import Deployment, Snapshot, StoppedTask, Target

IN_PROGRESS = "in_progress"
ROLLING_BACK = "rolling_back"
SUCCEEDED = "succeeded"
ROLLED_BACK = "rolled_back"
FAILED = "failed"  # failed and not recovered: needs a human
SUPERSEDED = "superseded"  # replaced by another deployment of another task definition
TIMED_OUT = "timed_out"
INTERRUPTED = "interrupted"
REACHED = "reached"  # --wait-until: the deployment reached the stage healthy and goes on in ECS

EXIT_CODES = {REACHED: 0, SUCCEEDED: 0, ROLLED_BACK: 5, TIMED_OUT: 6, FAILED: 7, SUPERSEDED: 8, INTERRUPTED: 130}
FINAL = frozenset(EXIT_CODES)

# How many stopped tasks with the same deterministic reason make a deployment "failing fast".
FAIL_FAST_AFTER = 2


@dataclass(frozen=True)
class Verdict:
    outcome: str
    reasons: tuple[str, ...] = ()
    rollback_to: str | None = None  # the task definition the service went back to
    failing: str | None = None  # fail-fast reason (tasks of our deployment keep failing)
    waiting_for: str | None = None
    details: dict[str, int] = field(default_factory=dict)  # stopped-task reason -> count
    alarms: tuple[str, ...] = ()  # the CloudWatch alarm(s) that failed the deployment
    superseded_by: dict[str, str] = field(default_factory=dict)  # deployment, task_definition (, started_by)

    @property
    def final(self) -> bool:
        return self.outcome in FINAL

    @property
    def exit_code(self) -> int | None:
        return EXIT_CODES.get(self.outcome)


def task_failure_reason(task: StoppedTask) -> str | None:
    """A deterministic failure reason for a stopped task, or None (scale-in, user stop, Spot, unknown).

    The cause comes from ``vegaops.diagnosis`` (the same words ``debug`` uses): ELB and container health
    check failures before exit codes (ECS kills those tasks: exit 137 is not OOM), start-up failures split
    by what they say, then the containers."""
    from vegaops.diagnosis import ContainerState, TaskStop, classify_task, is_sidecar

    several = len(task.containers) > 1
    stop = TaskStop(
        stop_code=task.stop_code,
        stopped_reason=task.stopped_reason,
        containers=tuple(
            ContainerState(name, code, reason, sidecar=several and is_sidecar(name, None))
            for name, code, reason in task.containers
        ),
    )
    cause = classify_task(stop)
    if cause is None or not cause.deterministic:
        return None
    # one reason per cause, whatever task or container ids the message carries (fail-fast counts these)
    return re.sub(r"\b[0-9a-f]{12,64}\b", "...", cause.reason)


def failure_counts(snap: Snapshot, deployment_id: str) -> Counter[str]:
    counts: Counter[str] = Counter()
    for task in snap.stopped:
        if task.deployment_id not in (None, deployment_id):
            continue
        reason = task_failure_reason(task)
        if reason:
            counts[reason] += 1
    return counts


def _fail_fast(counts: Counter[str]) -> str | None:
    if not counts:
        return None
    reason, count = counts.most_common(1)[0]
    return f"{reason} ({count} tasks)" if count >= FAIL_FAST_AFTER else None


def _targets_ok(snap: Snapshot) -> bool:
    if snap.targets is None:
        return True
    bad = sum(n for state, n in snap.targets.items() if state in ("initial", "unhealthy", "unavailable"))
    return bad == 0 and snap.targets.get("healthy", 0) >= min(1, snap.desired)


def _targets_text(snap: Snapshot) -> str:
    if not snap.targets:
        return ""
    return ", targets " + " ".join(f"{n} {s}" for s, n in sorted(snap.targets.items()))


def _steady(snap: Snapshot, d: Deployment) -> bool:
    return len(snap.deployments) == 1 and d.running >= d.desired and d.pending == 0 and snap.running >= snap.desired


def waiting_for(snap: Snapshot, target: Target) -> str:
    """A human line saying what the rollout is waiting for."""
    if snap.status == "MISSING":
        return "the service (not found)"
    ours = snap.deployment(target.deployment_id)
    if ours is None:
        primary = snap.primary
        if primary is None:
            return "a deployment to appear"
        return (
            f"deployment {primary.id} ({primary.rollout_state or 'unknown'}) on "
            f"{short_td(primary.task_definition)}: running {primary.running}/{primary.desired}"
        )
    parts = [f"deployment {ours.id} {ours.rollout_state or ours.status}: running {ours.running}/{ours.desired}"]
    if ours.pending:
        parts.append(f"pending {ours.pending}")
    if ours.failed:
        parts.append(f"failed {ours.failed}")
    others = [d for d in snap.deployments if d.id != ours.id and d.running]
    if others:
        parts.append(f"old tasks still running {sum(d.running for d in others)}")
    text = ", ".join(parts) + _targets_text(snap)
    return text


def short_td(task_definition: str | None) -> str:
    return (task_definition or "-").rsplit("/", 1)[-1]


def assess(target: Target, history: Sequence[Snapshot], requested: bool = False) -> Verdict:
    """The verdict after the latest snapshot (earlier ones: what our deployment was last seen as, events).

    ``requested``: the watcher itself asked for a rollback (``--rollback-on-failure``)."""
    if not history:
        return Verdict(IN_PROGRESS, waiting_for="the first poll")
    snap = history[-1]
    counts = failure_counts(snap, target.deployment_id)
    failing = _fail_fast(counts)
    details = dict(counts)
    if snap.status in ("MISSING", "INACTIVE", "DRAINING"):
        return Verdict(
            FAILED, (f"service {snap.service} is {snap.status.lower()} during the deployment",), details=details
        )

    sd = snap.service_deployment_status
    ours = snap.deployment(target.deployment_id)
    primary = snap.primary
    if sd == "ROLLBACK_FAILED":
        return Verdict(
            FAILED,
            (
                f"deployment {target.deployment_id} failed and its rollback failed too",
                *((f"tasks: {failing}",) if failing else ()),
            ),
            failing=failing,
            details=details,
        )

    if ours is not None and ours.rollout_state != "FAILED" and (ours.status == "PRIMARY" or primary is None):
        completed = ours.rollout_state == "COMPLETED" or (ours.rollout_state is None and _steady(snap, ours))
        on_ours = not target.task_definition or short_td(ours.task_definition) == short_td(target.task_definition)
        if completed and on_ours and ours.running >= ours.desired and _targets_ok(snap):
            return Verdict(
                SUCCEEDED,
                (
                    f"deployment {ours.id} completed: {ours.running}/{ours.desired} tasks "
                    f"running {short_td(ours.task_definition)}" + _targets_text(snap),
                ),
                details=details,
            )
        if failing is None and ours.failed >= breaker_threshold(ours.desired or snap.desired):
            # As many failed tasks as trip ECS's breaker, from DescribeServices alone (the stopped tasks'
            # reasons may be unreadable: ecs:ListTasks denied): failing, whatever the reasons.
            failing = f"tasks keep failing, their stop reasons not read ({ours.failed} tasks)"
        if failing and snap.rollback_enabled is False:
            return Verdict(
                FAILED,
                (
                    f"tasks of deployment {ours.id} keep failing: {failing}",
                    "the circuit breaker rollback is off: the service needs a human",
                ),
                failing=failing,
                details=details,
            )
        return Verdict(IN_PROGRESS, failing=failing, waiting_for=waiting_for(snap, target), details=details)

    # Our deployment failed, or it is no longer the primary one / gone.
    seen = ours or _last_seen(history, target.deployment_id)
    rollback = primary if primary is not None and (ours is None or primary.id != ours.id) else None
    alarms = _alarms(history, target.deployment_id, seen)
    why = _failure_text(seen, target, failing, gone=ours is None, alarms=alarms)
    if rollback is None:
        if ours is not None and ours.rollout_state == "FAILED":
            off = (
                "the rollback is off (alarms.rollback false)"
                if alarms and snap.alarm_rollback is False
                else "the circuit breaker rollback is off or failed"
            )
            return Verdict(
                FAILED,
                (*why, f"no rollback deployment: {off}; the service needs a human"),
                failing=failing,
                details=details,
                alarms=alarms,
            )
        return Verdict(IN_PROGRESS, failing=failing, waiting_for=waiting_for(snap, target), details=details)
    ours_failed = (seen is not None and seen.rollout_state == "FAILED") or (sd or "").startswith("ROLLBACK")
    if rollback.task_definition == target.task_definition and ours is None and not ours_failed:
        # Superseded by another deployment of the very same task definition (e.g. a re-run with --force).
        # Not when ours had failed: then it is the breaker's rollback (a forced redeploy rolls back to the
        # same task definition) and the tasks that failed were ours.
        if rollback.rollout_state == "COMPLETED" and rollback.running >= rollback.desired and _targets_ok(snap):
            return Verdict(
                SUCCEEDED,
                (
                    f"deployment {rollback.id} of {short_td(rollback.task_definition)} completed "
                    f"(superseded {target.deployment_id})",
                ),
                details=details,
            )
        return Verdict(IN_PROGRESS, waiting_for=waiting_for(snap, target), details=details)
    if not _failed_or_rolled_back(history, target, seen, rollback, requested) and (
        seen is not None or not _same_td(rollback.task_definition, target.previous_task_definition)
    ):
        # Replaced while it was not failing: someone else's deployment (never a success, never a rollback).
        return Verdict(
            SUPERSEDED,
            (
                f"deployment {target.deployment_id} of {short_td(target.task_definition)} was superseded by "
                f"deployment {rollback.id} of {short_td(rollback.task_definition)} "
                f"({(rollback.rollout_state or rollback.status).lower()}), not started by this watch",
            ),
            failing=failing,
            details=details,
            superseded_by={"deployment": rollback.id, "task_definition": rollback.task_definition},
        )
    to = short_td(rollback.task_definition)
    rollback_failed = _rollback_failed(history, snap, rollback)
    if rollback_failed:
        return Verdict(
            FAILED,
            (*why, f"the rollback deployment {rollback.id} to {to} failed too: {rollback_failed}"),
            rollback_to=rollback.task_definition,
            failing=failing,
            details=details,
            alarms=alarms,
        )
    done = (
        rollback.rollout_state == "COMPLETED"
        or (rollback.rollout_state is None and _steady(snap, rollback))
        or sd == "ROLLBACK_SUCCESSFUL"
    )
    if done and rollback.running >= rollback.desired:
        return Verdict(
            ROLLED_BACK,
            (*why, f"rolled back to {to} by deployment {rollback.id} ({rollback.running}/{rollback.desired} running)"),
            rollback_to=rollback.task_definition,
            failing=failing,
            details=details,
            alarms=alarms,
        )
    return Verdict(
        ROLLING_BACK,
        why,
        rollback_to=rollback.task_definition,
        failing=failing,
        waiting_for=f"rollback to {to}: "
        + waiting_for(snap, Target(snap.service, rollback.id, rollback.task_definition)),
        details=details,
        alarms=alarms,
    )


def breaker_threshold(desired: int) -> int:
    """ECS's deployment circuit breaker: 0.5 x desired failed tasks, at least 3, at most 200."""
    return min(max(math.ceil(0.5 * desired), 3), 200)


def _same_td(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and short_td(a) == short_td(b)


_FAILED_EVENT = re.compile(r"deployment failed|rolling back|rolled back|circuit breaker", re.IGNORECASE)
_ROLLBACK_REASON = re.compile(r"rolling back|roll(ed|ing)? ?back|circuit breaker", re.IGNORECASE)


def _events(history: Sequence[Snapshot]) -> list[str]:
    """Every service event message seen during the watch (each once, newest snapshot first)."""
    out: dict[str, None] = {}
    for snap in reversed(history):
        for e in snap.events:
            out.setdefault(e, None)
    return list(out)


def _failed_or_rolled_back(
    history: Sequence[Snapshot], target: Target, seen: Deployment | None, rollback: Deployment, requested: bool
) -> bool:
    """Evidence that our deployment failed (or a rollback of it was asked for), rather than being replaced."""
    if requested or (seen is not None and seen.rollout_state == "FAILED"):
        return True
    sd = history[-1].service_deployment_status
    if sd and sd.startswith("ROLLBACK_"):
        return True
    if rollback.rollout_reason and _ROLLBACK_REASON.search(rollback.rollout_reason):
        return True
    return any(target.deployment_id in e and _FAILED_EVENT.search(e) for e in _events(history))


def _rollback_failed(history: Sequence[Snapshot], snap: Snapshot, rollback: Deployment) -> str | None:
    """Why the rollback deployment itself failed, as soon as DescribeServices shows it (None: it did not)."""
    if rollback.rollout_state == "FAILED":
        return f"rolloutState FAILED{': ' + rollback.rollout_reason if rollback.rollout_reason else ''}"
    if snap.service_deployment_status == "ROLLBACK_FAILED":
        return "ServiceDeployment status ROLLBACK_FAILED"
    for e in _events(history):
        if rollback.id in e and "deployment failed" in e.lower():
            return f"ECS: {e}"
    threshold = breaker_threshold(rollback.desired or snap.desired)
    if snap.rollback_enabled and rollback.failed >= threshold:
        return f"{rollback.failed} of its tasks failed (circuit breaker threshold {threshold})"
    return None


def _alarms(history: Sequence[Snapshot], deployment_id: str, seen: Deployment | None) -> tuple[str, ...]:
    """The CloudWatch alarm(s) that failed our deployment, when ECS says an alarm did."""
    texts = [seen.rollout_reason or ""] if seen is not None else []
    texts += [e for e in _events(history) if deployment_id in e]
    joined = " ".join(texts)
    if not re.search(r"\balarms?\b", joined, re.IGNORECASE):
        return ()
    configured = {a for s in history for a in s.alarms}
    named = tuple(sorted(a for a in configured if a in joined))
    if named:
        return named
    # ECS names the alarm in the reason or the event; otherwise it was one of the configured ones.
    return tuple(sorted(configured)) or ("a deployment alarm",)


def _last_seen(history: Sequence[Snapshot], deployment_id: str) -> Deployment | None:
    for snap in reversed(history):
        found = snap.deployment(deployment_id)
        if found is not None:
            return found
    return None


def _failure_text(
    ours: Deployment | None, target: Target, failing: str | None, gone: bool, alarms: tuple[str, ...] = ()
) -> tuple[str, ...]:
    lines: list[str] = []
    if ours is None or (gone and ours.rollout_state != "FAILED"):
        lines.append(f"deployment {target.deployment_id} of {short_td(target.task_definition)} is gone")
    else:
        reason = f": {ours.rollout_reason}" if ours.rollout_reason else ""
        lines.append(
            f"deployment {ours.id} of {short_td(ours.task_definition)} "
            f"{(ours.rollout_state or ours.status).lower()}{reason}"
        )
    if alarms:
        lines.append(f"CloudWatch alarm {', '.join(alarms)} went into ALARM during the deployment")
    if failing:
        lines.append(f"tasks failed: {failing}")
    return tuple(lines)


def timed_out(target: Target, history: Sequence[Snapshot], timeout: float, requested: bool = False) -> Verdict:
    """The verdict when the watch ran out of time while the rollout was still in progress."""
    current = assess(target, history, requested)
    what = current.waiting_for or "the deployment to finish"
    reasons = [f"timed out after {timeout:g}s waiting for {what}"]
    if current.failing:
        reasons.append(f"tasks failed: {current.failing}")
    return Verdict(
        TIMED_OUT,
        tuple(reasons),
        rollback_to=current.rollback_to,
        failing=current.failing,
        waiting_for=what,
        details=current.details,
    )

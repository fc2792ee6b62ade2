"""Verdicts: pure functions over what one poll saw of one service. No AWS calls, no clock.

The rule that matters: success means *our* deployment (the id UpdateService returned) COMPLETED, with
running == desired and healthy targets. A service that is stable again on the old task definition after the
circuit breaker rolled our deployment back is a failure (exit 5), never a success.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from vegaops.errors import ExitCode


@dataclass(frozen=True)
class Deployment:
    id: str
    status: str  # PRIMARY | ACTIVE | INACTIVE
    rollout: str  # IN_PROGRESS | COMPLETED | FAILED
    reason: str
    task_definition: str
    desired: int
    running: int
    pending: int
    failed: int

    @classmethod
    def from_api(cls, d: dict[str, Any]) -> Deployment:
        return cls(d["id"], d.get("status", ""), d.get("rolloutState", "COMPLETED"), d.get("rolloutStateReason", ""),
                   d.get("taskDefinition", ""), int(d.get("desiredCount", 0)), int(d.get("runningCount", 0)),
                   int(d.get("pendingCount", 0)), int(d.get("failedTasks", 0)))


@dataclass(frozen=True)
class StoppedTask:
    id: str
    deployment: str
    stop_code: str
    reason: str
    exit_codes: tuple[int | None, ...] = ()
    container_reasons: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, t: dict[str, Any]) -> StoppedTask:
        containers = t.get("containers", [])
        return cls(t["taskArn"].rsplit("/", 1)[-1], t.get("startedBy", ""), t.get("stopCode", ""),
                   t.get("stoppedReason", ""), tuple(c.get("exitCode") for c in containers),
                   tuple(c.get("reason", "") for c in containers if c.get("reason")))

    @property
    def cause(self) -> str | None:
        """The deterministic failure class of this stop, or None for a normal stop (scaling, draining)."""
        text = " ".join((self.reason, *self.container_reasons))
        for marker in ("CannotPullContainerError", "ResourceInitializationError", "OutOfMemoryError"):
            if marker in text:
                return marker
        if 137 in self.exit_codes:
            return "OutOfMemoryError"
        if "ELB health checks" in text:
            return "failed ELB health checks"
        if self.stop_code == "EssentialContainerExited" or "Essential container" in text:
            code = next((c for c in self.exit_codes if c), None)
            return f"essential container exited (exit code {code})" if code is not None else \
                "essential container exited"
        if self.stop_code == "TaskFailedToStart":
            return "task failed to start"
        return None


@dataclass(frozen=True)
class Target:
    id: str
    state: str
    reason: str = ""


@dataclass(frozen=True)
class Observation:
    """One poll of one service."""

    status: str  # service status: ACTIVE | DRAINING | INACTIVE
    desired: int
    running: int
    pending: int
    deployments: tuple[Deployment, ...]
    stopped: tuple[StoppedTask, ...] = ()  # stopped tasks of our deployment seen so far
    targets: tuple[Target, ...] | None = None  # None: not checked, or no target group
    breaker: bool = True  # circuit breaker enabled on the service

    def find(self, deployment_id: str) -> Deployment | None:
        return next((d for d in self.deployments if d.id == deployment_id), None)

    @property
    def primary(self) -> Deployment | None:
        return next((d for d in self.deployments if d.status == "PRIMARY"), None)


@dataclass(frozen=True)
class Verdict:
    outcome: str  # succeeded | rolled_back | failed | failing | timed_out
    exit_code: int
    reason: str
    details: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.exit_code == 0


def _td(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def failure_causes(stopped: tuple[StoppedTask, ...]) -> Counter[str]:
    return Counter(c for c in (t.cause for t in stopped) if c)


def fail_fast(obs: Observation, threshold: int = 2) -> str | None:
    """A deterministic cause that keeps stopping our tasks (``threshold`` times), or None."""
    causes = failure_causes(obs.stopped)
    if not causes:
        return None
    cause, count = causes.most_common(1)[0]
    return cause if count >= threshold else None


def _stop_detail(obs: Observation) -> tuple[str, ...]:
    causes = failure_causes(obs.stopped)
    return tuple(f"{n} task{'s' if n != 1 else ''} stopped: {cause}" for cause, n in causes.most_common())


def judge(ours_id: str, ours_td: str, obs: Observation, elapsed: float, timeout: float,
          rolling_back: bool = False) -> Verdict | None:
    """The verdict for our deployment, or None while it is still undecided.

    ``rolling_back``: we asked ECS to stop our deployment with a rollback; wait for that instead of failing fast.
    """
    ours = obs.find(ours_id)
    primary = obs.primary
    details = _stop_detail(obs)

    if ours is None or ours.status != "PRIMARY":
        # Our deployment is gone or no longer primary: something replaced it.
        if primary is None:
            return None
        if primary.task_definition != ours_td or (ours is not None and ours.rollout == "FAILED"):
            if primary.rollout == "COMPLETED":
                return Verdict("rolled_back", ExitCode.FAILED,
                               f"deployment {ours_id} was rolled back to {_td(primary.task_definition)}"
                               + (f" ({primary.reason})" if primary.reason else ""), details)
            if primary.rollout == "FAILED":
                return Verdict("failed", ExitCode.NEEDS_HUMAN,
                               f"deployment {ours_id} failed and the rollback to {_td(primary.task_definition)} "
                               f"failed too: {primary.reason}", details)
            return _timeout(obs, elapsed, timeout, f"the rollback to {_td(primary.task_definition)} to finish")
        if primary.rollout == "COMPLETED" and obs.running >= obs.desired:
            return Verdict("succeeded", ExitCode.OK,
                           f"{_td(ours_td)} is running (deployment {primary.id} superseded {ours_id})", details)
        return _timeout(obs, elapsed, timeout, f"deployment {primary.id} (which superseded ours) to complete")

    if ours.rollout == "FAILED":
        others = [d for d in obs.deployments if d.id != ours_id and d.rollout != "FAILED"]
        if not others:
            return Verdict("failed", ExitCode.NEEDS_HUMAN,
                           f"deployment {ours_id} failed and nothing rolled it back: {ours.reason}", details)
        return _timeout(obs, elapsed, timeout, "the rollback to finish")

    if ours.rollout == "COMPLETED":
        if ours.running < ours.desired or obs.running < obs.desired:
            return _timeout(obs, elapsed, timeout, f"{ours.desired} tasks running (now {ours.running})")
        if obs.targets is not None:
            bad = [t for t in obs.targets if t.state != "healthy"]
            if bad or not obs.targets:
                return _timeout(obs, elapsed, timeout, "healthy targets")
        return Verdict("succeeded", ExitCode.OK, f"deployment {ours_id} completed: {ours.running}/{ours.desired} "
                                                 f"tasks of {_td(ours_td)} running", details)

    cause = fail_fast(obs)
    if cause and not obs.breaker and not rolling_back:
        return Verdict("failing", ExitCode.FAILED,
                       f"tasks of deployment {ours_id} keep failing ({cause}); the service has no circuit breaker, "
                       "so ECS will keep retrying", details)
    return _timeout(obs, elapsed, timeout, f"{ours.desired} tasks of {_td(ours_td)} running and healthy "
                                           f"(running {ours.running}, pending {ours.pending}, failed {ours.failed})")


def _timeout(obs: Observation, elapsed: float, timeout: float, waiting_for: str) -> Verdict | None:
    if elapsed < timeout:
        return None
    return Verdict("timed_out", ExitCode.TIMEOUT, f"timed out after {elapsed:.0f}s waiting for {waiting_for}",
                   _stop_detail(obs))

"""Verdicts over recorded snapshot sequences: every outcome, and never success for a rolled-back deploy."""

from __future__ import annotations

from vegaops.deploy.verdict import Deployment, Observation, StoppedTask, Target, Verdict, fail_fast, judge

OLD = "arn:aws:ecs:eu-central-1:1:task-definition/vega-api:7"
NEW = "arn:aws:ecs:eu-central-1:1:task-definition/vega-api:8"
OURS = "ecs-svc/111"
PREV = "ecs-svc/100"
BACK = "ecs-svc/222"


def dep(id_: str, td: str, status: str = "PRIMARY", rollout: str = "IN_PROGRESS", running: int = 0,
        pending: int = 0, failed: int = 0, desired: int = 2, reason: str = "") -> Deployment:
    return Deployment(id_, status, rollout, reason, td, desired, running, pending, failed)


def obs(*deployments: Deployment, running: int = 2, desired: int = 2, stopped: tuple[StoppedTask, ...] = (),
        targets: tuple[Target, ...] | None = None, breaker: bool = True) -> Observation:
    return Observation("ACTIVE", desired, running, 0, deployments, stopped, targets, breaker)


def crash(n: int, code: int = 1) -> tuple[StoppedTask, ...]:
    return tuple(StoppedTask(f"t{i}", OURS, "EssentialContainerExited", "Essential container in task exited",
                             (code,)) for i in range(n))


def run(sequence: list[Observation], timeout: float = 900.0, step: float = 2.0) -> tuple[Verdict | None, int]:
    """Judge each poll in turn like the watcher does; the first verdict and the poll it came at."""
    for i, o in enumerate(sequence):
        v = judge(OURS, NEW, o, i * step, timeout)
        if v is not None:
            return v, i
    return None, len(sequence)


HEALTHY = (Target("10.0.0.1", "healthy"), Target("10.0.0.2", "healthy"))


def test_success_needs_our_deployment_completed_running_and_healthy_targets() -> None:
    v, at = run([
        obs(dep(OURS, NEW), dep(PREV, OLD, "ACTIVE", "COMPLETED", running=2)),
        obs(dep(OURS, NEW, running=2), dep(PREV, OLD, "ACTIVE", "COMPLETED", running=2), running=4),
        obs(dep(OURS, NEW, rollout="COMPLETED", running=2), targets=(Target("a", "healthy"), Target("b", "initial"))),
        obs(dep(OURS, NEW, rollout="COMPLETED", running=2), targets=HEALTHY),
    ])
    assert v is not None and (v.outcome, v.exit_code, at) == ("succeeded", 0, 3)


def test_breaker_rollback_is_a_failure_even_when_the_service_is_stable_again() -> None:
    """The classic lie: services-stable is true again (on the OLD task definition)."""
    v, _ = run([
        obs(dep(OURS, NEW, failed=1), dep(PREV, OLD, "ACTIVE", "COMPLETED", running=2)),
        obs(dep(OURS, NEW, rollout="FAILED", failed=3), dep(PREV, OLD, "ACTIVE", "COMPLETED", running=2)),
        obs(dep(BACK, OLD, running=1, pending=1), dep(OURS, NEW, "ACTIVE", "FAILED", failed=3)),
        obs(dep(BACK, OLD, rollout="COMPLETED", running=2, reason="ECS deployment ecs-svc/222 completed."),
            targets=HEALTHY),
    ])
    assert v is not None
    assert (v.outcome, v.exit_code) == ("rolled_back", 5)
    assert "rolled back to vega-api:7" in v.reason


def test_rollback_in_progress_is_not_decided_yet() -> None:
    v, _ = run([obs(dep(BACK, OLD, running=1, pending=1), dep(OURS, NEW, "ACTIVE", "FAILED", failed=3))])
    assert v is None


def test_failed_with_rollback_off_needs_a_human() -> None:
    v, _ = run([obs(dep(OURS, NEW, rollout="FAILED", failed=3, reason="circuit breaker: tasks failed to start."))])
    assert v is not None and (v.outcome, v.exit_code) == ("failed", 7)


def test_rollback_that_fails_too_needs_a_human() -> None:
    v, _ = run([obs(dep(BACK, OLD, rollout="FAILED", reason="rollback failed"),
                    dep(OURS, NEW, "ACTIVE", "FAILED", failed=3))])
    assert v is not None and (v.outcome, v.exit_code) == ("failed", 7)


def test_timeout_says_what_it_waited_for() -> None:
    v, at = run([obs(dep(OURS, NEW, running=1, pending=1))] * 5, timeout=5.0)
    assert v is not None and (v.outcome, v.exit_code, at) == ("timed_out", 6, 3)
    assert "running and healthy" in v.reason and "running 1" in v.reason


def test_fail_fast_names_the_deterministic_cause() -> None:
    pull = tuple(StoppedTask(f"t{i}", OURS, "TaskFailedToStart",
                             "CannotPullContainerError: pull image manifest has been retried") for i in range(2))
    assert fail_fast(obs(dep(OURS, NEW, failed=2), stopped=pull)) == "CannotPullContainerError"
    assert fail_fast(obs(dep(OURS, NEW, failed=2), stopped=crash(2, 137))) == "OutOfMemoryError"
    assert fail_fast(obs(dep(OURS, NEW, failed=1), stopped=crash(1))) is None
    scaling = (StoppedTask("t", OURS, "ServiceSchedulerInitiated", "Scaling activity initiated by (deployment x)"),) * 3
    assert fail_fast(obs(dep(OURS, NEW), stopped=scaling)) is None


def test_fail_fast_without_a_breaker_fails_at_once() -> None:
    v, at = run([obs(dep(OURS, NEW, failed=1), stopped=crash(1), breaker=False),
                 obs(dep(OURS, NEW, failed=2), stopped=crash(2), breaker=False)])
    assert v is not None and (v.outcome, v.exit_code, at) == ("failing", 5, 1)
    assert "exit code 1" in v.reason


def test_fail_fast_with_a_breaker_waits_for_its_verdict() -> None:
    v, _ = run([obs(dep(OURS, NEW, failed=2), stopped=crash(2))])
    assert v is None


def test_superseded_by_a_deployment_of_the_same_revision_is_success() -> None:
    v, _ = run([obs(dep("ecs-svc/333", NEW, rollout="COMPLETED", running=2))])
    assert v is not None and v.outcome == "succeeded"


def test_completed_but_short_of_tasks_is_not_success() -> None:
    v, _ = run([obs(dep(OURS, NEW, rollout="COMPLETED", running=1), running=1)])
    assert v is None

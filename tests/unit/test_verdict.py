"""Rollout verdicts over recorded snapshot sequences: every outcome, and never success after a rollback."""

from __future__ import annotations

import pytest

from vegaops.deploy import verdict as v
from vegaops.deploy.snapshot import Deployment, Snapshot, StoppedTask, Target

OLD = "arn:aws:ecs:eu-central-1:1:task-definition/vega-api:1"
NEW = "arn:aws:ecs:eu-central-1:1:task-definition/vega-api:2"
T = Target("vega-api", "ecs-svc/2", NEW, OLD)


def dep(
    id_: str,
    status: str,
    td: str,
    state: str | None,
    running: int,
    desired: int = 2,
    pending: int = 0,
    failed: int = 0,
    reason: str | None = None,
) -> Deployment:
    return Deployment(id_, status, td, state, reason, desired, pending, running, failed)


def snap(
    at: float,
    *deps: Deployment,
    targets: dict[str, int] | None = None,
    stopped: tuple[StoppedTask, ...] = (),
    rollback: bool | None = True,
    sd: str | None = None,
    status: str = "ACTIVE",
) -> Snapshot:
    running = sum(d.running for d in deps)
    return Snapshot(
        "vega-api",
        at,
        status,
        2,
        running,
        sum(d.pending for d in deps),
        deps[0].task_definition if deps else "",
        deps,
        targets,
        stopped,
        rollback,
        sd,
    )


def crash(n: int, code: int = 1, dep_id: str = "ecs-svc/2") -> tuple[StoppedTask, ...]:
    return tuple(
        StoppedTask(
            f"t{i}", dep_id, "EssentialContainerExited", "Essential container in task exited", (("api", code, None),)
        )
        for i in range(n)
    )


def last(seq: list[Snapshot], target: Target = T) -> v.Verdict:
    verdicts = [v.assess(target, seq[: i + 1]) for i in range(len(seq))]
    assert all(not x.final for x in verdicts[:-1]), [x.outcome for x in verdicts]
    return verdicts[-1]


SUCCESS = [
    snap(
        0,
        dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 0, pending=2),
        dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 2),
        targets={"healthy": 2},
    ),
    snap(
        5,
        dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 2),
        dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 2),
        targets={"healthy": 2, "initial": 2},
    ),
    snap(9, dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 2), targets={"healthy": 2, "draining": 2}),
    snap(12, dep("ecs-svc/2", "PRIMARY", NEW, "COMPLETED", 2), targets={"healthy": 2}),
]

BREAKER = [
    snap(
        0,
        dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 0, pending=2),
        dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 2),
    ),
    snap(
        4,
        dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 0, pending=2, failed=2),
        dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 2),
        stopped=crash(2),
    ),
    snap(
        8,
        dep("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS", 2),
        dep("ecs-svc/2", "ACTIVE", NEW, "FAILED", 0, failed=3, reason="circuit breaker: 3 tasks failed"),
        stopped=crash(3),
    ),
    # The classic bug: stable again on the OLD task definition. This must be exit 5, not success.
    snap(12, dep("ecs-svc/3", "PRIMARY", OLD, "COMPLETED", 2), stopped=crash(3), targets={"healthy": 2}),
]


def test_success() -> None:
    verdict = last(SUCCESS)
    assert (verdict.outcome, verdict.exit_code) == ("succeeded", 0)
    assert "ecs-svc/2 completed" in verdict.reasons[0]


def test_completed_but_targets_not_healthy_is_not_yet_success() -> None:
    s = snap(12, dep("ecs-svc/2", "PRIMARY", NEW, "COMPLETED", 2), targets={"healthy": 1, "unhealthy": 1})
    verdict = v.assess(T, [s])
    assert verdict.outcome == "in_progress"
    assert "1 unhealthy" in (verdict.waiting_for or "")


def test_breaker_rollback_is_exit_5_naming_the_rollback_never_success() -> None:
    verdicts = [v.assess(T, BREAKER[: i + 1]) for i in range(len(BREAKER))]
    assert verdicts[1].failing and "exited with code 1" in verdicts[1].failing  # fail fast, said at once
    assert verdicts[2].outcome == "rolling_back"
    final = verdicts[-1]
    assert (final.outcome, final.exit_code) == ("rolled_back", 5)
    assert final.rollback_to == OLD
    assert any("rolled back to vega-api:1 by deployment ecs-svc/3" in r for r in final.reasons)
    assert any("circuit breaker" in r for r in final.reasons)
    assert all(x.outcome != "succeeded" for x in verdicts)


def test_our_deployment_gone_and_service_back_on_old_definition_is_rolled_back() -> None:
    s = snap(20, dep("ecs-svc/3", "PRIMARY", OLD, "COMPLETED", 2))
    verdict = v.assess(T, [s])
    assert verdict.exit_code == 5
    assert "is gone" in verdict.reasons[0]


def test_rollback_api_status_successful_counts() -> None:
    s = snap(20, dep("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS", 2), sd="ROLLBACK_SUCCESSFUL")
    assert v.assess(T, [s]).exit_code == 5


def test_failed_with_rollback_off_is_7() -> None:
    s = snap(
        10,
        dep("ecs-svc/2", "PRIMARY", NEW, "FAILED", 0, failed=3, reason="circuit breaker"),
        dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 2),
        rollback=False,
    )
    verdict = v.assess(T, [s])
    assert (verdict.outcome, verdict.exit_code) == ("failed", 7)
    assert "needs a human" in verdict.reasons[-1]


def test_rollback_failed_is_7() -> None:
    s = snap(
        10,
        dep("ecs-svc/3", "PRIMARY", OLD, "FAILED", 0, failed=3),
        dep("ecs-svc/2", "ACTIVE", NEW, "FAILED", 0, failed=3),
    )
    verdict = v.assess(T, [s])
    assert verdict.exit_code == 7
    assert "failed too" in verdict.reasons[-1]
    rollback_failed = snap(10, dep("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS", 1), sd="ROLLBACK_FAILED")
    assert v.assess(T, [rollback_failed]).exit_code == 7


@pytest.mark.parametrize(
    ("stopped", "expected"),
    [
        (
            (
                StoppedTask(
                    "a",
                    "ecs-svc/2",
                    "TaskFailedToStart",
                    "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
                ),
            )
            * 2,
            "CannotPullContainerError",
        ),
        (
            (
                StoppedTask(
                    "a",
                    "ecs-svc/2",
                    "TaskFailedToStart",
                    "ResourceInitializationError: unable to pull secrets or registry auth",
                ),
            )
            * 2,
            "ResourceInitializationError",
        ),
        (
            (
                StoppedTask(
                    "a",
                    "ecs-svc/2",
                    "EssentialContainerExited",
                    "Essential container in task exited",
                    (("api", 137, "OutOfMemoryError: Container killed due to memory usage"),),
                ),
            )
            * 2,
            "OutOfMemoryError",
        ),
        (crash(2, 1), "essential container api exited with code 1"),
    ],
)
def test_fail_fast_reasons(stopped: tuple[StoppedTask, ...], expected: str) -> None:
    s = snap(
        4,
        dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 0, pending=2, failed=2),
        dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 2),
        stopped=stopped,
    )
    verdict = v.assess(T, [s])
    assert verdict.outcome == "in_progress"
    assert verdict.failing is not None and expected in verdict.failing
    assert v.assess(T, [snap(4, *s.deployments, stopped=stopped, rollback=False)]).exit_code == 7


def test_one_failure_or_other_deployments_tasks_do_not_fail_fast() -> None:
    s = snap(
        4,
        dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 1, pending=1),
        stopped=crash(1)
        + crash(3, dep_id="ecs-svc/1")
        + (StoppedTask("s", "ecs-svc/2", "ServiceSchedulerInitiated", "Scaling activity initiated"),) * 3,
    )
    assert v.assess(T, [s]).failing is None


def test_timeout_says_what_it_waited_for() -> None:
    verdict = v.timed_out(T, SUCCESS[:2], 900)
    assert (verdict.outcome, verdict.exit_code) == ("timed_out", 6)
    assert "timed out after 900s waiting for deployment ecs-svc/2 IN_PROGRESS: running 2/2" in verdict.reasons[0]
    assert "initial" in verdict.reasons[0]
    rolling = v.timed_out(T, BREAKER[:3], 60)
    assert "rollback to vega-api:1" in rolling.reasons[0]


def test_no_breaker_fields_steady_on_ours_is_success() -> None:
    s = snap(3, dep("ecs-svc/2", "PRIMARY", NEW, None, 2))
    assert v.assess(T, [s]).exit_code == 0


def test_service_deleted_is_7() -> None:
    assert v.assess(T, [snap(3, status="MISSING")]).exit_code == 7


def test_superseded_by_same_definition_completed_is_success() -> None:
    s = snap(3, dep("ecs-svc/9", "PRIMARY", NEW, "COMPLETED", 2))
    assert v.assess(T, [s]).exit_code == 0


def test_completed_deployment_on_another_task_definition_is_not_success() -> None:
    s = snap(3, dep("ecs-svc/2", "PRIMARY", OLD, "COMPLETED", 2))
    assert v.assess(T, [s]).outcome == "in_progress"


def test_several_services_exit_with_the_worst_outcome() -> None:
    from vegaops.steps.ecs import verdict_error

    ok = v.Verdict("succeeded", ("fine",))
    assert verdict_error({"a": ok}) is None
    mixed = {"a": ok, "b": v.Verdict("rolled_back", ("x",)), "c": v.Verdict("timed_out", ("y",))}
    error = verdict_error(mixed)
    assert error is not None and int(error.exit_code) == 6 and "b: rolled back" in error.message
    mixed["d"] = v.Verdict("failed", ("z",))
    worst = verdict_error(mixed)
    assert worst is not None and int(worst.exit_code) == 7


# --- every way a rollout ends: failed rollback, alarm rollback, superseded, scale to zero -------------
OTHER = "arn:aws:ecs:eu-central-1:1:task-definition/vega-api:3"


def snap_events(
    at: float, *deps: Deployment, events: tuple[str, ...] = (), alarms: tuple[str, ...] = (), **kw: object
) -> Snapshot:
    from dataclasses import replace

    return replace(snap(at, *deps, **kw), events=events, alarms=alarms, alarm_rollback=True if alarms else None)  # type: ignore[arg-type]


FAILED_ROLLBACK = [
    *BREAKER[:3],
    # the rollback deployment's own tasks fail: its failed count reaches the breaker threshold (3 for 2)
    snap(
        10,
        dep("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS", 0, pending=2, failed=3),
        dep("ecs-svc/2", "ACTIVE", NEW, "FAILED", 0, failed=3, reason="circuit breaker: 3 tasks failed"),
        stopped=crash(3),
    ),
]


def test_failed_rollback_is_exit_7_as_soon_as_the_rollback_fails() -> None:
    verdict = last(FAILED_ROLLBACK)
    assert (verdict.outcome, verdict.exit_code) == ("failed", 7)
    assert any("rollback deployment ecs-svc/3 to vega-api:1 failed too" in r for r in verdict.reasons)
    assert any("circuit breaker threshold 3" in r for r in verdict.reasons)


@pytest.mark.parametrize(
    "rollback",
    [
        dep("ecs-svc/3", "PRIMARY", OLD, "FAILED", 0, reason="ECS deployment circuit breaker: tasks failed to start."),
        dep("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS", 0, pending=2, failed=1),
    ],
    ids=["rolloutState", "event"],
)
def test_failed_rollback_from_the_rollout_state_or_an_ecs_event(rollback: Deployment) -> None:
    ours = dep("ecs-svc/2", "ACTIVE", NEW, "FAILED", 0, failed=3, reason="circuit breaker")
    event = "(service vega-api) (deployment ecs-svc/3) deployment failed: tasks failed to start."
    s = snap_events(10, rollback, ours, events=(event,))
    verdict = v.assess(T, [*BREAKER[:3], s])
    assert (verdict.outcome, verdict.exit_code) == ("failed", 7)


def test_rollback_failed_status_from_the_service_deployment_api_is_exit_7() -> None:
    s = snap(10, dep("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS", 1, pending=1), sd="ROLLBACK_FAILED")
    assert v.assess(T, [*BREAKER[:3], s]).exit_code == 7


ALARM = "vega-api-5xx"
ALARM_ROLLBACK = [
    snap_events(
        0,
        dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 2),
        dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 2),
        alarms=(ALARM,),
    ),
    snap_events(
        6,
        dep("ecs-svc/3", "PRIMARY", OLD, "IN_PROGRESS", 1, pending=1, reason="ECS deployment alarms: rolling back"),
        dep(
            "ecs-svc/2",
            "ACTIVE",
            NEW,
            "FAILED",
            2,
            reason=f"ECS deployment ecs-svc/2 failed: alarm(s) detected: {ALARM}.",
        ),
        events=(f"(service vega-api) (deployment ecs-svc/2) deployment failed: alarm {ALARM} in ALARM state.",),
        alarms=(ALARM,),
    ),
    snap_events(12, dep("ecs-svc/3", "PRIMARY", OLD, "COMPLETED", 2), alarms=(ALARM,)),
]


def test_alarm_rollback_is_exit_5_naming_the_alarm() -> None:
    verdict = last(ALARM_ROLLBACK)
    assert (verdict.outcome, verdict.exit_code) == ("rolled_back", 5)
    assert verdict.alarms == (ALARM,)
    assert any(f"CloudWatch alarm {ALARM} went into ALARM" in r for r in verdict.reasons)


def test_alarm_failure_without_rollback_is_exit_7_naming_the_alarm() -> None:
    from dataclasses import replace

    s = replace(
        snap(
            6,
            dep("ecs-svc/2", "PRIMARY", NEW, "FAILED", 2, reason="ECS deployment ecs-svc/2 failed: alarm(s) detected."),
        ),
        alarms=(ALARM,),
        alarm_rollback=False,
    )
    verdict = v.assess(T, [s])
    assert (verdict.outcome, verdict.exit_code, verdict.alarms) == ("failed", 7, (ALARM,))
    assert any("alarms.rollback false" in r for r in verdict.reasons)


SUPERSEDED = [
    snap(
        0,
        dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 1, pending=1),
        dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 2),
    ),
    # someone else deployed vega-api:3 while ours was rolling out fine
    snap(
        4,
        dep("ecs-svc/9", "PRIMARY", OTHER, "IN_PROGRESS", 0, pending=2),
        dep("ecs-svc/2", "ACTIVE", NEW, "IN_PROGRESS", 2),
        dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 1),
    ),
]


def test_superseded_by_another_task_definition_is_exit_8_naming_it_never_success() -> None:
    verdict = last(SUPERSEDED)
    assert (verdict.outcome, verdict.exit_code) == ("superseded", 8)
    assert verdict.superseded_by == {"deployment": "ecs-svc/9", "task_definition": OTHER}
    assert "superseded by deployment ecs-svc/9 of vega-api:3" in verdict.reasons[0]
    # and it stays so when the other deployment completes
    done = snap(9, dep("ecs-svc/9", "PRIMARY", OTHER, "COMPLETED", 2))
    assert v.assess(T, [*SUPERSEDED, done]).outcome == "superseded"


def test_superseded_by_someone_elses_deployment_of_the_old_revision_is_not_a_rollback() -> None:
    s = snap(
        4,
        dep("ecs-svc/9", "PRIMARY", OLD, "IN_PROGRESS", 0, pending=2),
        dep("ecs-svc/2", "ACTIVE", NEW, "IN_PROGRESS", 2),
    )
    assert v.assess(T, [SUPERSEDED[0], s]).outcome == "superseded"
    # the same picture after vegaops itself asked for the rollback (--rollback-on-failure) is a rollback
    assert v.assess(T, [SUPERSEDED[0], s], requested=True).outcome == "rolling_back"


def test_scaled_to_zero_completed_deployment_is_success() -> None:
    zero = [
        snap(
            0,
            dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 0, desired=0),
            dep("ecs-svc/1", "ACTIVE", OLD, "COMPLETED", 0, desired=0),
        ),
        snap(3, dep("ecs-svc/2", "PRIMARY", NEW, "COMPLETED", 0, desired=0), targets={}),
    ]
    zero = [replace_desired(s, 0) for s in zero]
    verdict = last(zero)
    assert (verdict.outcome, verdict.exit_code) == ("succeeded", 0)
    assert "0/0 tasks running vega-api:2" in verdict.reasons[0]


def replace_desired(s: Snapshot, desired: int) -> Snapshot:
    from dataclasses import replace

    return replace(s, desired=desired)


def test_breaker_off_and_tasks_failing_is_exit_7_from_describe_services_alone() -> None:
    # ecs:ListTasks denied: no stopped tasks known, only the deployment's failedTasks: same exit code
    s = snap(6, dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 0, pending=2, failed=3), rollback=False)
    verdict = v.assess(T, [s])
    assert (verdict.outcome, verdict.exit_code) == ("failed", 7)
    assert verdict.failing and verdict.failing.startswith("tasks keep failing")
    below = snap(4, dep("ecs-svc/2", "PRIMARY", NEW, "IN_PROGRESS", 0, pending=2, failed=2), rollback=False)
    assert v.assess(T, [below]).outcome == "in_progress"

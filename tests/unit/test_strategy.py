"""Strategy verdicts over snapshot sequences: blue/green, linear and canary, each outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from vegaops.deploy import strategy as st
from vegaops.deploy import verdict as vd
from vegaops.deploy.snapshot import Deployment, Snapshot, Target
from vegaops.errors import UsageError

OURS = "ecs-svc/2222"
OLD = "ecs-svc/1111"
TD_NEW = "arn:aws:ecs:eu-central-1:123456789012:task-definition/web:8"
TD_OLD = "arn:aws:ecs:eu-central-1:123456789012:task-definition/web:7"
TARGET = Target("web", OURS, TD_NEW, TD_OLD)
T0 = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)
LAMBDA = "arn:aws:lambda:eu-central-1:123456789012:function:smoke-test"


def service(strategy: str = "BLUE_GREEN", **config: Any) -> dict[str, Any]:
    return {
        "serviceName": "web",
        "deploymentController": {"type": "ECS"},
        "deploymentConfiguration": {
            "strategy": strategy,
            "bakeTimeInMinutes": 60,
            "lifecycleHooks": [
                {
                    "targetType": "AWS_LAMBDA",
                    "hookTargetArn": LAMBDA,
                    "roleArn": "arn:aws:iam::123456789012:role/hooks",
                    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                },
                {
                    "targetType": "PAUSE",
                    "lifecycleStages": ["POST_PRODUCTION_TRAFFIC_SHIFT"],
                    "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "ROLLBACK"},
                },
            ],
            **config,
        },
        "loadBalancers": [
            {
                "targetGroupArn": "arn:tg/blue",
                "containerName": "web",
                "containerPort": 8080,
                "advancedConfiguration": {
                    "alternateTargetGroupArn": "arn:tg/green",
                    "productionListenerRule": "arn:rule/prod",
                    "testListenerRule": "arn:rule/test",
                    "roleArn": "arn:role",
                },
            }
        ],
    }


BG = st.strategy_from_service(service())
LIN = st.strategy_from_service(service("LINEAR", linearConfiguration={"stepPercent": 20.0, "stepBakeTimeInMinutes": 5}))
CAN = st.strategy_from_service(
    service("CANARY", canaryConfiguration={"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 15})
)


def snap(
    at: float, ours: tuple[str, int, int] | None = ("IN_PROGRESS", 2, 2), old: int | None = 2, **kw: Any
) -> Snapshot:
    deps = []
    if ours is not None:
        state, running, desired = ours
        deps.append(Deployment(OURS, "PRIMARY", TD_NEW, state, None, desired, 0, running))
    if old is not None:
        deps.append(Deployment(OLD, "ACTIVE" if ours else "PRIMARY", TD_OLD, "COMPLETED", None, 2, 0, old))
    return Snapshot("web", at, desired=2, running=sum(d.running for d in deps), deployments=tuple(deps), **kw)


def sd(
    at: float,
    stage: str | None,
    status: str = "IN_PROGRESS",
    prod: float | None = None,
    test: float | None = None,
    hooks: list[dict[str, Any]] | None = None,
    alarms: list[str] | None = None,
    breaker: str = "MONITORING",
    reason: str | None = None,
) -> st.Progress:
    body: dict[str, Any] = {
        "serviceDeploymentArn": "arn:aws:ecs:eu-central-1:123456789012:service-deployment/c/web/2222",
        "status": status,
        "lifecycleStage": stage,
        "updatedAt": T0 + timedelta(seconds=at),
        "targetServiceRevision": {
            "arn": "rev/2",
            "requestedTaskCount": 2,
            "runningTaskCount": 2,
            "pendingTaskCount": 0,
            **({"requestedProductionTrafficWeight": prod} if prod is not None else {}),
            **({"requestedTestTrafficWeight": test} if test is not None else {}),
        },
        "lifecycleHookDetails": hooks or [],
        "alarms": {
            "status": "TRIGGERED" if alarms else "MONITORING",
            "alarmNames": ["web-5xx"],
            "triggeredAlarmNames": alarms or [],
        },
        "deploymentCircuitBreaker": {
            "status": breaker,
            "failureCount": 3 if breaker == "TRIGGERED" else 0,
            "threshold": 3,
        },
    }
    if reason:
        body["rollback"] = {"reason": reason, "startedAt": T0, "serviceRevisionArn": "rev/1"}
    return st.progress_from_api(body, at)


def lam(status: str) -> dict[str, Any]:
    return {"hookId": "ecs-hook-smoke", "targetType": "AWS_LAMBDA", "targetArn": LAMBDA, "status": status}


def pause_hook(status: str = "AWAITING_ACTION", expires: float = 1800.0) -> dict[str, Any]:
    return {
        "hookId": "ecs-pause-abc",
        "targetType": "PAUSE",
        "status": status,
        "expiresAt": T0 + timedelta(seconds=expires),
        "timeoutAction": "ROLLBACK",
    }


def run(strategy: st.Strategy, seq: list[tuple[Snapshot, st.Progress | None]], **kw: Any) -> vd.Verdict:
    snaps = [s for s, _ in seq]
    progress = [p for _, p in seq if p is not None]
    return st.assess(strategy, TARGET, snaps, progress, **kw)


# --- reading the strategy -------------------------------------------------------------------------
def test_strategy_read_from_the_service() -> None:
    assert BG.name == "BLUE_GREEN" and BG.bake_minutes == 60 and BG.shifting
    assert [h.name for h in BG.hooks] == ["lambda smoke-test", "pause hook"]
    assert BG.hooks[1].timeout_minutes == 30 and BG.hooks[1].timeout_action == "ROLLBACK"
    assert BG.alternate_target_group == "arn:tg/green" and BG.test_listener_rule == "arn:rule/test"
    assert LIN.steps == 5 and LIN.describe() == "LINEAR (20% every 5m, bake 60m, 2 hooks)"
    assert CAN.steps == 2 and CAN.canary_percent == 10
    assert st.strategy_from_service({"deploymentConfiguration": {}}).name == "ROLLING"
    assert not st.strategy_from_service(None).shifting


def test_code_deploy_and_external_refused_with_what_to_use() -> None:
    st.refuse_controller({"deploymentController": {"type": "ECS"}}, "web")
    with pytest.raises(UsageError) as e:
        st.refuse_controller({"deploymentController": {"type": "CODE_DEPLOY"}}, "web")
    assert e.value.exit_code == 2 and "CodeDeploy" in str(e.value.hint)
    with pytest.raises(UsageError, match="EXTERNAL"):
        st.refuse_controller({"deploymentController": {"type": "EXTERNAL"}}, "web")


def test_wait_until_names_checked() -> None:
    assert st.check_wait_until("bake_time") == "BAKE_TIME"
    assert st.check_wait_until("post-test-traffic-shift") == "POST_TEST_TRAFFIC_SHIFT"
    assert st.check_wait_until("PAUSED") == "paused"
    with pytest.raises(UsageError) as e:
        st.check_wait_until("BAKING")
    assert "CLEAN_UP" in str(e.value.hint) and "paused" in str(e.value.hint)


def test_match_service_deployment_by_id_then_time() -> None:
    items = [
        {"serviceDeploymentArn": "arn:.../c/web/XYZ", "createdAt": T0 + timedelta(seconds=2)},
        {"serviceDeploymentArn": "arn:.../c/web/ABC", "createdAt": T0 - timedelta(hours=1)},
    ]
    assert st.match_service_deployment(items, "ecs-svc/XYZ")["serviceDeploymentArn"].endswith("XYZ")  # type: ignore[index]
    assert st.match_service_deployment(items, "ecs-svc/999", T0)["serviceDeploymentArn"].endswith("XYZ")  # type: ignore[index]
    assert st.match_service_deployment(items, "ecs-svc/999", T0 + timedelta(hours=5)) is None
    assert st.match_service_deployment(items, "ecs-svc/999") is None


# --- the stages, weights, steps, bake ------------------------------------------------------------
def test_fields_show_stage_weights_steps_bake_and_hooks() -> None:
    hist = [
        sd(0, "SCALE_UP", prod=0, test=0),
        sd(10, "TEST_TRAFFIC_SHIFT", prod=0, test=100, hooks=[lam("IN_PROGRESS")]),
        sd(20, "POST_TEST_TRAFFIC_SHIFT", prod=0, test=100, hooks=[lam("SUCCEEDED")]),
        sd(30, "PRODUCTION_TRAFFIC_SHIFT", prod=60, test=100),
    ]
    f = st.fields(LIN, hist, 30)
    assert f["stage"] == "PRODUCTION_TRAFFIC_SHIFT" and f["production_weight"] == 60 and f["step"] == "3/5"
    assert st.fields(CAN, [sd(0, "PRODUCTION_TRAFFIC_SHIFT", prod=10)], 0)["step"] == "1/2"
    hist.append(sd(40, "BAKE_TIME", prod=100, test=100))
    f = st.fields(BG, hist, 40 + 600)
    assert f["bake_remaining"] == 3000.0 and f["step"] == "1/1"
    assert "BAKE_TIME prod 100% test 100% step 1/1 bake" in st.summary(f)
    f = st.fields(BG, [sd(0, "TEST_TRAFFIC_SHIFT", hooks=[lam("IN_PROGRESS")])], 0)
    assert f["hooks"] == [
        {"hook": "lambda smoke-test", "id": "ecs-hook-smoke", "status": "IN_PROGRESS", "stage": "TEST_TRAFFIC_SHIFT"}
    ]
    assert st.fields(st.Strategy(), [], 0) == {}


# --- verdicts ------------------------------------------------------------------------------------
def test_blue_green_succeeds_only_after_the_bake() -> None:
    seq = [
        (snap(1, ("IN_PROGRESS", 1, 2)), sd(1, "SCALE_UP", prod=0, test=0)),
        (snap(10), sd(10, "PRODUCTION_TRAFFIC_SHIFT", prod=100, test=100)),
        (snap(20, ("COMPLETED", 2, 2)), sd(20, "BAKE_TIME", prod=100, test=100)),
    ]
    v = run(BG, seq)
    assert v.outcome == vd.IN_PROGRESS and "BAKE_TIME" in str(v.waiting_for)
    seq.append((snap(3700, ("COMPLETED", 2, 2), old=None), sd(3700, "CLEAN_UP", status="SUCCESSFUL", prod=100)))
    v = run(BG, seq)
    assert v.outcome == vd.SUCCEEDED and v.exit_code == 0 and "60 min bake" in v.reasons[0]


def test_without_the_api_success_waits_for_the_blue_deployment_to_go() -> None:
    baking = [(snap(1, ("COMPLETED", 2, 2)), None)]  # rolloutState COMPLETED while blue still runs (bake)
    v = run(BG, baking)
    assert v.outcome == vd.IN_PROGRESS and "DescribeServiceDeployments" in str(v.waiting_for)
    assert vd.assess(TARGET, [baking[0][0]]).outcome == vd.SUCCEEDED  # what the rolling rule alone would say
    v = run(BG, [*baking, (snap(2, ("COMPLETED", 2, 2), old=None), None)])
    assert v.outcome == vd.SUCCEEDED


@pytest.mark.parametrize(
    ("stage", "hooks", "expected"),
    [
        ("PRE_SCALE_UP", [lam("FAILED")], "lambda smoke-test failed at PRE_SCALE_UP"),
        ("POST_TEST_TRAFFIC_SHIFT", [lam("FAILED")], "lambda smoke-test failed at POST_TEST_TRAFFIC_SHIFT"),
        ("PRODUCTION_TRAFFIC_SHIFT", [lam("TIMED_OUT")], "lambda smoke-test timed out at PRODUCTION_TRAFFIC_SHIFT"),
    ],
)
def test_failing_hook_at_each_stage_is_a_rollback_naming_hook_and_stage(
    stage: str, hooks: list[dict[str, Any]], expected: str
) -> None:
    for strategy in (BG, LIN, CAN):
        seq = [
            (snap(1), sd(1, stage, hooks=[lam("IN_PROGRESS")])),
            (snap(2), sd(2, stage, status="ROLLBACK_IN_PROGRESS", hooks=hooks)),
        ]
        v = run(strategy, seq)
        assert v.outcome == vd.ROLLING_BACK and expected in v.reasons[0]
        seq.append((snap(3, None, old=2), sd(3, stage, status="ROLLBACK_SUCCESSFUL", hooks=hooks)))
        v = run(strategy, seq)
        assert v.outcome == vd.ROLLED_BACK and v.exit_code == 5
        assert any(expected in r for r in v.reasons), v.reasons


def test_alarm_during_the_bake_is_rolled_back_naming_the_alarm() -> None:
    seq = [
        (snap(1, ("COMPLETED", 2, 2)), sd(1, "BAKE_TIME", prod=100, test=100)),
        (snap(2, ("COMPLETED", 2, 2)), sd(2, "BAKE_TIME", status="ROLLBACK_IN_PROGRESS", alarms=["web-5xx"])),
        (snap(3, None, old=2), sd(3, "BAKE_TIME", status="ROLLBACK_SUCCESSFUL", alarms=["web-5xx"])),
    ]
    v = run(CAN, seq)
    assert v.outcome == vd.ROLLED_BACK and v.alarms == ("web-5xx",)
    assert any("CloudWatch alarm web-5xx went into ALARM at BAKE_TIME" in r for r in v.reasons)


def test_circuit_breaker_during_scale_up() -> None:
    seq = [
        (snap(1, ("IN_PROGRESS", 0, 2)), sd(1, "SCALE_UP")),
        (snap(2, ("FAILED", 0, 2)), sd(2, "SCALE_UP", status="ROLLBACK_SUCCESSFUL", breaker="TRIGGERED")),
    ]
    v = run(BG, seq)
    assert v.exit_code == 5 and any("circuit breaker at SCALE_UP" in r for r in v.reasons)


def test_pause_then_continue_then_success() -> None:
    seq = [
        (snap(1), sd(1, "POST_PRODUCTION_TRAFFIC_SHIFT", prod=100, hooks=[pause_hook()])),
        (snap(61), sd(61, "POST_PRODUCTION_TRAFFIC_SHIFT", prod=100, hooks=[pause_hook()])),
    ]
    v = run(BG, seq)
    assert v.outcome == vd.IN_PROGRESS
    assert "paused at POST_PRODUCTION_TRAFFIC_SHIFT by pause hook ecs-pause-abc: waiting 1m" in str(v.waiting_for)
    assert "ECS will roll back" in str(v.waiting_for)
    assert run(BG, seq, wait_until="paused").outcome == vd.REACHED
    seq.append((snap(70), sd(70, "BAKE_TIME", prod=100, hooks=[pause_hook("SUCCEEDED")])))
    assert run(BG, seq, wait_until="paused").outcome == vd.IN_PROGRESS
    seq.append((snap(3800, ("COMPLETED", 2, 2), old=None), sd(3800, "CLEAN_UP", status="SUCCESSFUL")))
    assert run(BG, seq).outcome == vd.SUCCEEDED


def test_pause_then_abort_is_a_rollback_by_a_person() -> None:
    seq = [
        (snap(1), sd(1, "POST_TEST_TRAFFIC_SHIFT", test=100, hooks=[pause_hook()])),
        (snap(2), sd(2, "POST_TEST_TRAFFIC_SHIFT", status="ROLLBACK_REQUESTED", hooks=[pause_hook("SUCCEEDED")])),
        (snap(5, None, old=2), sd(5, "POST_TEST_TRAFFIC_SHIFT", status="ROLLBACK_SUCCESSFUL")),
    ]
    v = run(LIN, seq)
    assert v.exit_code == 5
    assert "a person (ContinueServiceDeployment ROLLBACK at the pause hook) at POST_TEST_TRAFFIC_SHIFT" in v.reasons[0]


def test_pause_timing_out_rolls_back_naming_the_hook() -> None:
    seq = [
        (snap(1), sd(1, "POST_TEST_TRAFFIC_SHIFT", hooks=[pause_hook()])),
        (snap(2), sd(2, "POST_TEST_TRAFFIC_SHIFT", status="ROLLBACK_SUCCESSFUL", hooks=[pause_hook("TIMED_OUT")])),
    ]
    v = run(BG, seq)
    assert v.exit_code == 5 and "pause hook ecs-pause-abc timed out at POST_TEST_TRAFFIC_SHIFT" in v.reasons[0]


def test_rollback_during_the_traffic_shift_by_stop_service_deployment() -> None:
    seq = [
        (snap(1), sd(1, "PRODUCTION_TRAFFIC_SHIFT", prod=40)),
        (snap(2), sd(2, "PRODUCTION_TRAFFIC_SHIFT", status="ROLLBACK_IN_PROGRESS", reason="requested by user")),
        (
            snap(4, None, old=2),
            sd(4, "PRODUCTION_TRAFFIC_SHIFT", status="ROLLBACK_SUCCESSFUL", reason="requested by user"),
        ),
    ]
    v = run(LIN, seq)
    assert v.outcome == vd.ROLLED_BACK and v.rollback_to == TD_OLD
    assert "StopServiceDeployment ROLLBACK) at PRODUCTION_TRAFFIC_SHIFT: requested by user" in v.reasons[0]
    assert "vegaops (--rollback-on-failure)" in run(LIN, seq, requested=True).reasons[0]


def test_rollback_failed_is_exit_7() -> None:
    seq = [
        (snap(1), sd(1, "TEST_TRAFFIC_SHIFT", hooks=[lam("FAILED")])),
        (snap(2), sd(2, "TEST_TRAFFIC_SHIFT", status="ROLLBACK_FAILED", hooks=[lam("FAILED")])),
    ]
    v = run(CAN, seq)
    assert (
        v.outcome == vd.FAILED and v.exit_code == 7 and "lambda smoke-test failed at TEST_TRAFFIC_SHIFT" in v.reasons[0]
    )


def test_stopped_without_rollback_needs_a_human() -> None:
    seq = [
        (snap(1), sd(1, "PRODUCTION_TRAFFIC_SHIFT", prod=20)),
        (snap(2), sd(2, "PRODUCTION_TRAFFIC_SHIFT", status="STOPPED")),
    ]
    v = run(LIN, seq)
    assert v.exit_code == 7 and "stopped without a rollback at PRODUCTION_TRAFFIC_SHIFT" in v.reasons[0]


def test_timed_out_names_the_stage_and_the_pause() -> None:
    hist = [
        sd(1, "POST_TEST_TRAFFIC_SHIFT", hooks=[pause_hook(expires=600)]),
        sd(300, "POST_TEST_TRAFFIC_SHIFT", hooks=[pause_hook(expires=600)]),
    ]
    v = st.timed_out(BG, TARGET, [snap(1), snap(300)], hist, 300)
    assert v.exit_code == 6
    assert "the deployment was at POST_TEST_TRAFFIC_SHIFT (IN_PROGRESS)" in v.reasons
    assert any("waiting 4m 59s" in r or "waiting 5m" in r or "pause hook ecs-pause-abc" in r for r in v.reasons)
    v = st.timed_out(BG, TARGET, [snap(1)], [sd(1, "BAKE_TIME", prod=100)], 60)
    assert any(r.startswith("bake time left") for r in v.reasons)


def test_wait_until_reaches_a_stage_healthy_only() -> None:
    seq = [(snap(1, ("IN_PROGRESS", 1, 2)), sd(1, "SCALE_UP"))]
    assert run(BG, seq, wait_until="SCALE_UP").outcome == vd.REACHED
    assert run(BG, seq, wait_until="BAKE_TIME").outcome == vd.IN_PROGRESS
    # past SCALE_UP, the new revision must run all its tasks
    assert (
        run(
            BG, [(snap(2, ("IN_PROGRESS", 1, 2)), sd(2, "TEST_TRAFFIC_SHIFT"))], wait_until="TEST_TRAFFIC_SHIFT"
        ).outcome
        == vd.IN_PROGRESS
    )
    # a later stage counts (ECS skips stages that do not apply)
    v = run(BG, [(snap(3), sd(3, "BAKE_TIME", prod=100, test=100))], wait_until="POST_TEST_TRAFFIC_SHIFT")
    assert v.outcome == vd.REACHED and v.exit_code == 0 and "production traffic 100%" in v.reasons[0]
    # an alarm in ALARM is never "healthy"
    assert run(BG, [(snap(3), sd(3, "BAKE_TIME", alarms=["web-5xx"]))], wait_until="BAKE_TIME").outcome != vd.REACHED


def test_rolling_is_unchanged_by_the_strategy_layer() -> None:
    rolling = st.Strategy()
    seq = [snap(1, ("COMPLETED", 2, 2), old=None)]
    assert st.assess(rolling, TARGET, seq) == vd.assess(TARGET, seq)


def test_polling_slows_during_a_long_bake_and_speeds_up_for_wait_until() -> None:
    baking = [sd(0, "BAKE_TIME", prod=100)]
    assert st.poll_hint(BG, baking, 60, None) == st.BAKE_POLL
    assert st.poll_hint(BG, baking, 3595, None) is None  # the bake ends: the watcher's own schedule
    assert st.poll_hint(BG, [sd(0, "SCALE_UP")], 1, "BAKE_TIME") == st.WAIT_POLL
    assert not st.sd_due(BG, baking, 20, changed=False, wait_until=None)
    assert st.sd_due(BG, baking, 31, changed=False, wait_until=None)
    assert st.sd_due(BG, baking, 5, changed=True, wait_until=None)
    assert st.sd_due(BG, [sd(0, "SCALE_UP")], 1, changed=False, wait_until=None)


def test_the_deployment_being_rolled_back_is_found_by_id_then_time() -> None:
    deployments = [
        {"id": "ecs-svc/3333", "status": "PRIMARY", "createdAt": T0 + timedelta(seconds=30)},
        {"id": "ecs-svc/2222", "status": "ACTIVE", "createdAt": T0},
    ]
    items = [
        {"serviceDeploymentArn": "arn:.../c/web/2222", "status": "ROLLBACK_IN_PROGRESS", "createdAt": T0},
        {"serviceDeploymentArn": "arn:.../c/web/1111", "status": "SUCCESSFUL", "createdAt": T0 - timedelta(hours=1)},
    ]
    assert st.rolling_back(items, deployments)["id"] == "ecs-svc/2222"  # type: ignore[index]
    by_time = [{"serviceDeploymentArn": "arn:.../c/web/Xy9", "status": "ROLLBACK_REQUESTED", "createdAt": T0}]
    assert st.rolling_back(by_time, deployments)["id"] == "ecs-svc/2222"  # type: ignore[index]
    assert st.rolling_back([{**items[0], "status": "IN_PROGRESS"}], deployments) is None


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        (
            "Service deployment rolled back because the lifecycle hook returned FAILED.",
            "a lifecycle hook at TEST_TRAFFIC_SHIFT",
        ),
        (
            "Service deployment rolled back because alarm(s) went into ALARM.",
            "a CloudWatch alarm at TEST_TRAFFIC_SHIFT",
        ),
        (
            "Service deployment rolled back because the circuit breaker was triggered.",
            "the deployment circuit breaker at",
        ),
        ("Service deployment rollback requested.", "rollback requested by a person (StopServiceDeployment ROLLBACK)"),
    ],
)
def test_without_details_ecs_words_name_the_cause(reason: str, says: str) -> None:
    seq = [
        (snap(1), sd(1, "TEST_TRAFFIC_SHIFT", test=100)),
        (snap(2, None, old=2), sd(2, "TEST_TRAFFIC_SHIFT", status="ROLLBACK_SUCCESSFUL", reason=reason)),
    ]
    v = run(BG, seq)
    assert v.exit_code == 5 and says in v.reasons[0], v.reasons


def test_a_pause_seen_late_says_how_long_it_has_waited_from_its_timeout() -> None:
    # BG's pause hook has a 30-minute timeout; the hook expires 10 minutes after this first read: 20 minutes waited
    hist = [sd(0, "POST_PRODUCTION_TRAFFIC_SHIFT", hooks=[pause_hook(expires=600)])]
    paused = st.pause(hist, 0, BG)
    assert paused is not None and paused.waited == 1200.0 and paused.expires_in == 600.0
    assert "waiting 20m00s" in paused.text("web") and "in 10m00s ECS will roll back" in paused.text("web")
    assert st.pause(hist, 0).waited == 0.0  # type: ignore[union-attr]  # without the strategy: what was seen


def test_long_linear_steps_and_canaries_are_polled_like_a_bake() -> None:
    # LIN: 20% steps of 5 minutes; the weight went to 40% at 100 s
    shifting = [sd(0, "PRODUCTION_TRAFFIC_SHIFT", prod=20), sd(100, "PRODUCTION_TRAFFIC_SHIFT", prod=40)]
    assert st.step_remaining(LIN, shifting, 160) == 240.0
    assert st.poll_hint(LIN, shifting, 160, None) == st.BAKE_POLL
    assert not st.sd_due(LIN, shifting, 120, changed=False, wait_until=None)
    assert st.sd_due(LIN, shifting, 131, changed=False, wait_until=None)
    assert st.sd_due(LIN, shifting, 390, changed=False, wait_until=None)  # the step is about to end
    assert st.poll_hint(LIN, shifting, 395, "BAKE_TIME") == st.WAIT_POLL
    # CAN: 10% for 15 minutes, then the rest at once (no step bake after 100%)
    canary = [sd(0, "PRODUCTION_TRAFFIC_SHIFT", prod=10)]
    assert st.step_remaining(CAN, canary, 60) == 840.0
    assert st.step_remaining(CAN, [sd(0, "PRODUCTION_TRAFFIC_SHIFT", prod=100)], 60) is None
    assert st.step_remaining(BG, [sd(0, "PRODUCTION_TRAFFIC_SHIFT", prod=100)], 60) is None

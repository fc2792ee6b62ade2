"""Blue/green and canary in the simulator: ECS's stage order, traffic weights, bake time, hooks that succeed,
fail or pause (continue / roll back), and the alarm fault during the bake. In-process moto, FakeClock."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.test_simulator import Estate, estate
from vegaops.sandbox.env import CLUSTER
from vegaops.sandbox.middleware import deployments
from vegaops.sandbox.simulator import HOOK_FAIL_FAULT, HOOK_PAUSE_FAULT

__all__ = ["estate"]
ORDER = [
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
]


@pytest.fixture
def fast(estate: Estate) -> Estate:
    estate.sim.minute = 5.0  # a 1-minute bake runs 5 simulated seconds
    return estate


def _sd(estate: Estate, name: str, index: int = 0) -> dict[str, Any]:
    _, listed = deployments.answer(estate.sim, "ListServiceDeployments", {"cluster": CLUSTER, "service": name})
    arn = listed["serviceDeployments"][index]["serviceDeploymentArn"]
    _, described = deployments.answer(estate.sim, "DescribeServiceDeployments", {"serviceDeploymentArns": [arn]})
    full: dict[str, Any] = described["serviceDeployments"][0]
    return full


def _follow(estate: Estate, name: str, until: Any, limit: float = 60.0) -> list[dict[str, Any]]:
    """Every DescribeServiceDeployments read of the newest deployment (followed by its ARN) until ``until(read)``."""
    reads: list[dict[str, Any]] = []
    arn = _sd(estate, name)["serviceDeploymentArn"]
    start = estate.clock.monotonic()
    while True:
        _, described = deployments.answer(estate.sim, "DescribeServiceDeployments", {"serviceDeploymentArns": [arn]})
        read = described["serviceDeployments"][0]
        reads.append(read)
        if until(read):
            return reads
        assert estate.clock.monotonic() - start < limit, read.get("lifecycleStage")
        estate.tick()


def _stages(reads: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for r in reads:
        if r.get("lifecycleStage") and (not out or out[-1] != r["lifecycleStage"]):
            out.append(r["lifecycleStage"])
    return out


def test_blue_green_goes_through_ecs_stages_and_keeps_blue_until_clean_up(fast: Estate) -> None:
    fast.deploy_tag("v1.2.3-stable", "vega-checkout")
    blue_seen_in_bake = []

    def done(read: dict[str, Any]) -> bool:
        if read["lifecycleStage"] == "BAKE_TIME":
            blue_seen_in_bake.append(len(fast.service("vega-checkout")["deployments"]))
        return bool(read["status"] == "SUCCESSFUL")

    reads = _follow(fast, "vega-checkout", done)
    assert _stages(reads) == ORDER
    assert blue_seen_in_bake and min(blue_seen_in_bake) == 2  # blue still there through the bake
    bake = [r for r in reads if r["lifecycleStage"] == "BAKE_TIME"]
    assert bake[0]["targetServiceRevision"]["requestedProductionTrafficWeight"] == 100.0
    assert len(bake) * 0.1 >= 5.0 - 0.2  # the bake lasted its (sandbox) minute
    assert fast.completed("vega-checkout")


def test_canary_shifts_its_percentage_then_the_rest(fast: Estate) -> None:
    fast.deploy_tag("v1.2.3-stable", "vega-search")
    reads = _follow(fast, "vega-search", lambda r: r["status"] == "SUCCESSFUL")
    weights = [
        r["targetServiceRevision"]["requestedProductionTrafficWeight"]
        for r in reads
        if r["lifecycleStage"] == "PRODUCTION_TRAFFIC_SHIFT"
    ]
    assert weights[0] == 20.0 and weights[-1] == 100.0 and sorted(set(weights)) == [20.0, 100.0]
    assert _stages(reads) == ORDER


def test_linear_steps(fast: Estate) -> None:
    service = fast.sim.backend.services[f"{CLUSTER}:vega-search"]
    service.deployment_configuration = {
        **service.deployment_configuration,
        "strategy": "LINEAR",
        "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1},
    }
    fast.deploy_tag("v1.2.3-stable", "vega-search")
    reads = _follow(fast, "vega-search", lambda r: r["status"] == "SUCCESSFUL")
    weights = sorted(
        {
            r["targetServiceRevision"]["requestedProductionTrafficWeight"]
            for r in reads
            if r["lifecycleStage"] == "PRODUCTION_TRAFFIC_SHIFT"
        }
    )
    assert weights == [25.0, 50.0, 75.0, 100.0]


def test_a_failing_hook_rolls_back_at_its_stage(fast: Estate) -> None:
    fast.sim.faults["vega-checkout"] = HOOK_FAIL_FAULT
    fast.deploy_tag("v1.2.3-stable", "vega-checkout")
    reads = _follow(fast, "vega-checkout", lambda r: r["status"].startswith("ROLLBACK"))
    last = reads[-1]
    assert last["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    assert [h["status"] for h in last["lifecycleHookDetails"]] == ["FAILED"]
    assert last["lifecycleHookDetails"][0]["targetArn"].endswith(":function:sandbox-smoke-test")
    fast.run_until(lambda: fast.completed("vega-checkout"))
    assert _sd(fast, "vega-checkout", 1)["status"] == "ROLLBACK_SUCCESSFUL"


@pytest.mark.parametrize("action", ["CONTINUE", "ROLLBACK"])
def test_a_pause_hook_waits_for_continue_or_rollback(fast: Estate, action: str) -> None:
    fast.sim.faults["vega-checkout"] = HOOK_PAUSE_FAULT
    fast.deploy_tag("v1.2.3-stable", "vega-checkout")
    reads = _follow(
        fast, "vega-checkout", lambda r: any(h["status"] == "AWAITING_ACTION" for h in r["lifecycleHookDetails"])
    )
    paused = reads[-1]
    hook = paused["lifecycleHookDetails"][0]
    assert paused["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT" and hook["targetType"] == "PAUSE"
    assert hook["timeoutAction"] == "ROLLBACK" and "expiresAt" in hook
    for _ in range(30):  # it stays paused
        fast.tick()
    assert _sd(fast, "vega-checkout")["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    arn = paused["serviceDeploymentArn"]
    status, body = deployments.answer(
        fast.sim, "ContinueServiceDeployment", {"serviceDeploymentArn": arn, "hookId": hook["hookId"], "action": action}
    )
    assert status == "200 OK" and body == {"serviceDeploymentArn": arn}
    again, _ = deployments.answer(
        fast.sim, "ContinueServiceDeployment", {"serviceDeploymentArn": arn, "hookId": hook["hookId"], "action": action}
    )
    assert again.startswith("400")
    fast.run_until(lambda: fast.completed("vega-checkout"))
    final = _sd(fast, "vega-checkout", 0 if action == "CONTINUE" else 1)
    assert final["status"] == ("SUCCESSFUL" if action == "CONTINUE" else "ROLLBACK_SUCCESSFUL")


def test_the_alarm_fault_goes_off_during_the_bake(fast: Estate) -> None:
    fast.sim.faults["vega-checkout"] = "alarm"
    fast.sim.ensure_alarm("vega-checkout")
    fast.deploy_tag("v1.2.3-stable", "vega-checkout")
    reads = _follow(fast, "vega-checkout", lambda r: r["status"].startswith("ROLLBACK"))
    assert reads[-1]["lifecycleStage"] == "BAKE_TIME"
    assert reads[-1]["alarms"]["triggeredAlarmNames"] == ["vega-checkout-deploy-alarm"]
    assert "BAKE_TIME" in _stages(reads)
    fast.run_until(lambda: fast.completed("vega-checkout"), limit=20)
    assert _sd(fast, "vega-checkout", 1)["status"] == "ROLLBACK_SUCCESSFUL"

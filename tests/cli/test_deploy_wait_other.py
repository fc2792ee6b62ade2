"""``vegaops deploy --wait-for-other`` waits through the engine: the wait is the read-only ``ecs.wait-other`` gate,
a step of its own run (``deploy-wait``) before the deploy is planned from the state after it. A dry run shows the
wait and does not wait; the wait timing out is exit 6 and Ctrl-C while waiting exit 130, nothing changed either way.

In-process moto with an injected clock: ``vega-web`` (service ``web``) is created without
``MOTO_ECS_SERVICE_RUNNING``, so its first deployment (of vega-api:1, the v1 image) stays in flight until the test's
clock has the sandbox's simulator roll it out."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.cli.test_deploy_cli import estate  # noqa: F401  (the fixture: vega-api on vega-api:1, images v1..v3)
from tests.sandbox_fixtures import SimulatedClock
from vegaops.context import AppContext
from vegaops.deploy import verdict as vd
from vegaops.errors import Interrupted
from vegaops.pipeline.deploy import DeployOptions, deploy
from vegaops.runbook import engine

pytestmark = pytest.mark.usefixtures("aws")

WEB = """
[service.web]
ecs_service = "vega-web"
container = "api"
ecr_repo = "vega-api"
"""


@pytest.fixture
def other(estate: dict[str, Any], project: Path, monkeypatch: pytest.MonkeyPatch) -> str:  # noqa: F811
    """vega-web with someone else's deployment (vega-api:1) in flight; its id."""
    with (project / "vegaops.toml").open("a") as f:
        f.write(WEB)
    monkeypatch.delenv("MOTO_ECS_SERVICE_RUNNING")  # moto: the first deployment never ends by itself
    ecs = estate["ecs"]
    ecs.create_service(cluster="vega-staging", serviceName="vega-web", taskDefinition="vega-api:1", desiredCount=2)
    (svc,) = ecs.describe_services(cluster="vega-staging", services=["vega-web"])["services"]
    assert svc["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    return str(svc["deployments"][0]["id"])


def _revisions() -> int:
    return len(boto3.client("ecs").list_task_definitions(familyPrefix="vega-api")["taskDefinitionArns"])


def _changed_nothing(ctx: AppContext) -> None:
    calls = dict(ctx.aws.ecs.calls)
    assert "update_service" not in calls and "register_task_definition" not in calls, calls
    assert _revisions() == 1
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []  # no deploy lock taken
    (svc,) = boto3.client("ecs").describe_services(cluster="vega-staging", services=["vega-web"])["services"]
    assert svc["taskDefinition"].endswith("vega-api:1")


def _wait_report(ctx: AppContext) -> engine.RunReport:
    (report,) = [r for r in ctx.run_reports if r.step("wait-other") is not None]
    return report


class RolloutClock(SimulatedClock):
    """Sleeps move the simulator until vega-web's deployment in flight has rolled out and ended, as it does in ECS
    while the deploy waits for it. (Then it stops: in-process there is no sandbox server to hand our
    UpdateService's deployment to the simulator.)"""

    def __init__(self) -> None:
        super().__init__(seed=1)
        self.sim.tick(self.fake.now())

    def advance(self) -> None:
        if not self.ended:
            super().advance()

    @property
    def ended(self) -> bool:
        web = self.sim.services.get(("vega-staging", "vega-web"))
        return web is not None and web.deployments[0].rollout == "COMPLETED"


class InterruptingClock:
    """A fake clock whose first sleep is Ctrl-C (the operator stops the wait)."""

    def __init__(self) -> None:
        from vegaops.clock import FakeClock

        self.fake = FakeClock()

    def now(self) -> datetime:
        return self.fake.now()

    def monotonic(self) -> float:
        return self.fake.monotonic()

    def sleep(self, seconds: float) -> None:
        raise KeyboardInterrupt


def test_dry_run_shows_the_wait_step_and_does_not_wait(cli: Any, other: str) -> None:
    # the real clock: a dry run that waited would block for the timeout, then exit 6
    r = cli("deploy", "--tag", "v2-stable", "web", "--wait-for-other", "--timeout", "3", "--dry-run")
    assert r.exit_code == 0, r.output
    assert "wait-other (ecs.wait-other)" in r.stderr, r.stderr
    assert f"wait for the other deployment {other} of vega-api:1 on vega-web to end" in r.stderr
    said = r.stdout + r.stderr
    assert "planned once it has ended" in said and "without --dry-run" in said and "dry-run again" in said, said
    assert "deploy-web (ecs.deploy)" not in r.stderr  # the deploy is planned from the state after the wait
    j = cli("-o", "json", "deploy", "--tag", "v2-stable", "web", "--wait-for-other", "--timeout", "3", "--dry-run")
    assert j.exit_code == 0, j.output
    envelope = json.loads(j.stdout)
    assert envelope["status"] == "planned" and envelope["exit_code"] == 0
    assert envelope["changes"] == []
    assert envelope["data"]["waiting_for"] == {"vega-web": other}
    assert [s["outcome"] for s in envelope["data"]["services"]] == ["waiting"]
    (step,) = envelope["data"]["steps"]  # the wait, as the engine planned it
    assert (step["id"], step["uses"], step["status"]) == ("wait-other", "ecs.wait-other", "planned")
    assert [c["action"] for c in step["changes"]] == ["wait"]
    # a service without a deployment in flight waits with it: the deploy is one plan, made after the wait
    both = cli("-o", "json", "deploy", "--tag", "v2-stable", "api", "web", "--wait-for-other", "--dry-run")
    assert both.exit_code == 0, both.output
    data = json.loads(both.stdout)["data"]
    assert data["waiting_for"] == {"vega-web": other}
    assert [(s["service"], s["outcome"]) for s in data["services"]] == [
        ("vega-api", "waiting"),
        ("vega-web", "waiting"),
    ]
    assert _revisions() == 1
    assert boto3.client("ssm").describe_parameters()["Parameters"] == []


def test_without_wait_for_other_the_preflight_refuses(cli: Any, other: str) -> None:
    r = cli("deploy", "--tag", "v2-stable", "web", "--dry-run")
    assert r.exit_code == 8, r.output
    assert "another deployment in progress" in r.stderr and "--wait-for-other" in r.stderr
    assert "wait-other" not in r.stderr


def test_the_wait_timing_out_is_6_and_changes_nothing(app_context: AppContext, other: str) -> None:
    with pytest.raises(engine.RunFailed) as info:
        deploy(app_context, DeployOptions("v2-stable", ["web"], wait_for_other=True, timeout=60))
    error = info.value
    assert int(error.exit_code) == 6
    assert error.message == f"vega-web: timed out after 60s waiting for the other deployment {other}"
    assert error.hint is not None and "deploy watch vega-web" in error.hint and "then deploy again" in error.hint
    # the wait is a step of the run the error carries (what the JSON envelope shows)
    assert [(s.id, s.uses, s.status) for s in error.report.steps] == [("wait-other", "ecs.wait-other", "failed")]
    step = error.report.steps[0]
    assert step.gate and step.outcome is not None and step.outcome.watch is not None
    assert step.outcome.watch.verdicts["vega-web"].outcome == vd.TIMED_OUT
    assert app_context.clock.monotonic() >= 60  # it did wait, on the injected clock
    _changed_nothing(app_context)


def test_the_wait_is_a_step_then_the_deploy_is_planned_after_it(app_context: AppContext, other: str) -> None:
    app_context.clock = RolloutClock()
    result = deploy(app_context, DeployOptions("v2-stable", ["web"], wait_for_other=True, timeout=600))
    wait = _wait_report(app_context).step("wait-other")
    assert wait is not None and (wait.uses, wait.status, wait.gate) == ("ecs.wait-other", "done", True)
    assert wait.outputs["outcomes"] == {"vega-web": vd.SUCCEEDED}  # someone else's deployment, watched to its end
    assert wait.outcome is not None and wait.outcome.watch is not None and wait.outcome.watch.polls >= 1
    # planned from the state after the wait: vega-api:1 (what the other deployment left) -> the new revision
    (row,) = result.data["services"]
    assert row["old_task_definition"].endswith("vega-api:1") and row["new_task_definition"].endswith("vega-api:2")
    assert [c["action"] for c in result.changes] == ["create", "deploy"]
    # in-process moto never rolls our deployment out: its watch times out, 600s after the command's start (the
    # wait included), not 600s after the wait
    assert result.exit_code == 6 and row["outcome"] == vd.TIMED_OUT, result.errors
    assert "waiting for deployment" in result.errors[0]["message"]  # our watch's verdict, not the wait's
    assert 600 <= app_context.clock.monotonic() < 615
    deploy_run = [r for r in app_context.run_reports if r.step("deploy-web") is not None]
    assert len(deploy_run) == 1 and deploy_run[0].step("wait-other") is None


def test_ctrl_c_while_waiting_is_130_and_changes_nothing(app_context: AppContext, other: str) -> None:
    app_context.clock = InterruptingClock()
    with pytest.raises((Interrupted, KeyboardInterrupt)) as info:  # (a bare Ctrl-C must not escape deploy())
        deploy(app_context, DeployOptions("v2-stable", ["web"], wait_for_other=True, timeout=60))
    assert isinstance(info.value, Interrupted), repr(info.value)
    assert int(info.value.exit_code) == 130
    assert "waiting for the other deployment of vega-web" in info.value.message
    assert "nothing was changed" in info.value.message
    step = _wait_report(app_context).step("wait-other")
    assert step is not None and step.status == "interrupted"
    _changed_nothing(app_context)


def test_a_deployment_that_ended_before_the_wait_plans_no_wait(app_context: AppContext, other: str) -> None:
    from vegaops.steps.ecs import WaitForOther, WaitOtherParams

    plan = WaitForOther(WaitOtherParams({"web": "ecs-svc/0000000000000000001"})).plan(app_context)
    assert plan.empty and plan.outputs["outcomes"] == {"vega-web": "ended"}
    waiting = WaitForOther(WaitOtherParams({"web": other}, timeout=60)).plan(app_context)
    assert [c.action for c in waiting.changes] == ["wait"]

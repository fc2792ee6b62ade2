"""Scheduled tasks in (in-process) moto: which belong to the environment, when they run next, and the opt-out that
keeps a deploy from moving them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.conftest import SAMPLE_CONFIG
from vegaops.clock import FakeClock
from vegaops.context import AppContext, GlobalOptions
from vegaops.schedules.core import find, next_run

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/scheduler"


def _estate() -> tuple[str, str]:
    """vega-api:1 and :2 on vega-staging; schedules on this cluster, on another cluster, and a non-ECS one."""
    ecs = boto3.client("ecs")
    cluster = ecs.create_cluster(clusterName="vega-staging")["cluster"]["clusterArn"]
    other = ecs.create_cluster(clusterName="elsewhere")["cluster"]["clusterArn"]
    for image in ("vega-api:1", "vega-api:2"):
        ecs.register_task_definition(
            family="vega-api", containerDefinitions=[{"name": "api", "image": image, "memory": 512}]
        )
    ecs.register_task_definition(
        family="billing", containerDefinitions=[{"name": "b", "image": "billing:1", "memory": 512}]
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="vega-api:2", desiredCount=1)
    td = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/vega-api:1"
    scheduler = boto3.client("scheduler")

    def schedule(name: str, arn: str, task_definition: str) -> None:
        scheduler.create_schedule(
            Name=name,
            ScheduleExpression="cron(30 2 ? * MON-FRI *)",
            ScheduleExpressionTimezone="Europe/Berlin",
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": arn, "RoleArn": ROLE, "EcsParameters": {"TaskDefinitionArn": task_definition}},
        )

    schedule("ours-on-cluster", cluster, td)
    schedule("ours-by-family", other, td)  # another cluster, but a family of the environment's services
    schedule("not-ours", other, f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/billing:1")
    scheduler.create_schedule(
        Name="a-lambda",
        ScheduleExpression="rate(5 minutes)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={"Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", "RoleArn": ROLE},
    )
    return cluster, td


def _ctx(project: Path, extra: str = "") -> AppContext:
    (project / "vegaops.toml").write_text(
        SAMPLE_CONFIG.replace('cluster = "vega-staging"\n', f'cluster = "vega-staging"\n{extra}')
    )
    return AppContext(options=GlobalOptions(), cwd=project, clock=FakeClock())


@pytest.mark.usefixtures("aws")
def test_the_environments_schedules_by_cluster_or_family(project: Path) -> None:
    _estate()
    names = {s.name for s in find(_ctx(project), "vega-staging", {"vega-api"})}
    assert names == {"ours-on-cluster", "ours-by-family"}


def _follow(ctx: AppContext, task_definitions: dict[str, str]) -> dict[str, Any]:
    """schedules.follow through the engine, as the deploy pipeline runs it after a watch that succeeded."""
    from vegaops.runbook import engine
    from vegaops.steps.schedules import FollowParams, FollowSchedules

    params = FollowParams(task_definitions, outcomes=dict.fromkeys(task_definitions, "succeeded"))
    step = engine.run(ctx, "deploy", [engine.single(FollowSchedules, params)]).steps[0]
    return {"moved": dict(step.outputs.get("moved") or {}), "notes": list(step.notes)}


@pytest.mark.usefixtures("aws")
def test_a_deploy_moves_them_unless_the_environment_opts_out(project: Path) -> None:
    _estate()
    new = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/vega-api:2"
    off = _follow(_ctx(project, "schedules_follow = false\n"), {"vega-api": new})
    assert off["moved"] == {} and "schedules_follow = false" in off["notes"][0]
    sched = boto3.client("scheduler")
    assert sched.get_schedule(Name="ours-on-cluster")["Target"]["EcsParameters"]["TaskDefinitionArn"].endswith(":1")

    ctx = _ctx(project)
    ctx.options.yes = True
    moved = _follow(ctx, {"vega-api": new})
    assert sorted(moved["moved"]) == ["schedule ours-by-family", "schedule ours-on-cluster"]
    for name in ("ours-on-cluster", "ours-by-family"):
        got: Any = sched.get_schedule(Name=name)
        assert got["Target"]["EcsParameters"]["TaskDefinitionArn"] == new
        assert got["ScheduleExpressionTimezone"] == "Europe/Berlin"
    assert sched.get_schedule(Name="not-ours")["Target"]["EcsParameters"]["TaskDefinitionArn"].endswith("billing:1")
    assert _follow(ctx, {"vega-api": new})["moved"] == {}  # a second run moves nothing


def test_next_run_of_aws_cron_in_its_time_zone_rate_and_at() -> None:
    now = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)  # a Saturday, 03:00 in Berlin
    nxt = next_run("cron(30 2 ? * MON-FRI *)", "Europe/Berlin", now)
    assert isinstance(nxt, datetime)
    assert nxt.astimezone(UTC) == datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # Monday 02:30 CET
    assert next_run("cron(0 3 * * ? *)", None, now) == datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert next_run("rate(1 hour)", None, now) == "every 1 hour"
    assert next_run("at(2026-12-24T18:00:00)", "UTC", now) == datetime(2026, 12, 24, 18, 0, tzinfo=UTC)
    assert next_run("at(2026-01-01T00:00:00)", "UTC", now) is None  # past: it will not run again


@pytest.mark.usefixtures("aws")
def test_only_a_deployment_that_succeeded_is_followed(project: Path) -> None:
    from vegaops.steps.schedules import FollowParams, FollowSchedules

    _estate()
    new = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/vega-api:2"
    ctx = _ctx(project)
    failed = FollowSchedules(FollowParams({"vega-api": new}, outcomes={"vega-api": "rolled_back"})).plan(ctx)
    assert failed.empty and failed.notes == ["vega-api: its scheduled tasks follow only a deployment that succeeded"]
    good = FollowSchedules(FollowParams({"vega-api": new}, outcomes={"vega-api": "succeeded"})).plan(ctx)
    assert [c.target for c in good.changes] == ["schedule ours-by-family", "schedule ours-on-cluster"]


def _job(project: Path) -> AppContext:
    _estate()
    cluster = boto3.client("ecs").describe_clusters(clusters=["vega-staging"])["clusters"][0]["clusterArn"]
    td = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/vega-api:1"
    boto3.client("scheduler").create_schedule(
        Name="digest",
        ScheduleExpression="cron(0 3 * * ? *)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": cluster,
            "RoleArn": ROLE,
            "EcsParameters": {"TaskDefinitionArn": td, "LaunchType": "FARGATE", "TaskCount": 1},
        },
    )
    ctx = _ctx(project)
    ctx.options.yes = True
    return ctx


@pytest.mark.usefixtures("aws")
def test_schedule_run_waits_for_the_task_to_stop_on_the_injected_clock(project: Path) -> None:
    from moto.moto_api import state_manager

    from vegaops.capacity.schedule_run import run_schedule

    ctx = _job(project)
    # moto moves a task one state towards STOPPED on each DescribeTasks (its containers exit 0); other tests pin
    # that process-wide, so this one sets it and puts back what it found
    before = state_manager.get_transition("ecs::task")
    state_manager.set_transition("ecs::task", {"progression": "manual", "times": 1})
    try:
        result = run_schedule(ctx, "digest", None, wait=True, timeout=600, interval=5)
    finally:
        state_manager.set_transition("ecs::task", before)
    assert result.exit_code == 0, result.errors
    assert result.message is not None and result.message.endswith("(digest) exited 0")
    assert [r["verdict"] for r in result.data["results"]] == ["succeeded"]
    assert ctx.clock.sleeps and set(ctx.clock.sleeps) == {5}  # type: ignore[attr-defined]  # polled, never slept


@pytest.mark.usefixtures("aws")
def test_schedule_run_still_running_at_the_timeout_is_exit_6(project: Path) -> None:
    from vegaops.capacity.schedule_run import run_schedule

    result = run_schedule(_job(project), "digest", None, wait=True, timeout=0, interval=5)
    assert result.exit_code == 6 and result.errors[0]["kind"] == "timeout"
    assert result.data["results"][0]["stopped_by_vegaops"] is True  # StopTask sent at the timeout

"""Capacity, schedules and cost on the real sandbox (issue 18): scale up watched to steady state, suspend/resume,
everything to zero and back from what AWS kept, a deploy that moves its scheduled tasks, and the estate's Fargate
cost against a hand computation from the shipped table's published prices."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from vegaops.sandbox import admin
from vegaops.sandbox.process import Handle

pytestmark = pytest.mark.e2e

CLUSTER = "vega-sandbox"


@pytest.fixture
def on(sandbox: Handle, cli: Any) -> Any:
    def run(*args: str) -> Any:
        return cli("--env", "sandbox", "--yes", *args)

    return run


@pytest.fixture
def aws(sandbox: Handle) -> Iterator[Any]:
    def client(name: str) -> Any:
        return boto3.client(
            name,
            endpoint_url=sandbox.endpoint,
            region_name="eu-central-1",
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )

    yield client


def _doc(r: Any) -> Any:
    """The envelope: the last line of stdout in JSON mode (a watch streams its events before it, as NDJSON)."""
    return json.loads(r.stdout.splitlines()[-1])


def _desired(aws: Any) -> dict[str, int]:
    services = aws("ecs").describe_services(cluster=CLUSTER, services=["vega-api", "vega-worker", "vega-llm-proxy"])[
        "services"
    ]
    return {s["serviceName"]: s["desiredCount"] for s in services}


def _bounds(aws: Any, service: str) -> tuple[int, int, bool] | None:
    found = aws("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{CLUSTER}/{service}"]
    )["ScalableTargets"]
    if not found:
        return None
    t = found[0]
    return t["MinCapacity"], t["MaxCapacity"], bool(t.get("SuspendedState", {}).get("DynamicScalingInSuspended"))


def test_scale_up_is_watched_to_a_steady_state_and_planned_with_dry_run(on: Any, aws: Any) -> None:
    planned = on("-o", "json", "scale", "llm-proxy", "3", "--dry-run")
    assert planned.exit_code == 0, planned.output
    assert _doc(planned)["status"] == "planned"
    assert _desired(aws)["vega-llm-proxy"] == 2  # a dry run changes nothing

    r = on("-o", "json", "scale", "llm-proxy", "3")
    assert r.exit_code == 0, r.output
    doc = _doc(r)
    assert doc["data"]["verdicts"]["vega-llm-proxy"]["outcome"] == "succeeded"
    svc = aws("ecs").describe_services(cluster=CLUSTER, services=["vega-llm-proxy"])["services"][0]
    assert (svc["desiredCount"], svc["runningCount"]) == (3, 3)  # the watch waited for the new task

    again = on("-o", "json", "scale", "llm-proxy", "3")
    assert again.exit_code == 0 and _doc(again)["status"] == "unchanged"


def test_autoscaling_bounds_suspend_and_resume(on: Any, aws: Any) -> None:
    assert _bounds(aws, "vega-llm-proxy") == (1, 4, False)  # seed 002: 1-4 tasks
    assert on("scale", "llm-proxy", "--min", "2", "--max", "5").exit_code == 0
    assert _bounds(aws, "vega-llm-proxy") == (2, 5, False)
    assert on("scale", "llm-proxy", "--suspend").exit_code == 0
    assert _bounds(aws, "vega-llm-proxy") == (2, 5, True)
    status = on("status")
    assert "2-5 suspended" in status.stdout and "CPU % 70, requests/target 500" in status.stdout, status.stdout
    assert on("scale", "llm-proxy", "--resume").exit_code == 0
    assert _bounds(aws, "vega-llm-proxy") == (2, 5, False)
    # no target: bounds need both values
    bad = on("scale", "worker", "--suspend")
    assert bad.exit_code == 2 and "no autoscaling target" in bad.stderr


def test_everything_to_zero_and_restored_from_what_aws_kept(on: Any, aws: Any) -> None:
    assert _desired(aws) == {"vega-api": 2, "vega-worker": 2, "vega-llm-proxy": 2}
    down = on("-o", "json", "scale", "--all", "0")
    assert down.exit_code == 0, down.output
    assert _desired(aws) == {"vega-api": 0, "vega-worker": 0, "vega-llm-proxy": 0}
    running = aws("ecs").describe_services(cluster=CLUSTER, services=["vega-api"])["services"][0]["runningCount"]
    assert running == 0  # watched until no task runs
    assert _bounds(aws, "vega-api") == (0, 0, True)  # neither autoscaling nor a scheduled action wakes it
    # kept in AWS, not on this laptop: a teammate or CI restores from SSM
    saved = aws("ssm").get_parameter(Name="/vegaops/scale/sandbox/vega-api")["Parameter"]["Value"]
    assert json.loads(saved)["desired"] == 2
    assert json.loads(saved)["autoscaling"] == {"min": 2, "max": 6, "suspended": False}

    twice = on("-o", "json", "scale", "--all", "0")  # a second sleep never overwrites the saved counts
    assert twice.exit_code == 0 and _doc(twice)["status"] == "unchanged"
    assert (
        json.loads(aws("ssm").get_parameter(Name="/vegaops/scale/sandbox/vega-api")["Parameter"]["Value"])["desired"]
        == 2
    )

    up = on("-o", "json", "scale", "--all", "--restore")
    assert up.exit_code == 0, up.output
    assert _desired(aws) == {"vega-api": 2, "vega-worker": 2, "vega-llm-proxy": 2}
    assert _bounds(aws, "vega-api") == (2, 6, False)
    assert _bounds(aws, "vega-llm-proxy") == (1, 4, False)
    assert {v["outcome"] for v in _doc(up)["data"]["verdicts"].values()} == {"succeeded"}
    left = aws("ssm").get_parameters_by_path(Path="/vegaops/scale/sandbox/")["Parameters"]
    assert left == []  # forgotten once restored
    nothing = on("scale", "--all", "--restore")
    assert nothing.exit_code == 0 and "nothing saved to restore" in nothing.stdout


def test_a_deploy_moves_the_scheduled_tasks_of_its_family(on: Any, aws: Any) -> None:
    listed = json.loads(on("-o", "json", "schedule", "list").stdout)["data"]["schedules"]
    assert {(s["kind"], s["name"], s["task_definition"], s["current"]) for s in listed} == {
        ("scheduler", "vega-nightly-digest", "vega-worker:1", True),
        ("rule", "vega-hourly-cleanup", "vega-worker:1", True),
    }
    plan = on("deploy", "--tag", "v1.2.3-stable", "worker", "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert "schedules-follow (schedules.follow)" in plan.stderr, plan.stderr  # in the plan, once the watch says
    digest = aws("scheduler").get_schedule(Name="vega-nightly-digest")
    assert digest["Target"]["EcsParameters"]["TaskDefinitionArn"].endswith("vega-worker:1")  # dry run: unchanged

    r = on("-o", "json", "deploy", "--tag", "v1.2.3-stable", "worker")
    assert r.exit_code == 0, r.output
    assert sorted(_doc(r)["data"]["schedules"]["moved"]) == [
        "rule vega-hourly-cleanup",
        "schedule vega-nightly-digest",
    ]
    digest = aws("scheduler").get_schedule(Name="vega-nightly-digest")
    assert digest["Target"]["EcsParameters"]["TaskDefinitionArn"].endswith("vega-worker:2")
    assert digest["ScheduleExpressionTimezone"] == "Europe/Berlin"  # everything else kept
    assert "vega digest" in digest["Target"]["Input"]
    (cleanup,) = aws("events").list_targets_by_rule(Rule="vega-hourly-cleanup")["Targets"]
    assert cleanup["EcsParameters"]["TaskDefinitionArn"].endswith("vega-worker:2")
    listed = json.loads(on("-o", "json", "schedule", "list").stdout)["data"]["schedules"]
    assert {s["current"] for s in listed} == {True}

    back = on("rollback", "worker")  # a rollback is a deploy of the older revision: they go back with it
    assert back.exit_code == 0, back.output
    digest = aws("scheduler").get_schedule(Name="vega-nightly-digest")
    assert digest["Target"]["EcsParameters"]["TaskDefinitionArn"].endswith("vega-worker:1")


def test_a_failed_deploy_leaves_the_schedules_on_the_revision_that_works(on: Any, aws: Any) -> None:
    r = on("deploy", "--tag", "v1.2.4-crash", "worker")  # its image crashes: rolled back by the breaker
    assert r.exit_code == 5, r.output
    digest = aws("scheduler").get_schedule(Name="vega-nightly-digest")
    assert digest["Target"]["EcsParameters"]["TaskDefinitionArn"].endswith("vega-worker:1")


def test_the_estates_fargate_cost_against_a_hand_computation(on: Any) -> None:
    r = on("-o", "json", "cost")
    assert r.exit_code == 0, r.output
    doc = _doc(r)["data"]
    by = {s["service"]: s for s in doc["services"]}
    # eu-central-1, the shipped table (https://aws.amazon.com/fargate/pricing/), 2 tasks of 0.25 vCPU / 0.5 GB:
    # x86: 365 vCPU-h x 0.04656 = 16.9944 + 730 GB-h x 0.00511 = 3.7303 -> 20.7247 (api, worker, checkout, search)
    # ARM64 (llm-proxy): 365 x 0.03725 = 13.59625 + 730 x 0.00409 = 2.9857 -> 16.58195
    assert set(by) == {"vega-api", "vega-worker", "vega-llm-proxy", "vega-checkout", "vega-search"}
    for x86 in ("vega-api", "vega-worker", "vega-checkout", "vega-search"):
        assert by[x86]["monthly_usd"] == 20.72, x86
    assert by["vega-llm-proxy"]["monthly_usd"] == 16.58
    assert by["vega-llm-proxy"]["architecture"] == "ARM64"
    assert doc["fargate_monthly_usd"] == round(20.7247 * 4 + 16.58195, 2) == 99.48
    # no Price List in the sandbox (not AWS): the dated table, said once, the Price List not even asked
    assert doc["prices"]["sources"] == ["table"] and doc["prices"]["table_date"]
    assert doc["skipped"] == []
    assert r.stderr.count("the Price List is not read") == 1, r.stderr
    # the ALB (730 h x 0.027) and 3 secrets (x 0.40) of the environment
    items = {e["item"]: e for e in doc["environment"]}
    assert items["load balancer"]["monthly_usd"] == 19.71 and items["secrets"]["monthly_usd"] == 1.2
    assert doc["actual_month_to_date"] is not None  # Cost Explorer answered (moto: empty)
    kinds = {(h["service"], h["kind"]) for h in doc["hints"]}
    assert ("vega-api", "arm64") in kinds and ("vega-worker", "spot") in kinds
    assert ("vega-llm-proxy", "arm64") not in kinds  # already ARM64
    human = on("cost")
    assert "the shipped price table of" in human.stdout and "$120.39 a month" in human.stdout, human.stdout


DENIED = [
    ("DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroups", "load balancer"),
    ("ListSecrets", "secretsmanager:ListSecrets", "secrets"),
    ("GetCostAndUsage", "ce:GetCostAndUsage", None),
]


@pytest.mark.parametrize(("operation", "action", "item"), DENIED, ids=[d[0] for d in DENIED])
def test_a_denied_cost_enrichment_is_said_once_and_the_rest_is_shown(
    on: Any, sandbox: Handle, operation: str, action: str, item: str | None
) -> None:
    admin.inject_errors(sandbox.endpoint, operation, code="AccessDeniedException", status=400, count=1000)
    try:
        r = on("-o", "json", "cost")
    finally:
        admin.inject_errors(sandbox.endpoint, operation, count=0)
    assert r.exit_code == 0, r.output
    doc = _doc(r)["data"]
    assert len(doc["services"]) == 5 and doc["fargate_monthly_usd"] > 0
    assert r.stderr.count(f"grant {action}") == 1, r.stderr
    skipped = {s["operation"]: s["kind"] for s in doc["skipped"]}
    assert skipped[action] == "denied"
    if item is not None:
        (entry,) = [e for e in doc["environment"] if e["item"] == item]
        assert entry["monthly_usd"] is None and "denied" in entry["not_read"]
    else:
        assert doc["actual_month_to_date"] is None


def test_schedules_denied_the_rules_are_still_listed_and_followed(on: Any, aws: Any, sandbox: Handle) -> None:
    admin.inject_errors(sandbox.endpoint, "ListSchedules", code="AccessDeniedException", status=400, count=1000)
    try:
        listed = on("-o", "json", "schedule", "list")
        deployed = on("-o", "json", "deploy", "--tag", "v1.2.3-stable", "worker")
    finally:
        admin.inject_errors(sandbox.endpoint, "ListSchedules", count=0)
    assert listed.exit_code == 0, listed.output
    assert [s["name"] for s in json.loads(listed.stdout)["data"]["schedules"]] == ["vega-hourly-cleanup"]
    assert listed.stderr.count("grant scheduler:ListSchedules") == 1, listed.stderr
    assert deployed.exit_code == 0, deployed.output  # the deploy's verdict does not depend on it
    assert _doc(deployed)["data"]["schedules"]["moved"] == {"rule vega-hourly-cleanup": "vega-worker:2"}
    (cleanup,) = aws("events").list_targets_by_rule(Rule="vega-hourly-cleanup")["Targets"]
    assert cleanup["EcsParameters"]["TaskDefinitionArn"].endswith("vega-worker:2")


def test_schedule_run_runs_the_target_with_its_parameters_and_waits(on: Any, aws: Any) -> None:
    planned = on("-o", "json", "schedule", "run", "vega-nightly-digest", "--dry-run")
    assert planned.exit_code == 0 and json.loads(planned.stdout)["status"] == "planned", planned.output
    r = on("schedule", "run", "vega-nightly-digest")
    assert r.exit_code == 0, r.output
    # the schedule's Input (its command) ran, its log lines streamed on stdout as vegaops run streams them
    assert "vega digest: 42 accounts, done" in r.stdout, r.output
    (arn,) = aws("ecs").list_tasks(cluster=CLUSTER, desiredStatus="STOPPED")["taskArns"][-1:]
    (task,) = aws("ecs").describe_tasks(cluster=CLUSTER, tasks=[arn])["tasks"]
    assert task["taskDefinitionArn"].endswith("vega-worker:1") and task["startedBy"].startswith("vegaops-schedule-")
    started = on("-o", "json", "schedule", "run", "vega-nightly-digest", "--no-wait")
    assert started.exit_code == 0 and len(json.loads(started.stdout)["data"]["tasks"]) == 1, started.output
    missing = on("schedule", "run", "no-such-job")
    assert missing.exit_code == 3 and "schedule list" in missing.stderr

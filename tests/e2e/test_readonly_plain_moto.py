"""``debug``, ``status`` and ``health`` against a plain moto server, as a new user outside the sandbox meets it:
ListServiceDeployments answers HTTP 500 with an HTML body, target health is always healthy, nothing
simulates a rollout. The commands keep their normal exit codes (never 1), each section that could not be
read says why in its place, and debug's causes come from the current deployment only."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.aws_estate import REGION, seed_service

pytestmark = pytest.mark.e2e


def _stopped_task(deployment_id: str, reason: str) -> None:
    """A stopped task of the service on plain moto (EC2 launch type: moto's Fargate run_task breaks over HTTP)."""
    ecs = boto3.client("ecs", REGION)
    ec2 = boto3.client("ec2", REGION)
    if not ecs.list_container_instances(cluster="vega-staging")["containerInstanceArns"]:
        image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.large")["Instances"][0]
        document = {
            "availabilityZone": instance["Placement"]["AvailabilityZone"],
            "privateIp": instance.get("PrivateIpAddress", "10.0.0.5"),
            "version": "2010-8-31",
            "region": REGION,
            "instanceId": instance["InstanceId"],
            "instanceType": instance["InstanceType"],
            "accountId": "123456789012",
            "architecture": "x86_64",
            "imageId": image,
        }
        ecs.register_container_instance(cluster="vega-staging", instanceIdentityDocument=json.dumps(document))
    bridge = ecs.register_task_definition(
        family="vega-api",
        networkMode="bridge",
        containerDefinitions=[
            {"name": "api", "image": "123.dkr.ecr.eu-central-1.amazonaws.com/vega-api:v1", "memory": 128}
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    task = ecs.run_task(
        cluster="vega-staging",
        taskDefinition=bridge,
        launchType="EC2",
        startedBy=deployment_id,
        group="service:vega-api",
    )["tasks"][0]
    ecs.stop_task(cluster="vega-staging", task=task["taskArn"], reason=reason)


def test_debug_on_plain_moto_exits_0_says_what_it_could_not_read_and_separates_history(run_vegaops: Any) -> None:
    seeded = seed_service(desired=1, target_group=True)
    current = seeded["service"]["deployments"][0]["id"]
    _stopped_task(current, "Task failed ELB health checks in (target-group vega-api-tg)")
    _stopped_task(
        "ecs-svc/1111111111111111111",
        "CannotPullContainerError: pull image manifest has been retried 7 time(s): failed to resolve ref "
        "123.dkr.ecr.eu-central-1.amazonaws.com/vega-api:v0: not found",
    )
    r = run_vegaops("debug", "api")
    assert r.exit_code == 0, r.output
    assert "Traceback" not in r.output and "internal error" not in r.output
    assert "Deployment history: not read (ecs:ListServiceDeployments" in r.stdout
    assert r.stderr.count("ecs:ListServiceDeployments") == 1  # said once
    doc = json.loads(run_vegaops("-o", "json", "debug", "api").stdout)["data"]
    assert [c["kind"] for c in doc["likely_causes"]] == ["elb-health"], doc["likely_causes"]
    assert "health" in doc["likely_causes"][0]["summary"]
    assert [(c["kind"], c["deployment"]) for c in doc["history"]] == [
        ("image-not-found", "ecs-svc/1111111111111111111")
    ]
    assert doc["unreadable"]["deployment_history"]["operation"] == "ecs:ListServiceDeployments"


def test_status_and_health_on_plain_moto_keep_their_exit_codes(run_vegaops: Any) -> None:
    seed_service(desired=0, target_group=True)
    r = run_vegaops("status")
    assert r.exit_code == 0, r.output
    assert "vega-api" in r.stdout
    # the sample config's health URL (127.0.0.1:1) refuses connections: unhealthy is 5, never 1
    h = run_vegaops("health", "api", "--retries", "1", "--http-timeout", "1")
    assert h.exit_code == 5, h.output
    assert "http" in h.stdout and "Traceback" not in h.output


def test_cost_and_schedule_list_on_plain_moto(run_vegaops: Any) -> None:
    """No Price List on plain moto (not AWS): the shipped table, said once; the scheduled tasks listed."""
    seed_service(desired=2, target_group=True)
    r = run_vegaops("-o", "json", "cost")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)["data"]
    assert data["prices"]["sources"] == ["table"]
    assert data["services"][0]["desired_tasks"] == 2 and data["services"][0]["monthly_usd"] is not None
    assert r.stderr.count("the Price List is not read") == 1, r.stderr
    listed = run_vegaops("-o", "json", "schedule", "list")
    assert listed.exit_code == 0, listed.stderr
    assert json.loads(listed.stdout)["data"]["schedules"] == []

"""Secret references in every shape: log drivers' secretOptions, every valueFrom form, and a secret whose
ARN changed (deleted and recreated) recognised by name and repointed as a step (in-process moto)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.cli.test_config_cli import envelope
from vegaops.refs import ValueFrom, parse_value_from, secret_match, variables

ACCOUNT = "123456789012"
REGION = "eu-central-1"
SM = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:"


def test_value_from_forms() -> None:
    full = SM + "db-AbCdEf"
    assert parse_value_from(full + ":password:AWSPREVIOUS:") == ValueFrom(
        "secretsmanager", full, "password", "AWSPREVIOUS"
    )
    assert parse_value_from(full + "::AWSCURRENT:v-1") == ValueFrom("secretsmanager", full, None, "AWSCURRENT", "v-1")
    assert parse_value_from("/aws/reference/secretsmanager/db") == ValueFrom("secretsmanager", "db")
    assert parse_value_from(f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/aws/reference/secretsmanager/db").kind == (
        "secretsmanager"
    )
    assert parse_value_from("plain-name") == ValueFrom("ssm", "plain-name")
    assert secret_match(full, full, "db") == "current"
    assert secret_match(SM + "db", full, "db") == "current"  # partial ARN
    assert secret_match("db", full, "db") == "current"  # by name
    assert secret_match(SM + "db-XyZ123", full, "db") == "stale"  # recreated: new suffix
    assert secret_match(SM + "db-other", full, "db") is None  # db-other is another secret
    other_account = f"arn:aws:secretsmanager:{REGION}:999999999999:secret:db-AbCdEf"
    assert secret_match(other_account, full, "db") is None  # cross-account: not this secret


def test_secret_options_are_variables_of_every_container() -> None:
    td = {
        "containerDefinitions": [
            {
                "name": "log_router",
                "image": "amazon/aws-for-fluent-bit:stable",
                "firelensConfiguration": {"type": "fluentbit"},
            },
            {
                "name": "app",
                "image": "httpd",
                "environment": [{"name": "A", "value": "1"}],
                "environmentFiles": [{"value": "arn:aws:s3:::bucket/app.env", "type": "s3"}],
                "logConfiguration": {
                    "logDriver": "splunk",
                    "options": {"splunk-url": "https://splunk:8088"},
                    "secretOptions": [{"name": "splunk-token", "valueFrom": SM + "splunk-AbCdEf"}],
                },
            },
        ]
    }
    got = [(v.container, v.name, v.source, v.via) for v in variables(td)]
    assert got == [
        ("app", "A", "environment", "environment"),
        ("app", "(file)", "environmentFile", "environmentFiles"),
        ("app", "splunk-token", "secretsmanager", "secretOptions"),
    ]


@pytest.fixture
def recreated(aws, project) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """vega-api names vega/staging/db by full ARN (secrets with a JSON key, and a Splunk token through
    secretOptions); the secret is then deleted and recreated, so the ARN suffix changes."""
    sm, ecs = boto3.client("secretsmanager"), boto3.client("ecs")
    old = sm.create_secret(Name="vega/staging/db", SecretString=json.dumps({"password": "pw-old-123456"}))["ARN"]
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {
                "name": "api",
                "image": "nginx:1.27",
                "memory": 256,
                "secrets": [{"name": "DB_PASSWORD", "valueFrom": old + ":password::"}],
                "logConfiguration": {
                    "logDriver": "splunk",
                    "options": {"splunk-url": "https://splunk.example:8088"},
                    "secretOptions": [{"name": "splunk-token", "valueFrom": old}],
                },
            }
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="api", desiredCount=1)
    sm.delete_secret(SecretId=old, ForceDeleteWithoutRecovery=True)
    new = sm.create_secret(Name="vega/staging/db", SecretString=json.dumps({"password": "pw-new-123456"}))["ARN"]
    assert new != old
    return {"old": old, "new": new}


def _service_td() -> dict[str, Any]:
    ecs = boto3.client("ecs")
    arn = ecs.describe_services(cluster="vega-staging", services=["vega-api"])["services"][0]["taskDefinition"]
    td: dict[str, Any] = ecs.describe_task_definition(taskDefinition=arn)["taskDefinition"]
    return td


def test_recreated_secret_is_found_by_name_and_called_stale(cli, recreated) -> None:  # type: ignore[no-untyped-def]
    r = cli("-o", "json", "secret", "refs", "db")
    assert r.exit_code == 0, r.output
    refs = envelope(r.stdout)["data"]["references"]  # type: ignore[index]
    assert [r_["service"] for r_ in refs] == ["vega-api"]
    assert {s["name"] for s in refs[0]["stale_refs"]} == {"DB_PASSWORD", "splunk-token"}
    assert "vegaops secret refs db --repoint" in r.stderr
    human = cli("secret", "refs", "db")
    assert "OLD ARN" in human.stdout and "vegaops secret refs db --repoint" in human.output

    doc = envelope(cli("-o", "json", "env", "vars", "vega-api").stdout)
    rows = {v["name"]: v for v in doc["data"]["variables"]}  # type: ignore[index]
    assert rows["DB_PASSWORD"]["resolves"] is False and "stale ARN" in rows["DB_PASSWORD"]["why"]
    assert rows["splunk-token"]["via"] == "secretOptions" and rows["splunk-token"]["current_arn"] == recreated["new"]


def test_debug_names_the_stale_arn(app_context, recreated) -> None:  # type: ignore[no-untyped-def]
    from vegaops.refs import unresolved

    got = {u["name"]: u for u in unresolved(app_context, [_service_td()])}
    assert set(got) == {"DB_PASSWORD", "splunk-token"}
    assert got["splunk-token"]["current_arn"] == recreated["new"] and got["splunk-token"]["via"] == "secretOptions"
    assert got["DB_PASSWORD"]["code"] == "ResourceNotFoundException" and "stale ARN" in got["DB_PASSWORD"]["error"]


def test_repoint_plan_apply_plan_again_empty(cli, app_context, recreated) -> None:  # type: ignore[no-untyped-def]
    from vegaops.steps.repoint import RepointParams, RepointSecret

    before = _service_td()["taskDefinitionArn"]
    dry = cli("--dry-run", "secret", "refs", "db", "--repoint")
    assert dry.exit_code == 0, dry.output
    assert "repointed at" in dry.output and _service_td()["taskDefinitionArn"] == before

    r = cli("--yes", "secret", "refs", "db", "--repoint", "--no-watch")
    assert r.exit_code == 0, r.output
    td = _service_td()
    assert td["taskDefinitionArn"] != before
    c = td["containerDefinitions"][0]
    assert c["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": recreated["new"] + ":password::"}]
    assert c["logConfiguration"]["secretOptions"][0]["valueFrom"] == recreated["new"]
    assert c["image"] == "nginx:1.27"

    assert RepointSecret(RepointParams("db")).plan(app_context).empty
    again = cli("--dry-run", "secret", "refs", "db", "--repoint")
    assert again.exit_code == 0 and "repointed at" not in again.output
    assert cli("secret", "refs", "log-level", "--param", "--repoint").exit_code == 2


@pytest.fixture
def log_driver_only(aws, project) -> str:  # type: ignore[no-untyped-def]
    """vega-api reads vega/staging/splunk-token only through its log driver's secretOptions."""
    sm, ecs = boto3.client("secretsmanager"), boto3.client("ecs")
    arn: str = sm.create_secret(Name="vega/staging/splunk-token", SecretString="tok-1234567890")["ARN"]
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {
                "name": "api",
                "image": "httpd",
                "memory": 256,
                "logConfiguration": {
                    "logDriver": "splunk",
                    "options": {"splunk-url": "https://splunk.example:8088"},
                    "secretOptions": [{"name": "splunk-token", "valueFrom": arn}],
                },
            }
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="api", desiredCount=1)
    return arn


@pytest.mark.usefixtures("log_driver_only")
def test_secret_options_count_for_refs_redeploy_and_delete(cli) -> None:  # type: ignore[no-untyped-def]
    refs = envelope(cli("-o", "json", "secret", "refs", "splunk-token").stdout)["data"]["references"]  # type: ignore[index]
    assert [(r["service"], r["variables"]) for r in refs] == [("vega-api", ["splunk-token"])]
    r = cli("-o", "json", "secret", "set", "splunk-token", "--redeploy", "--no-watch", input="tok-0987654321")
    assert r.exit_code == 0, r.output
    assert envelope(r.stdout)["data"]["redeploy"]["services"] == ["vega-api"]  # type: ignore[index]
    d = cli("--dry-run", "secret", "delete", "splunk-token")
    assert d.exit_code == 0 and "READ BY vega-api" in d.output
    listed = envelope(cli("-o", "json", "secret", "list").stdout)["data"]["secrets"]  # type: ignore[index]
    assert listed[0]["services"] == ["vega-api"]


@pytest.mark.usefixtures("log_driver_only")
def test_rotate_secret_redeploy_step_finds_log_driver_readers(app_context) -> None:  # type: ignore[no-untyped-def]
    from vegaops.steps.redeploy import ForceRedeploy, RedeployParams

    plan = ForceRedeploy(RedeployParams(secret="splunk-token")).plan(app_context)
    assert [c.target for c in plan.changes] == ["vega-api"]


def test_debug_cause_offers_the_repoint(app_context, recreated) -> None:  # type: ignore[no-untyped-def]
    from vegaops.debug.report import diagnose
    from vegaops.refs import unresolved

    report = {
        "service": "api",
        "stopped_tasks": [],
        "unresolved_secrets": unresolved(app_context, [_service_td()]),
        "unhealthy_targets": [],
        "current_deployment": None,
        "previous_deployments": [],
        "events": [],
    }
    causes = [c for c in diagnose(report) if c.kind.startswith("secret")]
    assert causes and "deleted and recreated" in causes[0].summary
    assert causes[0].next_command.startswith("vegaops secret refs /vega/staging/db --repoint")


def test_resolution_of_flat_parameters_and_other_regions(aws, app_context) -> None:  # type: ignore[no-untyped-def]
    from vegaops.refs import check_resolution

    boto3.client("ssm").put_parameter(Name="flat", Value="x", Type="String")
    west = boto3.client("secretsmanager", region_name="us-west-2").create_secret(Name="far", SecretString="{}")["ARN"]
    td = {
        "containerDefinitions": [
            {
                "name": "app",
                "secrets": [
                    {"name": "FLAT", "valueFrom": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/flat"},
                    {"name": "FLAT_BY_NAME", "valueFrom": "flat"},
                    {"name": "FAR", "valueFrom": west},
                    {"name": "VIA_SSM", "valueFrom": "/aws/reference/secretsmanager/missing"},
                ],
            }
        ]
    }
    found = variables(td)
    check_resolution(app_context, found)
    got = {v.name: (v.resolves, v.why) for v in found}
    assert got["FLAT"] == (True, "") and got["FLAT_BY_NAME"] == (True, "")
    assert got["FAR"] == (True, "")  # read in us-west-2, where the ARN says
    assert got["VIA_SSM"][0] is False and "secret not found" in got["VIA_SSM"][1]


def test_a_partial_arn_of_a_secret_named_like_a_suffix_is_not_stale(cli, app_context, recreated) -> None:  # type: ignore[no-untyped-def]
    """vega/staging/db-backup beside vega/staging/db: its partial ARN looks like a full ARN of db."""
    from vegaops.steps.repoint import RepointParams, RepointSecret

    sm, ecs = boto3.client("secretsmanager"), boto3.client("ecs")
    sm.create_secret(Name="vega/staging/db-backup", SecretString="x")
    ecs.register_task_definition(
        family="backup",
        containerDefinitions=[
            {
                "name": "b",
                "image": "busybox",
                "memory": 64,
                "secrets": [{"name": "B", "valueFrom": SM + "vega/staging/db-backup"}],
            }
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-backup", taskDefinition="backup", desiredCount=0)
    refs = envelope(cli("-o", "json", "secret", "refs", "db").stdout)["data"]["references"]  # type: ignore[index]
    assert [r["service"] for r in refs] == ["vega-api"]
    plan = RepointSecret(RepointParams("db")).plan(app_context)
    assert [c.target for c in plan.changes] == ["vega-api"]

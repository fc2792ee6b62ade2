"""The issue's acceptance checks with the real executable against the moto server over HTTP."""

from __future__ import annotations

import json

import boto3
import pytest

from vegaops import dotenv

pytestmark = pytest.mark.e2e

A = 'first "value" with $dollar\nand a second line'
B = "second-value-e2e"


def test_acceptance_over_http(run_vegaops, moto_url: str) -> None:  # type: ignore[no-untyped-def]
    sm = boto3.client("secretsmanager", endpoint_url=moto_url)
    name = "vega/staging/database-url"
    # set twice with the same value -> one version
    assert run_vegaops("secret", "set", "database-url", input=A).exit_code == 0
    r = run_vegaops("secret", "set", "database-url", input=A)
    assert r.exit_code == 0 and "unchanged" in r.stdout + r.stderr
    assert len(sm.describe_secret(SecretId=name)["VersionIdsToStages"]) == 1
    # get never shows the value without --reveal
    r = run_vegaops("secret", "get", "database-url")
    assert r.exit_code == 0 and "first" not in r.stdout + r.stderr
    assert run_vegaops("secret", "get", "database-url", "--reveal").stdout == A + "\n"
    # rollback restores the previous value
    assert run_vegaops("secret", "set", "database-url", "-", input=B).exit_code == 0
    assert run_vegaops("secret", "rollback", "database-url").exit_code == 0
    assert run_vegaops("secret", "get", "database-url", "--reveal").stdout == A + "\n"
    # export --format dotenv round-trips quotes and newlines
    r = run_vegaops("secret", "export", "--format", "dotenv")
    assert dotenv.parse(r.stdout) == {"DATABASE_URL": A}
    # diff names keys that differ or exist on one side only, without values
    sm.create_secret(Name="vega/prod/database-url", SecretString=B)
    sm.create_secret(Name="vega/prod/only-prod", SecretString=B)
    r = run_vegaops("-o", "json", "secret", "diff", "staging", "prod")
    data = json.loads(r.stdout)["data"]
    assert data["different"] == ["database-url"] and data["only_b"] == ["only-prod"] and B not in r.stdout


def test_refs_over_http(run_vegaops, moto_url: str) -> None:  # type: ignore[no-untyped-def]
    sm = boto3.client("secretsmanager", endpoint_url=moto_url)
    ecs = boto3.client("ecs", endpoint_url=moto_url)
    arn = sm.create_secret(Name="vega/staging/admin-password", SecretString=B)["ARN"]
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(
        family="api",
        containerDefinitions=[
            {"name": "api", "image": "x", "memory": 64, "secrets": [{"name": "ADMIN_PASSWORD", "valueFrom": arn}]}
        ],
    )
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="api", desiredCount=1)
    r = run_vegaops("-o", "json", "secret", "refs", "admin-password")
    refs = json.loads(r.stdout)["data"]["references"]
    assert [(x["service"], x["variables"]) for x in refs] == [("vega-api", ["ADMIN_PASSWORD"])]

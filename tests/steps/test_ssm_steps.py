"""The step contract: plan -> apply -> plan again is empty; unchanged values write nothing."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from vegaops.context import AppContext
from vegaops.steps.base import Step
from vegaops.steps.ssm import DeleteParameters, DeleteParams, PutParameter, PutParams


def contract(ctx: AppContext, step: Step[Any]) -> None:
    plan = step.plan(ctx)
    assert not plan.empty
    step.apply(ctx, plan)
    again = step.plan(ctx)
    assert again.empty, again.changes


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    "params",
    [
        PutParams(name="log-level", value="info"),
        PutParams(name="db-pass", value="s3cret", secure=True, description="db", tags={"team": "core"}),
        PutParams(name="/abs/url", value="https://example.com/x"),
    ],
)
def test_put_contract(app_context: AppContext, params: PutParams) -> None:
    contract(app_context, PutParameter(params))


@pytest.mark.usefixtures("aws")
def test_unchanged_value_writes_no_new_version(app_context: AppContext) -> None:
    ssm = boto3.client("ssm")
    step = PutParameter(PutParams(name="log-level", value="info"))
    step.apply(app_context, step.plan(app_context))
    step.apply(app_context, step.plan(app_context))
    assert ssm.get_parameter(Name="/vega/staging/log-level")["Parameter"]["Version"] == 1


@pytest.mark.usefixtures("aws")
def test_update_type_and_value_and_tags(app_context: AppContext) -> None:
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/vega/staging/k", Value="a", Type="String")
    contract(app_context, PutParameter(PutParams(name="k", value="b", secure=True, tags={"owner": "me"})))
    p = ssm.get_parameter(Name="/vega/staging/k", WithDecryption=True)["Parameter"]
    assert (p["Type"], p["Value"], p["Version"]) == ("SecureString", "b", 2)


@pytest.mark.usefixtures("aws")
def test_url_value_is_stored_literally(app_context: AppContext) -> None:
    step = PutParameter(PutParams(name="endpoint", value="https://example.invalid/path"))
    step.apply(app_context, step.plan(app_context))
    value = boto3.client("ssm").get_parameter(Name="/vega/staging/endpoint")["Parameter"]["Value"]
    assert value == "https://example.invalid/path"


@pytest.mark.usefixtures("aws")
def test_secure_values_are_masked_in_plans(app_context: AppContext) -> None:
    plan = PutParameter(PutParams(name="pw", value="hunter2", secure=True)).plan(app_context)
    assert "hunter2" not in repr([c.to_dict() for c in plan.changes])


@pytest.mark.usefixtures("aws")
def test_delete_contract_in_batches(app_context: AppContext) -> None:
    ssm = boto3.client("ssm")
    names = [f"p{i}" for i in range(23)]
    for n in names:
        ssm.put_parameter(Name=f"/vega/staging/{n}", Value="v", Type="String")
    step = DeleteParameters(DeleteParams(names=[*names, "absent"]))
    plan = step.plan(app_context)
    assert len(plan.changes) == 23 and plan.notes == ["absent: /vega/staging/absent"]
    contract(app_context, step)
    assert ssm.get_parameters_by_path(Path="/vega/staging")["Parameters"] == []


@pytest.mark.usefixtures("aws")
def test_if_missing_creates_only_what_is_missing(app_context: AppContext) -> None:
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/vega/staging/log-level", Value="warn", Type="String")
    kept = PutParameter(PutParams(name="log-level", value="info", description="LOG_LEVEL", if_missing=True))
    plan = kept.plan(app_context)
    assert plan.empty and plan.outputs["version"] == 1
    assert plan.notes == ["kept: /vega/staging/log-level exists (version 1); seeding only creates what is missing"]
    created = PutParameter(PutParams(name="cache-enabled", value="true", if_missing=True))
    contract(app_context, created)
    assert ssm.get_parameter(Name="/vega/staging/cache-enabled")["Parameter"]["Value"] == "true"
    assert ssm.get_parameter(Name="/vega/staging/log-level")["Parameter"]["Value"] == "warn"


@pytest.mark.usefixtures("aws", "project")
def test_seed_params_plans_nothing_for_existing_values(cli) -> None:  # type: ignore[no-untyped-def]
    import json

    boto3.client("ssm").put_parameter(Name="/vega/staging/log-level", Value="warn", Type="String")
    r = cli("-o", "json", "runbook", "plan", "seed-params")
    doc = json.loads(r.stdout)
    assert r.exit_code == 0
    targets = [c["target"] for c in doc["changes"]]
    assert "/vega/staging/log-level" not in targets and len(targets) == 3
    assert cli("runbook", "run", "seed-params", "--var", "log_level=debug").exit_code == 0
    assert boto3.client("ssm").get_parameter(Name="/vega/staging/log-level")["Parameter"]["Value"] == "warn"

"""secrets.put: the step contract, no new version for an unchanged value, JSON fields, A -> B -> A."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.steps.test_ssm_steps import contract
from vegaops.aws.secrets import request_token
from vegaops.context import AppContext
from vegaops.errors import UsageError
from vegaops.steps.secrets import PutSecret, PutSecretParams, create_missing_call

NAME = "vega/staging/database-url"


def _versions(name: str = NAME) -> dict[str, list[str]]:
    meta = boto3.client("secretsmanager").describe_secret(SecretId=name)
    return dict(meta["VersionIdsToStages"])


def _current(name: str = NAME) -> str:
    return str(boto3.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"])


def _set(ctx: AppContext, **kw: object) -> None:
    step = PutSecret(PutSecretParams(**kw))  # type: ignore[arg-type]
    step.apply(ctx, step.plan(ctx))


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("params", [
    PutSecretParams(name="database-url", value="postgres://u:p@h/db"),
    PutSecretParams(name="token", value="t0k", description="mgmt", tags={"team": "core"}),
    PutSecretParams(name="/abs/x", value="v"),
])
def test_put_contract(app_context: AppContext, params: PutSecretParams) -> None:
    contract(app_context, PutSecret(params))


@pytest.mark.usefixtures("aws")
def test_same_value_twice_leaves_one_version(app_context: AppContext) -> None:
    _set(app_context, name="database-url", value="one")
    _set(app_context, name="database-url", value="one")
    assert len(_versions()) == 1


@pytest.mark.usefixtures("aws")
def test_back_to_an_old_value_makes_it_current_again(app_context: AppContext) -> None:
    for value in ("a", "b", "a"):
        _set(app_context, name="database-url", value=value)
    assert _current() == "a"
    assert len(_versions()) == 3


@pytest.mark.usefixtures("aws")
def test_json_key_updates_one_field(app_context: AppContext) -> None:
    boto3.client("secretsmanager").create_secret(Name=NAME, SecretString='{"user":"u","password":"old"}')
    _set(app_context, name="database-url", key="password", value="new")
    assert json.loads(_current()) == {"user": "u", "password": "new"}
    step = PutSecret(PutSecretParams(name="database-url", key="password", value="new"))
    assert step.plan(app_context).empty


@pytest.mark.usefixtures("aws")
def test_json_key_on_a_plain_secret_is_a_usage_error(app_context: AppContext) -> None:
    boto3.client("secretsmanager").create_secret(Name=NAME, SecretString="plain")
    with pytest.raises(UsageError, match="not a JSON object"):
        PutSecret(PutSecretParams(name="database-url", key="k", value="v")).plan(app_context)


@pytest.mark.usefixtures("aws")
def test_plan_never_renders_the_value(app_context: AppContext) -> None:
    boto3.client("secretsmanager").create_secret(Name=NAME, SecretString="old-hunter2")
    plan = PutSecret(PutSecretParams(name="database-url", value="new-hunter2")).plan(app_context)
    text = json.dumps([c.to_dict() for c in plan.changes]) + repr(plan.changes)
    assert "hunter2" not in text


def test_request_token_depends_on_the_replaced_version() -> None:
    assert request_token(NAME, "a", "v1") == request_token(NAME, "a", "v1")
    assert request_token(NAME, "a", "v1") != request_token(NAME, "a", "v2")
    assert 32 <= len(request_token(NAME, "a")) <= 64


def test_create_missing_call_uses_the_absolute_name() -> None:
    call = create_missing_call("vega/prod/openai-api-key", "sk")
    assert call.params["name"] == "/vega/prod/openai-api-key"
    assert call.uses == "secrets.put"

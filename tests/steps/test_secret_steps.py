"""secrets.put: the step contract, no new version for an unchanged value, JSON fields, A -> B -> A."""

from __future__ import annotations

import json

import boto3
import pytest

from tests.steps.test_ssm_steps import contract
from vegaops.aws.secrets import request_token
from vegaops.context import AppContext
from vegaops.errors import UsageError
from vegaops.setup.run import create_missing_call
from vegaops.steps.secrets import PutSecret, PutSecretParams

NAME = "vega/staging/database-url"


def _versions(name: str = NAME) -> dict[str, list[str]]:
    meta = boto3.client("secretsmanager").describe_secret(SecretId=name)
    return dict(meta["VersionIdsToStages"])


def _current(name: str = NAME) -> str:
    got = boto3.client("secretsmanager").get_secret_value(SecretId=name, VersionStage="AWSCURRENT")
    return str(got["SecretString"])


def _set(ctx: AppContext, **kw: object) -> None:
    step = PutSecret(PutSecretParams(**kw))  # type: ignore[arg-type]
    step.apply(ctx, step.plan(ctx))


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize(
    "params",
    [
        PutSecretParams(name="database-url", value="postgres://u:p@h/db"),
        PutSecretParams(name="token", value="t0k", description="mgmt", tags={"team": "core"}),
        PutSecretParams(name="/abs/x", value="v"),
    ],
)
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


def test_request_token_is_keyed(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The token becomes a version id anyone with ListSecretVersionIds sees: not a plain hash of the value."""
    import hashlib

    token = request_token(NAME, "1234", "v1")
    plain = hashlib.sha256(f"{NAME}\0v1\01234".encode()).hexdigest()
    assert token.removeprefix("vegaops-") not in plain
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(tmp_path / "other-installation"))
    assert request_token(NAME, "1234", "v1") != token


def test_create_missing_call_uses_the_absolute_name() -> None:
    call = create_missing_call("vega/prod/openai-api-key", "sk")
    assert call.params["name"] == "/vega/prod/openai-api-key"
    assert call.uses == "secrets.put"


# --- delete / restore / rollback / force-redeploy --------------------------------------------------------------


def _sm():  # type: ignore[no-untyped-def]
    return boto3.client("secretsmanager")


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("force", [False, True])
def test_delete_contract(app_context: AppContext, force: bool) -> None:
    from vegaops.steps.secrets import DeleteSecret, DeleteSecretParams

    _sm().create_secret(Name=NAME, SecretString="v")
    contract(app_context, DeleteSecret(DeleteSecretParams("database-url", 7 if not force else None, force)))
    listed = _sm().list_secrets(IncludePlannedDeletion=True)["SecretList"]
    assert [s["Name"] for s in listed] == ([] if force else [NAME])


@pytest.mark.usefixtures("aws")
def test_delete_absent_plans_nothing(app_context: AppContext) -> None:
    from vegaops.steps.secrets import DeleteSecret, DeleteSecretParams

    plan = DeleteSecret(DeleteSecretParams("nope")).plan(app_context)
    assert plan.empty and plan.notes == ["absent: vega/staging/nope"]


@pytest.mark.usefixtures("aws")
def test_restore_contract(app_context: AppContext) -> None:
    from vegaops.steps.secrets import RestoreSecret, RestoreSecretParams

    _sm().create_secret(Name=NAME, SecretString="v")
    _sm().delete_secret(SecretId=NAME, RecoveryWindowInDays=7)
    contract(app_context, RestoreSecret(RestoreSecretParams("database-url")))
    assert _current() == "v"


@pytest.mark.usefixtures("aws")
def test_rollback_contract_and_value(app_context: AppContext) -> None:
    from vegaops.steps.secrets import RollbackSecret, RollbackSecretParams

    for value in ("first", "second", "third"):
        _set(app_context, name="database-url", value=value)
    before = _versions()
    previous = next(v for v, s in before.items() if "AWSPREVIOUS" in s)
    contract(app_context, RollbackSecret(RollbackSecretParams("database-url", previous)))
    assert _current() == "second"
    assert len(_versions()) == 3  # no new version written


@pytest.mark.usefixtures("aws")
def test_rollback_default_is_awsprevious_and_to_any_version(app_context: AppContext) -> None:
    from vegaops.aws.secrets import SecretsCatalog
    from vegaops.steps.secrets import RollbackSecret, RollbackSecretParams

    for value in ("first", "second"):
        _set(app_context, name="database-url", value=value)
    step = RollbackSecret(RollbackSecretParams("database-url"))
    step.apply(app_context, step.plan(app_context))
    assert _current() == "first"
    current = next(v.version_id for v in SecretsCatalog(_sm()).versions(NAME) if "AWSCURRENT" in v.stages)
    plan = RollbackSecret(RollbackSecretParams("database-url", current)).plan(app_context)
    assert plan.empty and "already AWSCURRENT" in plan.notes[0]


@pytest.mark.usefixtures("aws")
def test_rollback_unknown_version_is_not_found(app_context: AppContext) -> None:
    from vegaops.errors import NotFoundError
    from vegaops.steps.secrets import RollbackSecret, RollbackSecretParams

    _set(app_context, name="database-url", value="only")
    with pytest.raises(NotFoundError, match="no previous version"):
        RollbackSecret(RollbackSecretParams("database-url")).plan(app_context)
    with pytest.raises(NotFoundError, match="no version"):
        RollbackSecret(RollbackSecretParams("database-url", "00000000-0000-0000-0000-000000000000")).plan(app_context)


@pytest.mark.usefixtures("aws")
def test_force_redeploy_contract(app_context: AppContext) -> None:
    from datetime import UTC, datetime

    from vegaops.steps.redeploy import ForceRedeploy, RedeployParams

    ecs = boto3.client("ecs")
    ecs.create_cluster(clusterName="vega-staging")
    ecs.register_task_definition(family="api", containerDefinitions=[{"name": "api", "image": "x", "memory": 128}])
    ecs.create_service(cluster="vega-staging", serviceName="vega-api", taskDefinition="api", desiredCount=1)
    after = datetime.now(UTC).isoformat()
    step = ForceRedeploy(RedeployParams(["vega-api"], after))
    plan = step.plan(app_context)
    assert [c.target for c in plan.changes] == ["vega-api"]
    outcome = step.apply(app_context, plan)
    assert outcome.outputs["deployments"]["vega-api"].startswith("ecs-svc/")
    assert step.plan(app_context).empty

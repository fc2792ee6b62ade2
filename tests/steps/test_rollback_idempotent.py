"""Rollbacks are idempotent: ``secret rollback`` and ``config rollback`` twice equal once (issue 13 item 4).

"Rollback" means "make the value that was current before the newest write current again", resolved from the
versions' creation order, never a swap of AWSCURRENT and AWSPREVIOUS (which a retry would swap back).
"""

from __future__ import annotations

import boto3
import pytest

from vegaops.context import AppContext
from vegaops.steps.secrets import PutSecret, PutSecretParams, RollbackSecret, RollbackSecretParams
from vegaops.steps.ssm import PutParameter, PutParams, RollbackParameter, RollbackParams

pytestmark = pytest.mark.usefixtures("aws")

SECRET = "vega/staging/database-url"
PARAM = "/vega/staging/log-level"


def _secret_current() -> str:
    got = boto3.client("secretsmanager").get_secret_value(SecretId=SECRET, VersionStage="AWSCURRENT")
    return str(got["SecretString"])


def _param_current() -> str:
    return str(boto3.client("ssm").get_parameter(Name=PARAM)["Parameter"]["Value"])


def _set_secret(ctx: AppContext, value: str) -> None:
    step = PutSecret(PutSecretParams(name="database-url", value=value))
    step.apply(ctx, step.plan(ctx))


def _set_param(ctx: AppContext, value: str, secure: bool = False) -> None:
    step = PutParameter(PutParams(name="log-level", value=value, secure=secure))
    step.apply(ctx, step.plan(ctx))


def _rollback_secret(ctx: AppContext, to: str | None = None) -> bool:
    step = RollbackSecret(RollbackSecretParams("database-url", to))
    plan = step.plan(ctx)
    if not plan.empty:
        step.apply(ctx, plan)
    return not plan.empty


def _rollback_param(ctx: AppContext, to: int | None = None) -> bool:
    step = RollbackParameter(RollbackParams("log-level", to))
    plan = step.plan(ctx)
    if not plan.empty:
        step.apply(ctx, plan)
    return not plan.empty


# --- secrets ----------------------------------------------------------------------------------------------------


def test_secret_rollback_twice_equals_once(app_context: AppContext) -> None:
    for value in ("good-1", "good-2", "bad-3"):
        _set_secret(app_context, value)
    assert _rollback_secret(app_context) is True
    assert _secret_current() == "good-2"
    assert _rollback_secret(app_context) is False  # a retried rollback plans nothing
    assert _secret_current() == "good-2"
    assert _rollback_secret(app_context) is False
    assert _secret_current() == "good-2"


def test_secret_rollback_of_two_versions_twice(app_context: AppContext) -> None:
    for value in ("good", "bad"):
        _set_secret(app_context, value)
    _rollback_secret(app_context)
    _rollback_secret(app_context)
    assert _secret_current() == "good"


def test_secret_set_after_rollback_then_rollback_returns_to_the_value_before_it(app_context: AppContext) -> None:
    for value in ("good", "bad"):
        _set_secret(app_context, value)
    _rollback_secret(app_context)
    _set_secret(app_context, "new")
    assert _secret_current() == "new"
    assert _rollback_secret(app_context) is True
    assert _secret_current() == "good"  # the value current before "new", not "bad"
    assert _rollback_secret(app_context) is False


def test_secret_set_the_rolled_back_value_again_makes_it_current(app_context: AppContext) -> None:
    """A -> B, rollback to A, set B again: a new version is current (not a swallowed repeat of B's write)."""
    for value in ("a", "b"):
        _set_secret(app_context, value)
    _rollback_secret(app_context)
    assert _secret_current() == "a"
    _set_secret(app_context, "b")
    assert _secret_current() == "b"


def test_secret_rollback_to_a_chosen_version_twice(app_context: AppContext) -> None:
    from vegaops.aws.secrets import SecretsCatalog

    for value in ("v1", "v2", "v3"):
        _set_secret(app_context, value)
    oldest = SecretsCatalog(boto3.client("secretsmanager")).versions(SECRET)[-1].version_id
    assert _rollback_secret(app_context, oldest) is True
    assert _rollback_secret(app_context, oldest) is False
    assert _secret_current() == "v1"
    assert _rollback_secret(app_context) is False  # newest (v3) is not current: already rolled back


# --- SSM parameters ---------------------------------------------------------------------------------------------


def test_config_rollback_twice_equals_once(app_context: AppContext) -> None:
    for value in ("info", "warn", "debug"):
        _set_param(app_context, value)
    assert _rollback_param(app_context) is True
    assert _param_current() == "warn"
    assert _rollback_param(app_context) is False
    assert _rollback_param(app_context) is False
    assert _param_current() == "warn"
    versions = boto3.client("ssm").get_parameter_history(Name=PARAM)["Parameters"]
    assert len(versions) == 4  # one rollback version, labelled
    assert versions[-1]["Labels"] == ["vegaops-rollback-v4"]


def test_config_set_after_rollback_then_rollback(app_context: AppContext) -> None:
    for value in ("info", "debug"):
        _set_param(app_context, value)
    _rollback_param(app_context)  # v3 = info
    _set_param(app_context, "error")  # v4
    assert _rollback_param(app_context) is True
    assert _param_current() == "info"  # the value before "error"
    assert _rollback_param(app_context) is False


def test_config_rollback_to_a_chosen_version_twice(app_context: AppContext) -> None:
    for value in ("a", "b", "c"):
        _set_param(app_context, value)
    assert _rollback_param(app_context, 1) is True
    assert _rollback_param(app_context, 1) is False
    assert _param_current() == "a"


def test_config_rollback_keeps_securestring(app_context: AppContext) -> None:
    for value in ("s3cret-old", "s3cret-new"):
        _set_param(app_context, value, secure=True)
    step = RollbackParameter(RollbackParams("log-level"))
    plan = step.plan(app_context)
    assert "s3cret" not in str([c.to_dict() for c in plan.changes])
    step.apply(app_context, plan)
    got = boto3.client("ssm").get_parameter(Name=PARAM, WithDecryption=True)["Parameter"]
    assert (got["Value"], got["Type"]) == ("s3cret-old", "SecureString")


def test_config_rollback_of_a_single_version_is_not_found(app_context: AppContext) -> None:
    from vegaops.errors import NotFoundError

    _set_param(app_context, "only")
    with pytest.raises(NotFoundError, match="oldest kept version"):
        RollbackParameter(RollbackParams("log-level")).plan(app_context)

"""`secret delete` / `config delete` plans name the services whose task definitions read the name and what
happens to their next tasks (issue 13 item 6)."""

from __future__ import annotations

import boto3
import pytest

from tests.cli.test_config_cli import envelope
from tests.cli.test_secret_refs import estate  # noqa: F401 - the fixture

pytestmark = pytest.mark.usefixtures("estate")


def test_secret_delete_plan_names_the_readers(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("--dry-run", "secret", "delete", "database-url")
    assert r.exit_code == 0, r.output
    assert "vega-api (DATABASE_URL)" in r.stderr and "vega-worker (DB)" in r.stderr
    assert "fail to start" in r.stderr and "vegaops secret restore database-url" in r.stderr
    doc = envelope(cli("-o", "json", "--dry-run", "secret", "delete", "database-url", "--force").stdout)
    detail = doc["changes"][0]["detail"]  # type: ignore[index]
    assert detail["read_by"] == "vega-api (DATABASE_URL); vega-worker (DB)"
    assert "it is gone" in detail["next_tasks"] and "restore" not in detail["next_tasks"]
    assert (
        boto3.client("secretsmanager").describe_secret(SecretId="vega/staging/database-url").get("DeletedDate") is None
    )


def test_config_delete_plan_names_the_readers(cli) -> None:  # type: ignore[no-untyped-def]
    boto3.client("ssm").put_parameter(Name="/vega/staging/unused", Value="x", Type="String")
    doc = envelope(cli("-o", "json", "--dry-run", "config", "delete", "log-level", "unused").stdout)
    details = {c["target"]: c["detail"] for c in doc["changes"]}  # type: ignore[union-attr]
    assert details["/vega/staging/log-level"]["read_by"] == "vega-api (LOG_LEVEL)"
    assert "fail to start" in details["/vega/staging/log-level"]["next_tasks"]
    assert details["/vega/staging/unused"]["read_by"] == "no service in the cluster"
    human = cli("--dry-run", "config", "delete", "log-level")
    assert "read_by: vega-api (LOG_LEVEL)" in human.stderr

"""Every mutating secret/config command, run twice, equals once: the second run plans nothing and writes
nothing (issue 13 item 4). Each case: a starting state, the command; the first run changes something, the
second (planned with --dry-run, then run for real) reports no change and leaves AWS exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.cli.test_config_cli import envelope

pytestmark = pytest.mark.usefixtures("aws", "project")

PREFIX = "vega/staging/"


def _sm() -> Any:
    return boto3.client("secretsmanager")


def _ssm() -> Any:
    return boto3.client("ssm")


def snapshot() -> dict[str, Any]:
    """Everything a command could have written: secrets (versions, stages, deletion) and parameters."""
    state: dict[str, Any] = {}
    for s in _sm().list_secrets(IncludePlannedDeletion=True)["SecretList"]:
        versions = _sm().list_secret_version_ids(SecretId=s["Name"], IncludeDeprecated=True)["Versions"]
        state["secret " + s["Name"]] = (
            sorted((v["VersionId"], tuple(sorted(v.get("VersionStages", [])))) for v in versions),
            s.get("DeletedDate") is not None,
        )
    for p in _ssm().describe_parameters()["Parameters"]:
        history = _ssm().get_parameter_history(Name=p["Name"], WithDecryption=True)["Parameters"]
        state["param " + p["Name"]] = [
            (h["Version"], h["Value"], h["Type"], tuple(h.get("Labels", []))) for h in history
        ]
    return state


def _secret(name: str, *values: str) -> Callable[[Path], None]:
    def seed(_: Path) -> None:
        _sm().create_secret(Name=PREFIX + name, SecretString=values[0])
        for v in values[1:]:
            _sm().put_secret_value(SecretId=PREFIX + name, SecretString=v)

    return seed


def _param(name: str, *values: str) -> Callable[[Path], None]:
    def seed(_: Path) -> None:
        for i, v in enumerate(values):
            _ssm().put_parameter(Name="/" + PREFIX + name, Value=v, Type="String", Overwrite=i > 0)

    return seed


def _deleted_secret(_: Path) -> None:
    _sm().create_secret(Name=PREFIX + "old", SecretString="v")
    _sm().delete_secret(SecretId=PREFIX + "old", RecoveryWindowInDays=7)


def _env_file(_: Path) -> None:
    Path("values.env").write_text("DB_URL=postgres://x\nAPI_KEY=k1\n")


@dataclass
class Case:
    id: str
    args: tuple[str, ...]
    seed: Callable[[Path], None] = lambda _: None
    input: str | None = None
    extra: list[Callable[[Path], None]] = field(default_factory=list)


CASES = [
    Case("secret set (create)", ("secret", "set", "db"), input="v1"),
    Case("secret set (update)", ("secret", "set", "db"), _secret("db", "v0"), input="v1"),
    Case("secret set --key", ("secret", "set", "db", "--key", "password"), _secret("db", '{"user":"u"}'), input="p"),
    Case("secret set --description --tag", ("secret", "set", "db", "--description", "d", "--tag", "t=1"), input="v"),
    Case("secret rollback", ("secret", "rollback", "db"), _secret("db", "a", "b", "c")),
    Case("secret delete", ("secret", "delete", "db"), _secret("db", "a")),
    Case("secret delete --force", ("secret", "delete", "db", "--force"), _secret("db", "a")),
    Case("secret restore", ("secret", "restore", "old"), _deleted_secret),
    Case("secret import", ("secret", "import", "values.env"), _env_file),
    Case("config set", ("config", "set", "log-level", "info"), _param("log-level", "warn")),
    Case("config set --secure", ("config", "set", "token", "-", "--secure"), input="t0k"),
    Case("config rollback", ("config", "rollback", "log-level"), _param("log-level", "a", "b", "c")),
    Case("config rollback --to", ("config", "rollback", "log-level", "--to", "1"), _param("log-level", "a", "b")),
    Case("config delete", ("config", "delete", "log-level", "other"), _param("log-level", "a")),
    Case("config import", ("config", "import", "values.env"), _env_file),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_second_run_plans_nothing(cli, case: Case, project: Path) -> None:  # type: ignore[no-untyped-def]
    case.seed(project)
    before = snapshot()
    first = cli("-o", "json", "--yes", *case.args, input=case.input)
    assert first.exit_code == 0, first.output
    assert envelope(first.stdout)["status"] == "changed", first.stdout
    after_first = snapshot()
    assert after_first != before

    planned = cli("-o", "json", "--yes", "--dry-run", *case.args, input=case.input)
    assert planned.exit_code == 0, planned.output
    doc = envelope(planned.stdout)
    assert (doc["status"], doc["changes"]) == ("unchanged", []), planned.stdout

    second = cli("-o", "json", "--yes", *case.args, input=case.input)
    assert second.exit_code == 0, second.output
    doc = envelope(second.stdout)
    assert (doc["status"], doc["changes"]) == ("unchanged", []), second.stdout
    assert snapshot() == after_first

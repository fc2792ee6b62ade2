"""secret export/import against the tools that read and write these files: python-dotenv and a POSIX shell."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import boto3
import pytest
from dotenv import dotenv_values, set_key

pytestmark = pytest.mark.usefixtures("aws", "project")

VALUES = {
    "db-password": "p@ss \"quoted\" 'single' $HOME ${HOME} \\back\\\\slash\nsecond\rline",
    "spaced": "  leading and trailing  ",
    "hash": "a # not a comment #",
    "equals": "k=v==",
    "tab": "a\tb",
    "empty-ish": " ",
}


@pytest.fixture
def stores(aws: None) -> None:
    sm = boto3.client("secretsmanager")
    for name, value in VALUES.items():
        sm.create_secret(Name=f"vega/staging/{name}", SecretString=value)


def env_names() -> dict[str, str]:
    return {name.upper().replace("-", "_"): value for name, value in VALUES.items()}


@pytest.mark.usefixtures("stores")
def test_export_dotenv_is_read_back_by_python_dotenv(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("secret", "export", "--format", "dotenv")
    assert r.exit_code == 0, r.output
    assert dotenv_values(stream=io.StringIO(r.stdout), interpolate=False) == env_names()


@pytest.mark.e2e
@pytest.mark.usefixtures("stores")
@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_export_env_is_read_back_by_set_a_dot(cli, tmp_path: Path, shell: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "vars.env"
    assert cli("secret", "export", "--format", "env", "--to", str(target)).exit_code == 0
    script = 'set -a; . "$1"; set +a; printf "%s" "$DB_PASSWORD"'
    proc = subprocess.run([shell, "-c", script, shell, str(target)], capture_output=True, check=True)
    assert proc.stdout.decode() == VALUES["db-password"]


def test_import_reads_a_file_python_dotenv_wrote(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "written.env"
    path.touch()
    for key, value in env_names().items():
        set_key(path, key, value, quote_mode="always")
    expected = dotenv_values(path, interpolate=False)
    r = cli("--yes", "secret", "import", str(path))
    assert r.exit_code == 0, r.output
    sm = boto3.client("secretsmanager")
    for key, value in expected.items():
        name = "vega/staging/" + key.lower().replace("_", "-")
        assert sm.get_secret_value(SecretId=name)["SecretString"] == value

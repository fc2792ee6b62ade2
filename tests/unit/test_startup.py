"""`vegaops --help` must stay fast: no boto3, botocore, questionary or moto at start-up."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from vegaops import __version__

pytestmark = pytest.mark.e2e  # each case runs a fresh interpreter

HEAVY = ("boto3", "botocore", "questionary", "prompt_toolkit", "moto")

PROBE = f"""
import json, sys
from vegaops.main import run
code = run(sys.argv[1:])
heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))
print(json.dumps({{"code": code, "heavy": heavy}}), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--help"], "Usage: vegaops [OPTIONS] COMMAND"),
        (["config", "--help"], "Usage: vegaops config [OPTIONS] COMMAND"),
        (["--version"], f"vegaops {__version__}"),
        (["runbook", "--help"], "Usage: vegaops runbook [OPTIONS] COMMAND"),
    ],
)
def test_help_imports_no_heavy_modules(args: list[str], shown: str) -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60, check=False)
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report == {"code": 0, "heavy": []}, proc.stderr
    assert shown in proc.stdout


ONE_CALL_PROBE = """
import json, sys
from vegaops.main import run
code = run(sys.argv[1:])
loaded = sorted({m.split('.')[0] for m in sys.modules} & {"pydantic", "rich", "tenacity", "questionary", "moto"})
# vegaops modules a one-call read never needs: other command groups, ECR, notifications, GitHub, prompts, runbooks
unneeded = ("vegaops.cli.secret", "vegaops.cli.deploy", "vegaops.cli.status", "vegaops.aws.ecr", "vegaops.notify",
            "vegaops.ci.github", "vegaops.prompter", "vegaops.runbook")
loaded += sorted(m for m in sys.modules if m.startswith(unneeded))
print(json.dumps({"code": code, "loaded": loaded}), file=sys.stderr)
"""


@pytest.mark.e2e
@pytest.mark.parametrize("args", [["config", "get", "db_host"], ["-o", "json", "config", "get", "db_host"]])
def test_a_one_call_read_imports_only_what_it_needs(args: list[str], moto_url: str, project: object) -> None:
    """typer converts parameter values through pydantic and rich renders terminals; a plain read piped to a
    file needs neither (vegaops.cli.tree, vegaops.output.render), and each costs start-up CPU; nor the modules of
    other commands (vegaops.cli.app.TREE) or of what the command does not do (ECR, notifications, GitHub)."""
    import os

    import boto3

    ssm = boto3.client("ssm", endpoint_url=moto_url)
    name = "db_host"
    prefix = "/vega/staging/"
    ssm.put_parameter(Name=prefix + name, Value="db.internal:5432", Type="String")
    proc = subprocess.run(
        [sys.executable, "-c", ONE_CALL_PROBE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": []}, proc.stderr
    assert "db.internal:5432" in proc.stdout

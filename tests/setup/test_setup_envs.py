"""Setup never touches what it was not asked to (issue 13 item 5): adding an environment leaves what every
other environment resolves unchanged; `--sandbox --env NAME` writes NAME; the README example works as
printed; errors name the option and the rule."""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tests.setup.test_setup import OPTIONS

pytestmark = pytest.mark.usefixtures("estate")

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def empty_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def readme_setup_examples() -> list[list[str]]:
    """The non-interactive `vegaops setup ...` commands of the README's Setup section, as argv."""
    section = README.read_text().split("## Setup", 1)[1].split("\n## ", 1)[0]
    text = re.sub(r"\\\n\s*", "", section)  # join continued lines
    commands = []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("vegaops setup ") and "--yes" in line:
            commands.append(shlex.split(line.split("  #", 1)[0])[1:])
    return commands


def test_readme_setup_example_works_verbatim(cli, empty_dir: Path) -> None:  # type: ignore[no-untyped-def]
    examples = readme_setup_examples()
    assert examples, "the README's Setup section has no non-interactive example"
    (empty_dir / "token.txt").write_text("tok-from-file\n")
    for argv in examples:
        r = cli(*argv, "--skip-check")
        assert r.exit_code == 0, (argv, r.output)
        assert "tok-from-file" not in r.output
    cfg = tomllib.loads((empty_dir / "vegaops.toml").read_text())
    assert cfg["env"]["prod"]["cluster"] == "vega-prod"


STAGING_FILE = """\
# the team's file
[project]
name = "vega"
region = "eu-central-1"
default_env = "staging"

[env.staging]
cluster = "vega-staging"  # the small one

[service.api]
ecs_service = "vega-api"
container = "api"
ecr_repo = "vega-api"
health_url = "http://staging.internal/v1/health"
"""

PROD = [*OPTIONS, "--yes"]  # the same answers test_setup.py gives, confirmed


def _show(cli, env: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = cli("-o", "json", "env", "show", env)
    assert r.exit_code == 0, r.output
    data: dict[str, Any] = json.loads(r.stdout)["data"]
    return data


BARE_FILE = """\
[env.staging]
cluster = "vega-staging"

[service.api]
ecs_service = "vega-api"
health_url = "http://staging.internal/v1/health"
"""


@pytest.mark.parametrize("original", [STAGING_FILE, BARE_FILE], ids=["full", "no-project-table"])
def test_adding_an_environment_leaves_the_others_resolving_the_same(  # type: ignore[no-untyped-def]
    cli, empty_dir: Path, estate: dict[str, Any], original: str
) -> None:
    (empty_dir / "vegaops.toml").write_text(original)
    before = _show(cli, "staging")
    default_before = _show(cli, "staging")
    r = cli(*PROD)
    assert r.exit_code == 0, r.output
    after = _show(cli, "staging")
    assert after["services"] == before["services"]  # same services, same values
    changed = {k for k in before["settings"] if before["settings"][k]["value"] != after["settings"][k]["value"]}
    # the only setting that may be written out is staging's service list, pinned to what it ran before
    assert changed <= {"services"}
    if changed:
        assert after["settings"]["services"]["value"] == sorted(before["services"])
    if "default_env" in original:
        r = cli("-o", "json", "env", "show")  # no --env: the default environment is still staging
        assert json.loads(r.stdout)["data"]["env"] == default_before["env"] == "staging"

    prod = _show(cli, "prod")
    assert prod["services"]["api"]["health_url"] == f"http://{estate['lb_dns']}/v1/health"
    assert prod["services"]["api"]["ecs_service"] == "vega-api"
    assert set(prod["services"]) == {"api", "worker"}
    text = (empty_dir / "vegaops.toml").read_text()
    assert "[env.prod.service.api]" in text and 'health_url = "http://staging.internal/v1/health"' in text
    assert all(line in text.splitlines() for line in original.splitlines())  # every line kept, comments too

    again = cli("-o", "json", *PROD)  # re-running for prod changes nothing
    assert json.loads(again.stdout)["status"] == "unchanged", again.stdout


@pytest.mark.parametrize(
    ("args", "named", "rule"),
    [
        (["--env", ""], "--env", "is empty"),
        (["--env", "my prod"], "--env 'my prod'", "only letters, digits"),
        (["--env", "a.b"], "--env 'a.b'", "only letters, digits"),
        (["--tag-rule", "(unclosed"], "--tag-rule '(unclosed'", "not a valid regular expression"),
        (["--service", "a b=vega-api"], "--service a b=vega-api", "only letters, digits"),
        (["--service", "api="], "--service api=", "ECS service name is empty"),
    ],
)
def test_errors_name_the_option_and_the_rule(cli, empty_dir: Path, args: list[str], named: str, rule: str) -> None:  # type: ignore[no-untyped-def]
    r = cli("--yes", "setup", "--cluster", "vega-prod", *args, "--skip-check")
    assert r.exit_code == 2, r.output
    assert named in r.stderr and rule in r.stderr, r.stderr
    assert "Traceback" not in r.output and len(r.stderr.strip().splitlines()) <= 2
    assert not (empty_dir / "vegaops.toml").exists()


def test_sandbox_with_another_env_name_says_why_not(cli, empty_dir: Path) -> None:  # type: ignore[no-untyped-def]
    r = cli("--yes", "setup", "--sandbox", "--env", "demo", "--skip-check")
    assert r.exit_code == 2, r.output
    assert "--env demo" in r.stderr and "nothing to change" not in r.output
    assert not (empty_dir / "vegaops.toml").exists()

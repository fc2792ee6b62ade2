"""Pasteable hints carry the run's --config/--env/--region, found through the run's context (no module state):
inside the command, and in the error boundary after the command's context was closed."""

from __future__ import annotations

from pathlib import Path

from tests.hostile import run_cli
from vegaops.cmdline import line, prog


def test_a_usage_error_hint_carries_the_scoping_options() -> None:
    code, out, err = run_cli(["--region", "eu-west-1", "config", "get", "--bogus"])
    assert code == 2 and out == ""
    assert err.splitlines()[-1] == "hint: see vegaops --region eu-west-1 config get --help"


def test_a_hint_built_by_the_command_carries_them_and_nothing_stays_after_the_run(tmp_path: Path) -> None:
    config = tmp_path / "vegaops.toml"
    config.write_text('[project]\nname = "x"\nregion = "eu-central-1"\n[env.staging]\ncluster = "c"\n')
    code, _, err = run_cli(["--config", str(config), "--env", "staging", "health"])
    assert code == 2
    assert f"hint: name one (vegaops --config {config} --env staging health api)" in err
    assert prog() == "vegaops" and line("status") == "vegaops status"  # the run's options went with it

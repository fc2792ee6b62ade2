"""A real Debian docker-registry on loopback for the push tests (skipped only when not installed)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from vegaops.images import localregistry


@pytest.fixture(scope="module")
def local_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[localregistry.LocalRegistry]:
    if localregistry.available() is None:
        pytest.skip("docker-registry binary not installed (apt-get install docker-registry)")
    registry = localregistry.start(tmp_path_factory.mktemp("registry"))
    yield registry
    registry.stop()


@pytest.fixture
def images_dir(tmp_path: Path) -> Path:
    return tmp_path

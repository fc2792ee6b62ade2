"""The daemonless push client against a real docker-registry on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import urllib.request
from pathlib import Path

import pytest

from tests.images.imagegen import write_docker_archive, write_oci
from vegaops.errors import UsageError
from vegaops.images.localregistry import LocalRegistry
from vegaops.images.registry import RegistryClient, push_image
from vegaops.images.source import Blob, load_source, parse_source


class Recorder:
    def __init__(self) -> None:
        self.started: list[str] = []
        self.advanced: dict[str, int] = {}
        self.finished: dict[str, str] = {}

    def start(self, blob: Blob) -> None:
        self.started.append(blob.digest)

    def advance(self, blob: Blob, n: int) -> None:
        self.advanced[blob.digest] = self.advanced.get(blob.digest, 0) + n

    def finish(self, blob: Blob, status: str) -> None:
        self.finished[blob.digest] = status


def registry_digest(registry: LocalRegistry, repo: str, tag: str) -> str:
    req = urllib.request.Request(
        f"{registry.url}/v2/{repo}/manifests/{tag}",
        method="HEAD",
        headers={
            "Accept": "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json"
        },
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return str(r.headers["Docker-Content-Digest"])


def test_oci_push_chunked_then_idempotent(local_registry: LocalRegistry, tmp_path: Path) -> None:
    expected = write_oci(tmp_path / "img", [300_000, 70_000, 5_000], label="one")
    source = load_source("oci", str(tmp_path / "img"))
    assert source.digest == expected
    client = RegistryClient(local_registry.url)
    rec = Recorder()
    report = push_image(client, "team/api", "v1", source, chunk_size=64 * 1024, progress=rec, workers=3)
    assert report.digest == expected == registry_digest(local_registry, "team/api", "v1")
    assert [b.status for b in report.blobs] == ["uploaded"] * 4
    assert report.bytes_uploaded == source.size == client.bytes_sent
    assert rec.advanced == {b.digest: b.size for b in source.blobs}
    # the same image again: no layer byte sent, every blob "already present"
    again = RegistryClient(local_registry.url)
    report2 = push_image(again, "team/api", "v1", source)
    assert report2.bytes_uploaded == 0 == again.bytes_sent
    assert {b.status for b in report2.blobs} == {"already present"}
    assert report2.digest == expected


def test_cross_repo_mount(local_registry: LocalRegistry, tmp_path: Path) -> None:
    write_oci(tmp_path / "base", [50_000, 20_000], label="base")
    base = load_source("oci", str(tmp_path / "base"))
    push_image(RegistryClient(local_registry.url), "staging/web", "b1", base)
    client = RegistryClient(local_registry.url)
    report = push_image(client, "prod/web", "b1", base, mount_from=["nope/absent", "staging/web"])
    assert {b.status for b in report.blobs} == {"mounted from staging/web"}
    assert client.bytes_sent == 0
    assert report.digest == registry_digest(local_registry, "prod/web", "b1")


@pytest.mark.parametrize("blobs_layout", [False, True], ids=["legacy", "docker25"])
def test_docker_archive_push(local_registry: LocalRegistry, tmp_path: Path, blobs_layout: bool) -> None:
    archive = tmp_path / "image.tar"
    diff_ids = write_docker_archive(archive, [40_000, 9_000], label=f"arch-{blobs_layout}", blobs_layout=blobs_layout)
    source = load_source("docker-archive", str(archive))
    manifest = json.loads(source.manifest)
    assert [layer["digest"] for layer in manifest["layers"]] == diff_ids
    assert manifest["layers"][0]["mediaType"] == "application/vnd.docker.image.rootfs.diff.tar"
    client = RegistryClient(local_registry.url)
    repo = f"team/worker{int(blobs_layout)}"
    report = push_image(client, repo, "d1", source, chunk_size=16 * 1024)
    assert report.digest == "sha256:" + hashlib.sha256(source.manifest).hexdigest()
    assert report.digest == registry_digest(local_registry, repo, "d1")
    assert client.bytes_sent == source.size
    again = RegistryClient(local_registry.url)
    push_image(again, repo, "d1", source)
    assert again.bytes_sent == 0


def test_bad_sources(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="expected docker://IMAGE"):
        parse_source("ftp:x")
    assert parse_source("oci:/a/b") == ("oci", "/a/b")
    assert parse_source("docker://nginx:1") == ("docker", "nginx:1")
    with pytest.raises(UsageError, match="not an OCI image layout"):
        load_source("oci", str(tmp_path))
    (tmp_path / "x.tar").write_bytes(b"not a tar")
    with pytest.raises(UsageError, match="not a docker save archive"):
        load_source("docker-archive", str(tmp_path / "x.tar"))
    write_oci(tmp_path / "img", [10])
    next((tmp_path / "img" / "blobs" / "sha256").iterdir())  # layout exists
    layer = json.loads((tmp_path / "img" / "index.json").read_text())
    assert layer["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == "latest"
    assert load_source("oci", str(tmp_path / "img") + ":latest").digest == layer["manifests"][0]["digest"]

"""Generate small (or large, for the benchmark) images as an OCI layout or a docker-archive."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path


def _layer_tar(name: str, size: int, seed: bytes) -> bytes:
    data = _bytes(size, seed)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _bytes(size: int, seed: bytes) -> bytes:
    """Deterministic incompressible bytes (sha256 counter stream)."""
    out = bytearray()
    block = hashlib.sha256(seed).digest()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(block + counter.to_bytes(8, "big")).digest() * 64
        counter += 1
    return bytes(out[:size])


def _config(diff_ids: list[str], label: str) -> bytes:
    return json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {"Labels": {"vegaops.test": label}},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
        },
        sort_keys=True,
    ).encode()


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def write_oci(
    path: Path, sizes: list[int], label: str = "a", gzip_layers: bool = False, shared: dict[int, bytes] | None = None
) -> str:
    """An OCI image layout with one image; returns the manifest digest. ``shared``: index -> seed."""
    blobs = path / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)

    def put(data: bytes) -> str:
        d = _sha(data)
        (blobs / d.split(":")[1]).write_bytes(data)
        return d

    layers = []
    diff_ids = []
    for i, size in enumerate(sizes):
        seed = (shared or {}).get(i, f"{label}-{i}".encode())
        tar = _layer_tar(f"file{i}", size, seed)
        diff_ids.append(_sha(tar))
        blob = gzip.compress(tar, compresslevel=1, mtime=0) if gzip_layers else tar
        media = (
            "application/vnd.oci.image.layer.v1.tar+gzip" if gzip_layers else "application/vnd.oci.image.layer.v1.tar"
        )
        layers.append({"mediaType": media, "size": len(blob), "digest": put(blob)})
    config = _config(diff_ids, label)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "size": len(config),
                "digest": put(config),
            },
            "layers": layers,
        }
    ).encode()
    digest = put(manifest)
    (path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (path / "index.json").write_text(
        json.dumps(
            {
                "schemaVersion": 2,
                "manifests": [
                    {
                        "mediaType": "application/vnd.oci.image.manifest.v1+json",
                        "digest": digest,
                        "size": len(manifest),
                        "annotations": {"org.opencontainers.image.ref.name": "latest"},
                    }
                ],
            }
        )
    )
    return digest


def write_docker_archive(path: Path, sizes: list[int], label: str = "d", blobs_layout: bool = False) -> list[str]:
    """A ``docker save`` tarball; returns the layer digests (sha256 of the layer tars).

    Legacy form (``<id>/layer.tar``, ``<hex>.json``) or, with ``blobs_layout``, Docker 25+'s form
    (``blobs/sha256/<hex>`` members named by content).
    """
    layers = [_layer_tar(f"file{i}", size, f"{label}-{i}".encode()) for i, size in enumerate(sizes)]
    diff_ids = [_sha(t) for t in layers]
    config = _config(diff_ids, label)
    if blobs_layout:
        config_name = "blobs/sha256/" + hashlib.sha256(config).hexdigest()
        layer_names = [f"blobs/sha256/{d[7:]}" for d in diff_ids]
    else:
        config_name = hashlib.sha256(config).hexdigest() + ".json"
        layer_names = [f"{d[7:19]}/layer.tar" for d in diff_ids]
    entries = [
        (
            "manifest.json",
            json.dumps([{"Config": config_name, "RepoTags": [f"test:{label}"], "Layers": layer_names}]).encode(),
        ),
        (config_name, config),
    ]
    entries += list(zip(layer_names, layers, strict=True))
    with tarfile.open(path, "w") as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return diff_ids


def random_seed() -> bytes:
    return os.urandom(8)

"""Image sources for a daemonless push: an OCI image layout directory or a ``docker save`` archive.

Both are read into an ``ImageSource``: the exact manifest bytes (their sha256 is the image digest the
registry will report), its media type, and the blobs (config + layers) with digest, size and a way to
open them. Nothing is extracted to disk; blobs are streamed from the layout or the tar file.
"""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, cast

from vegaops.errors import UsageError

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar"
DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip"


@dataclass(frozen=True)
class Blob:
    digest: str
    size: int
    media_type: str
    open: Callable[[], IO[bytes]] = field(compare=False, repr=False)
    kind: str = "layer"  # layer | config


@dataclass(frozen=True)
class ImageSource:
    manifest: bytes
    media_type: str
    blobs: tuple[Blob, ...]  # config first, then layers in order
    origin: str

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.manifest).hexdigest()

    @property
    def size(self) -> int:
        return sum(b.size for b in self.blobs)


def parse_source(value: str) -> tuple[str, str]:
    """``oci:PATH`` / ``docker-archive:PATH`` / ``docker://IMAGE`` -> (kind, rest)."""
    for prefix, kind in (("docker://", "docker"), ("oci:", "oci"), ("docker-archive:", "docker-archive")):
        if value.startswith(prefix):
            rest = value[len(prefix) :]
            if not rest:
                break
            return kind, rest
    raise UsageError(
        f"--source {value!r}: expected docker://IMAGE, oci:PATH or docker-archive:PATH",
        hint="for example --source oci:./build/image or --source docker-archive:image.tar",
    )


def _sha256_file(open_: Callable[[], IO[bytes]]) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open_() as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return "sha256:" + h.hexdigest(), size


# -- OCI image layout ----------------------------------------------------------------------------
def read_oci_layout(path: Path, ref: str | None = None) -> ImageSource:
    """Read ``index.json`` and the image manifest it points to (``ref`` = the ref.name annotation)."""
    where = f"oci:{path}"
    index_file = path / "index.json"
    if not index_file.is_file():
        raise UsageError(
            f"{where}: not an OCI image layout (no index.json)",
            hint="point --source oci: at the directory that holds oci-layout and index.json",
        )
    try:
        index = json.loads(index_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UsageError(f"{where}: index.json is not valid JSON: {exc}") from exc
    manifests = index.get("manifests") or []
    if ref is not None:
        manifests = [
            m for m in manifests if (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") == ref
        ]
    if len(manifests) != 1:
        names = [
            (m.get("annotations") or {}).get("org.opencontainers.image.ref.name") for m in index.get("manifests") or []
        ]
        raise UsageError(
            f"{where}: expected exactly one image in index.json, found {len(manifests)}",
            hint=f"name one with oci:PATH:REF (refs: {', '.join(str(n) for n in names) or 'none'})",
        )
    desc = manifests[0]
    media_type = desc.get("mediaType", OCI_MANIFEST)
    if media_type in (OCI_INDEX, DOCKER_LIST):
        raise UsageError(
            f"{where}: {desc['digest']} is a multi-platform index; push one platform's image",
            hint="export a single-platform image (e.g. --platform linux/amd64)",
        )

    def blob_path(digest: str) -> Path:
        algo, _, hexdigest = digest.partition(":")
        return path / "blobs" / algo / hexdigest

    manifest_path = blob_path(desc["digest"])
    if not manifest_path.is_file():
        raise UsageError(f"{where}: manifest blob {desc['digest']} is missing")
    body = manifest_path.read_bytes()
    if "sha256:" + hashlib.sha256(body).hexdigest() != desc["digest"]:
        raise UsageError(f"{where}: manifest blob {desc['digest']} does not match its digest (corrupt layout)")
    manifest = json.loads(body)
    media_type = manifest.get("mediaType") or media_type
    blobs: list[Blob] = []
    for kind, d in [("config", manifest["config"]), *(("layer", layer) for layer in manifest.get("layers", []))]:
        p = blob_path(d["digest"])
        if not p.is_file():
            raise UsageError(f"{where}: blob {d['digest']} ({kind}) is missing from blobs/")

        def opener(p: Path = p) -> IO[bytes]:
            return p.open("rb")

        blobs.append(Blob(d["digest"], int(d["size"]), d.get("mediaType", ""), opener, kind))
    return ImageSource(body, media_type, tuple(blobs), where)


# -- docker save archive -------------------------------------------------------------------------
def read_docker_archive(path: Path) -> ImageSource:
    """Read a ``docker save`` tarball (legacy ``<id>/layer.tar`` or the newer ``blobs/sha256/`` form).

    A Docker v2 schema 2 manifest is built from ``manifest.json``: the config file as config blob and
    the layer tars as uncompressed layers (``...rootfs.diff.tar``), which every registry accepts.
    """
    where = f"docker-archive:{path}"
    if not path.is_file():
        raise UsageError(f"{where}: file not found", hint="create it with: docker save IMAGE -o FILE")
    try:
        with tarfile.open(path) as tar:
            member = tar.getmember("manifest.json")
            f = tar.extractfile(member)
            assert f is not None
            entries = json.loads(f.read())
            names = {m.name: m for m in tar.getmembers()}
    except (tarfile.TarError, KeyError, ValueError) as exc:
        raise UsageError(
            f"{where}: not a docker save archive ({exc})", hint="create it with: docker save IMAGE -o FILE"
        ) from exc
    if len(entries) != 1:
        raise UsageError(
            f"{where}: the archive holds {len(entries)} images; push one at a time",
            hint="docker save exactly one image",
        )
    entry = entries[0]

    def member_opener(name: str) -> Callable[[], IO[bytes]]:
        info = names.get(name.lstrip("./"))
        if info is None:
            raise UsageError(f"{where}: {name} listed in manifest.json is missing from the archive")
        # a symlinked layer (docker dedupes identical layers) -> its target
        if info.issym():
            target = (Path(name).parent / info.linkname).as_posix()
            return member_opener(target)

        def opener() -> IO[bytes]:
            tar = tarfile.open(path)  # noqa: SIM115 - closed by _Closing
            f = tar.extractfile(info)
            assert f is not None
            return cast(IO[bytes], _Closing(f, tar))

        return opener

    def describe(name: str) -> tuple[str, int, Callable[[], IO[bytes]]]:
        opener = member_opener(name)
        parts = Path(name).parts
        size = names[name.lstrip("./")].size if not names[name.lstrip("./")].issym() else None
        if len(parts) == 3 and parts[0] == "blobs" and parts[1] == "sha256" and size is not None:
            return f"sha256:{parts[2]}", size, opener  # content-addressed already
        digest, size = _sha256_file(opener)
        return digest, size, opener

    config_digest, config_size, config_open = describe(entry["Config"])
    blobs = [Blob(config_digest, config_size, DOCKER_CONFIG, config_open, "config")]
    for name in entry.get("Layers", []):
        digest, size, opener = describe(name)
        with opener() as f:
            gz = f.read(2) == b"\x1f\x8b"
        blobs.append(Blob(digest, size, DOCKER_LAYER_GZIP if gz else DOCKER_LAYER_TAR, opener))
    manifest = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {"mediaType": DOCKER_CONFIG, "size": config_size, "digest": config_digest},
        "layers": [{"mediaType": b.media_type, "size": b.size, "digest": b.digest} for b in blobs[1:]],
    }
    body = json.dumps(manifest, indent=3).encode("utf-8")
    return ImageSource(body, DOCKER_MANIFEST, tuple(blobs), where)


class _Closing:
    """A tar member stream that closes its own tarfile (one per upload thread)."""

    def __init__(self, f: IO[bytes], tar: tarfile.TarFile) -> None:
        self._f = f
        self._tar = tar

    def read(self, n: int = -1) -> bytes:
        return self._f.read(n)

    def close(self) -> None:
        self._f.close()
        self._tar.close()

    def __enter__(self) -> _Closing:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


def load_source(kind: str, value: str) -> ImageSource:
    if kind == "oci":
        path, ref = value, None
        if ":" in value and not Path(value).exists():
            path, _, ref = value.rpartition(":")
        return read_oci_layout(Path(path), ref)
    if kind == "docker-archive":
        return read_docker_archive(Path(value))
    raise UsageError(f"unsupported source kind {kind!r}")

"""The sandbox's real registry: Debian's ``docker-registry`` on loopback, mirrored into the sandbox's ECR.

``start(workdir, aws_endpoint)`` starts a small notification receiver (a thread in this process) and
the registry with a generated config whose ``notifications`` endpoint POSTs every push event to it.
For each pushed manifest *with a tag* the receiver fetches the manifest from the registry and
``put_image``s it into the sandbox's ECR (moto) under the same repository and tag with
``imageDigest`` = the registry's digest, creating the repository if needed. So ``describe_images``
reports the digest ``vegaops image push`` printed, and deploys can pin it.

Set the environment's ``ecr_registry`` to ``SandboxRegistry.host`` so pushes go to this registry.
This module imports boto3 only inside functions; the registry binary is optional (``available()``).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from vegaops.images import localregistry

MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)


def available() -> bool:
    return localregistry.available() is not None


@dataclass
class Mirror:
    """Copies pushed manifests from the registry into ECR; remembers what it did (and what failed)."""

    registry_url: str
    ecr_client: Any
    mirrored: list[dict[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._changed = threading.Condition(self._lock)

    def handle(self, envelope: dict[str, Any]) -> None:
        for event in envelope.get("events", []):
            target = event.get("target") or {}
            if event.get("action") != "push" or target.get("mediaType") not in MANIFEST_TYPES:
                continue
            repo, digest, tag = target.get("repository"), target.get("digest"), target.get("tag")
            if not (repo and digest and tag):
                continue  # a push by digest; its tag push follows
            try:
                self.copy(str(repo), str(digest), str(tag))
            except Exception as exc:  # a sandbox helper: record, never crash the receiver
                with self._changed:
                    self.errors.append(f"{repo}:{tag}: {exc}")
                    self._changed.notify_all()

    def copy(self, repo: str, digest: str, tag: str) -> None:
        from vegaops.aws.ecr import Ecr, Manifest
        from vegaops.aws.errors import error_code

        req = urllib.request.Request(
            f"{self.registry_url}/v2/{repo}/manifests/{digest}", headers={"Accept": ", ".join(MANIFEST_TYPES)}
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            body = r.read().decode("utf-8")
            media_type = r.headers.get("Content-Type", MANIFEST_TYPES[1])
        try:
            self.ecr_client.create_repository(repositoryName=repo)
        except Exception as exc:
            if error_code(exc) != "RepositoryAlreadyExistsException":
                raise
        Ecr(self.ecr_client).put_image(repo, Manifest(body, media_type, digest), tag)
        with self._changed:
            self.mirrored.append({"repository": repo, "tag": tag, "digest": digest})
            self._changed.notify_all()

    def wait_for(self, repo: str, tag: str, digest: str | None = None, timeout: float = 10.0) -> bool:
        """Block until ``repo:tag`` (optionally at ``digest``) has been mirrored (for tests and scripts)."""

        def done() -> bool:
            return any(
                m["repository"] == repo and m["tag"] == tag and (digest is None or m["digest"] == digest)
                for m in self.mirrored
            )

        with self._changed:
            return self._changed.wait_for(done, timeout=timeout)


def _handler(mirror: Mirror) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b"{}"
            try:
                envelope = json.loads(raw or b"{}")
            except ValueError:
                self.send_response(400)
                self.end_headers()
                return
            mirror.handle(envelope if isinstance(envelope, dict) else {})
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


@dataclass
class SandboxRegistry:
    registry: localregistry.LocalRegistry
    mirror: Mirror
    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def host(self) -> str:
        return self.registry.host

    @property
    def url(self) -> str:
        return self.registry.url

    def stop(self) -> None:
        self.registry.stop()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start(
    workdir: Path,
    aws_endpoint: str,
    region: str = "eu-central-1",
    port: int | None = None,
    credentials: tuple[str, str] = ("sandbox", "sandbox"),
) -> SandboxRegistry:
    """Start the notification receiver and the registry (on loopback); mirrored into ``aws_endpoint``'s ECR."""
    import boto3

    ecr = boto3.client(
        "ecr",
        endpoint_url=aws_endpoint,
        region_name=region,
        aws_access_key_id=credentials[0],
        aws_secret_access_key=credentials[1],
    )
    mirror = Mirror(registry_url="", ecr_client=ecr)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(mirror))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="vegaops-registry-events", daemon=True)
    thread.start()
    notify = f"http://127.0.0.1:{server.server_address[1]}/events"
    try:
        registry = localregistry.start(workdir, port=port, notify_url=notify)
    except Exception:
        server.shutdown()
        server.server_close()
        raise
    mirror.registry_url = registry.url
    return SandboxRegistry(registry, mirror, server, thread)

"""A small client for the OCI distribution (Docker registry v2) HTTP API, on urllib3.

Why not a PyPI client: python-dxf (12.1) has HEAD-skip and cross-repo mount but uploads each blob
with one monolithic PUT (no PATCH chunking), insists on a ``mediaType`` field in manifests and pulls
in tqdm and www-authenticate; oras-py (0.2) does chunked uploads but has no cross-repository mount
and is built around artifacts, not image layouts. What a push needs is five requests (HEAD blob,
POST mount, POST/PATCH/PUT upload, PUT manifest), so vegaops speaks them itself on urllib3 (already
installed with botocore) and tests them against a real ``docker-registry`` on loopback.

Auth: HTTP Basic (what ECR's ``get_authorization_token`` gives), and the Bearer-token challenge of
distribution registries (the token endpoint is called with the same Basic credentials).

Retries: connection failures are retried by urllib3's ``Retry`` (twice); a 401 Bearer challenge renews the
token and asks once more through tenacity (two attempts, no wait). Nothing here loops by hand.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from vegaops.errors import AuthError, NotFoundError, OperationFailed, Refused, VegaopsError
from vegaops.images.source import Blob, ImageSource

DEFAULT_CHUNK = 16 * 1024 * 1024
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


class RegistryError(OperationFailed):
    """A registry answered with an error the caller did not expect."""


class _TokenRenewed(Exception):
    """A request was refused with a Bearer challenge and a new token was fetched: ask again."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def errors(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return []
        errs = data.get("errors") if isinstance(data, dict) else None
        return errs if isinstance(errs, list) else []

    def error_text(self) -> str:
        errs = self.errors()
        if errs:
            return "; ".join(f"{e.get('code')}: {e.get('message')}" for e in errs)
        return self.body[:200].decode("utf-8", "replace") or f"HTTP {self.status}"


class RegistryClient:
    """One registry (``base_url`` like ``http://127.0.0.1:5000``); thread-safe; counts bytes sent."""

    def __init__(
        self,
        base_url: str,
        username: str | None = None,
        password: str | None = None,
        pool_size: int = 8,
        timeout: float = 120.0,
    ) -> None:
        import urllib3

        self.base_url = base_url.rstrip("/")
        self._basic = urllib3.util.make_headers(basic_auth=f"{username}:{password}") if username else {}
        self._bearer: str | None = None
        self._http = urllib3.PoolManager(
            maxsize=pool_size,
            block=True,
            timeout=urllib3.Timeout(connect=10.0, read=timeout),
            retries=urllib3.Retry(total=2, connect=2, read=0, redirect=3, status=0, allowed_methods=None),
        )
        self._lock = threading.Lock()
        self.bytes_sent = 0  # blob bytes sent in upload bodies (not manifests)

    # -- plumbing -------------------------------------------------------------------------------
    def _auth_headers(self) -> dict[str, str]:
        if self._bearer:
            return {"Authorization": f"Bearer {self._bearer}"}
        return dict(self._basic)

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """One request; a 401 with a Bearer challenge fetches a token and asks once more (tenacity, two
        attempts); a second 401 is returned to the caller. Connection errors are retried by urllib3."""
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

        retrying = Retrying(
            stop=stop_after_attempt(2), retry=retry_if_exception_type(_TokenRenewed), wait=lambda _s: 0, reraise=True
        )
        for attempt in retrying:
            with attempt:
                return self._send(method, url, body, headers, renew=attempt.retry_state.attempt_number == 1)
        raise AssertionError("unreachable: the second attempt does not renew, so it returns or raises")

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str] | None, renew: bool) -> Response:
        import urllib3

        full = url if url.startswith(("http://", "https://")) else urllib.parse.urljoin(self.base_url + "/", url)
        all_headers = {**self._auth_headers(), **(headers or {})}
        try:
            r = self._http.request(method, full, body=body, headers=all_headers, redirect=True, preload_content=True)
        except urllib3.exceptions.HTTPError as exc:
            raise RegistryError(
                f"registry {self.base_url}: {method} failed: {exc}",
                hint="check that the registry is running and reachable",
            ) from exc
        resp = Response(r.status, {k.lower(): v for k, v in r.headers.items()}, r.data or b"")
        if resp.status == 401 and renew:
            challenge = resp.header("www-authenticate") or ""
            if challenge.lower().startswith("bearer") and self._fetch_token(challenge):
                raise _TokenRenewed(resp)
        return resp

    def _fetch_token(self, challenge: str) -> bool:
        params = dict(part.split("=", 1) for part in _split_challenge(challenge[len("bearer") :].strip()))
        params = {k.strip(): v.strip().strip('"') for k, v in params.items()}
        realm = params.pop("realm", None)
        if not realm:
            return False
        url = realm + "?" + urllib.parse.urlencode(params)
        r = self._http.request("GET", url, headers=dict(self._basic))
        if r.status != 200:
            return False
        data = json.loads(r.data or b"{}")
        token = data.get("token") or data.get("access_token")
        with self._lock:
            self._bearer = token
        return bool(token)

    def _fail(self, what: str, resp: Response) -> VegaopsError:
        text = resp.error_text()
        codes = {str(e.get("code")) for e in resp.errors()}
        if resp.status in (401, 403) or codes & {"UNAUTHORIZED", "DENIED"}:
            return AuthError(
                f"registry {self.base_url} refused {what}: {text}",
                hint="the ECR token may be expired or lack ecr:*Layer*/PutImage permissions",
            )
        if codes & {"NAME_UNKNOWN"} or (resp.status == 404 and "repository" in text.lower()):
            return NotFoundError(
                f"registry {self.base_url}: {what}: repository not found ({text})",
                hint="create the ECR repository first",
            )
        if codes & {"TAG_INVALID"} and "immutable" in text.lower():
            return Refused(
                f"registry {self.base_url}: {what}: {text}",
                hint="push under a new tag; the repository's tags are IMMUTABLE",
            )
        return RegistryError(f"registry {self.base_url}: {what}: HTTP {resp.status}: {text}")

    # -- API ------------------------------------------------------------------------------------
    def ping(self) -> bool:
        return self.request("GET", "/v2/").status in (200, 401)

    def blob_exists(self, repo: str, digest: str) -> bool:
        r = self.request("HEAD", f"/v2/{repo}/blobs/{digest}")
        if r.status == 200:
            return True
        if r.status == 404:
            return False
        raise self._fail(f"HEAD blob {digest}", r)

    def mount(self, repo: str, digest: str, from_repo: str) -> bool:
        """Cross-repository mount; False (and the opened upload cancelled) when the registry declines."""
        query = urllib.parse.urlencode({"mount": digest, "from": from_repo})
        r = self.request("POST", f"/v2/{repo}/blobs/uploads/?{query}", headers={"Content-Length": "0"})
        if r.status == 201:
            return True
        if r.status == 202:
            location = r.header("location")
            if location:
                self.request("DELETE", location)
            return False
        if r.status in (404, 400):
            return False
        raise self._fail(f"mount {digest} from {from_repo}", r)

    def upload(
        self, repo: str, blob: Blob, chunk_size: int = DEFAULT_CHUNK, on_bytes: Callable[[int], None] | None = None
    ) -> int:
        """Chunked upload: POST a session, PATCH chunks with Content-Range, PUT ``?digest=``."""
        r = self.request("POST", f"/v2/{repo}/blobs/uploads/", headers={"Content-Length": "0"})
        if r.status != 202:
            raise self._fail(f"start upload of {blob.digest}", r)
        location = self._location(r)
        offset = 0
        with blob.open() as f:
            while True:
                chunk = f.read(chunk_size)
                if not chunk:
                    break
                end = offset + len(chunk) - 1
                r = self.request(
                    "PATCH",
                    location,
                    body=chunk,
                    headers={
                        "Content-Type": "application/octet-stream",
                        "Content-Length": str(len(chunk)),
                        "Content-Range": f"{offset}-{end}",
                    },
                )
                if r.status != 202:
                    raise self._fail(f"upload chunk {offset}-{end} of {blob.digest}", r)
                location = self._location(r)
                offset = end + 1
                with self._lock:
                    self.bytes_sent += len(chunk)
                if on_bytes:
                    on_bytes(len(chunk))
        sep = "&" if "?" in location else "?"
        r = self.request(
            "PUT", f"{location}{sep}digest={urllib.parse.quote(blob.digest)}", headers={"Content-Length": "0"}
        )
        if r.status != 201:
            raise self._fail(f"complete upload of {blob.digest}", r)
        return offset

    def _location(self, r: Response) -> str:
        location = r.header("location")
        if not location:
            raise RegistryError(f"registry {self.base_url}: upload response without Location")
        return urllib.parse.urljoin(self.base_url + "/", location)

    def open_blob(self, repo: str, digest: str) -> Any:
        """A streaming reader (``read(n)``, ``close()``, context manager) of a blob's bytes.

        A 401 with a Bearer challenge fetches a token and asks once more (tenacity, two attempts)."""
        from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

        retrying = Retrying(
            stop=stop_after_attempt(2), retry=retry_if_exception_type(_TokenRenewed), wait=lambda _s: 0, reraise=True
        )
        for attempt in retrying:
            with attempt:
                return self._get_blob(repo, digest, renew=attempt.retry_state.attempt_number == 1)
        raise AssertionError("unreachable: the second attempt does not renew, so it returns or raises")

    def _get_blob(self, repo: str, digest: str, renew: bool) -> Any:
        import urllib3

        url = f"{self.base_url}/v2/{repo}/blobs/{digest}"
        try:
            r = self._http.request("GET", url, headers=self._auth_headers(), preload_content=False, redirect=True)
        except urllib3.exceptions.HTTPError as exc:
            raise RegistryError(f"registry {self.base_url}: GET blob {digest} failed: {exc}") from exc
        if r.status == 200:
            return r
        body = r.read()
        r.release_conn()
        resp = Response(r.status, {k.lower(): v for k, v in r.headers.items()}, body)
        challenge = resp.header("www-authenticate") or ""
        if renew and r.status == 401 and challenge.lower().startswith("bearer") and self._fetch_token(challenge):
            raise _TokenRenewed(resp)
        raise self._fail(f"GET blob {digest}", resp)

    def manifest_digest(self, repo: str, reference: str) -> str | None:
        r = self.request("HEAD", f"/v2/{repo}/manifests/{reference}", headers={"Accept": MANIFEST_TYPES})
        if r.status == 200:
            return r.header("docker-content-digest")
        if r.status == 404:
            return None
        raise self._fail(f"HEAD manifest {reference}", r)

    def put_manifest(self, repo: str, reference: str, body: bytes, media_type: str) -> str:
        r = self.request("PUT", f"/v2/{repo}/manifests/{reference}", body=body, headers={"Content-Type": media_type})
        if r.status not in (200, 201):
            raise self._fail(f"PUT manifest {reference}", r)
        return r.header("docker-content-digest") or ""

    def close(self) -> None:
        self._http.clear()


def _split_challenge(text: str) -> Iterable[str]:
    part, quoted = "", False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            if part.strip():
                yield part.strip()
            part = ""
        else:
            part += ch
    if part.strip():
        yield part.strip()


# -- pushing an image ----------------------------------------------------------------------------
class Progress(Protocol):
    def start(self, blob: Blob) -> None: ...
    def advance(self, blob: Blob, n: int) -> None: ...
    def finish(self, blob: Blob, status: str) -> None: ...


@dataclass
class BlobResult:
    digest: str
    kind: str
    size: int
    status: str  # "already present" | "mounted from REPO" | "uploaded"
    bytes_sent: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "digest": self.digest,
            "kind": self.kind,
            "size": self.size,
            "status": self.status,
            "bytes_sent": self.bytes_sent,
        }


@dataclass
class PushReport:
    repository: str
    tag: str
    digest: str
    blobs: list[BlobResult] = field(default_factory=list)

    @property
    def bytes_uploaded(self) -> int:
        return sum(b.bytes_sent for b in self.blobs)


def push_image(
    client: RegistryClient,
    repo: str,
    tag: str,
    source: ImageSource,
    mount_from: Iterable[str] = (),
    workers: int = 4,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
) -> PushReport:
    """Push blobs (skip present, mount from ``mount_from``, upload the rest in parallel), manifest last.

    Returns the digest the registry reports for the manifest; it must equal ``source.digest``.
    """
    candidates = [r for r in dict.fromkeys(mount_from) if r != repo]

    def one(blob: Blob) -> BlobResult:
        if progress:
            progress.start(blob)
        if client.blob_exists(repo, blob.digest):
            status, sent = "already present", 0
        else:
            status, sent = "", 0
            for other in candidates:
                if client.mount(repo, blob.digest, other):
                    status = f"mounted from {other}"
                    break
            if not status:

                def on_bytes(n: int) -> None:
                    if progress:
                        progress.advance(blob, n)

                sent = client.upload(repo, blob, chunk_size, on_bytes)
                status = "uploaded"
        if progress:
            progress.finish(blob, status)
        return BlobResult(blob.digest, blob.kind, blob.size, status, sent)

    unique = list({b.digest: b for b in source.blobs}.values())
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="vegaops-push") as pool:
        results = list(pool.map(one, unique))
    digest = client.put_manifest(repo, tag, source.manifest, source.media_type)
    if digest and digest != source.digest:
        raise RegistryError(
            f"registry {client.base_url} reports {digest} for {repo}:{tag}, expected {source.digest}",
            hint="the registry rewrote the manifest; push from an unmodified layout",
        )
    return PushReport(repo, tag, digest or source.digest, results)


def copy_image(
    source: RegistryClient,
    source_repo: str,
    target: RegistryClient,
    target_repo: str,
    tag: str,
    manifest: bytes,
    media_type: str,
    workers: int = 4,
    progress: Progress | None = None,
) -> PushReport:
    """Copy one image manifest and its blobs between registries (layers the target has are skipped)."""
    import json as _json

    data = _json.loads(manifest)
    if "manifests" in data:
        raise VegaopsError(
            "copying a multi-platform index between registries is not supported", hint="promote one platform's image"
        )
    descriptors = [("config", data["config"]), *(("layer", d) for d in data.get("layers", []))]

    def opener(digest: str) -> Callable[[], Any]:
        return lambda: source.open_blob(source_repo, digest)

    blobs = tuple(
        Blob(d["digest"], int(d["size"]), d.get("mediaType", ""), opener(d["digest"]), kind) for kind, d in descriptors
    )
    image = ImageSource(manifest, media_type, blobs, f"{source.base_url}/{source_repo}")
    return push_image(target, target_repo, tag, image, workers=workers, progress=progress)

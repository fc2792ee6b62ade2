"""Registry auth: Basic (ECR tokens) and the Bearer-token challenge of distribution registries."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from vegaops.errors import AuthError
from vegaops.images.registry import RegistryClient


class TokenRegistry(BaseHTTPRequestHandler):
    """Answers /v2/ only with a Bearer token obtained from /token with Basic user:secret."""

    seen: ClassVar[list[tuple[str, str, str]]] = []

    def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        auth = self.headers.get("Authorization", "")
        self.seen.append((self.command, self.path, auth))
        port = self.server.server_address[1]
        if self.path.startswith("/token"):
            if auth == "Basic " + base64.b64encode(b"AWS:secret").decode() and "scope=repository" in self.path:
                self._reply(200, b'{"token": "tok-1"}')
            else:
                self._reply(401)
            return
        if auth == "Bearer tok-1":
            self._reply(200 if self.path == "/v2/" else 404)
            return
        self._reply(
            401,
            b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
            {
                "WWW-Authenticate": f'Bearer realm="http://127.0.0.1:{port}/token",service="reg",'
                f'scope="repository:app:pull,push"'
            },
        )

    do_GET = do_HEAD = do_POST = _handle

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def token_registry() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), TokenRegistry)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_bearer_challenge_is_answered_with_a_token(token_registry: str) -> None:
    TokenRegistry.seen.clear()
    client = RegistryClient(token_registry, "AWS", "secret")
    assert client.ping()
    assert client.blob_exists("app", "sha256:" + "0" * 64) is False
    auths = [a for _, path, a in TokenRegistry.seen if not path.startswith("/token")]
    assert auths[0].startswith("Basic ") and auths[1:] == ["Bearer tok-1", "Bearer tok-1"]


def test_wrong_credentials_are_an_auth_error(token_registry: str) -> None:
    client = RegistryClient(token_registry, "AWS", "wrong")
    with pytest.raises(AuthError, match=r"refused HEAD blob .*HTTP 401"):
        client.blob_exists("app", "sha256:" + "0" * 64)

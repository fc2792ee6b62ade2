"""A call that keeps failing names the endpoint it went to, read from its own error response (no module state)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from vegaops.aws.clients import ClientFactory
from vegaops.aws.errors import translate

pytestmark = pytest.mark.e2e  # starts a server


class _Failing(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(500)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>internal error</html>")

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def failing_url() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_failing_call_names_its_endpoint(failing_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    factory = ClientFactory(region="eu-central-1", endpoint_url=failing_url, max_attempts=1, timeout=5)
    with pytest.raises(Exception) as caught:
        factory.client("ssm").get_parameter(Name="/vega/staging/x")
    assert translate(caught.value).message == f"AWS kept failing: HTTP 500 (GetParameter at {failing_url})"

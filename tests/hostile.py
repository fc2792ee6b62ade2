"""Endpoints for the bad-input and bad-network tests, all on 127.0.0.1.

- ``RecordingMoto``: plain moto's WSGI app behind a thin middleware that logs every operation it serves
  (so a test can count AWS *writes* on the server side) and can answer chosen operations with an error.
- ``HangingEndpoint``: accepts TCP connections and never answers.
- ``refused_url()``: a port nothing listens on.
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

# Operations that only read. Anything else an AWS API serves is counted as a write.
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "Filter", "BatchCheck", "Search", "Lookup")


def is_write(operation: str) -> bool:
    return bool(operation) and not operation.startswith(READ_PREFIXES)


class _Recorder:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.calls: list[str] = []
        self.failing: dict[str, tuple[int, str]] = {}
        self.lock = threading.Lock()

    def _operation(self, environ: dict[str, Any]) -> str:
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            return str(target).rsplit(".", 1)[-1]
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        action = query.get("Action", [""])[0]
        if not action and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            import io

            environ["wsgi.input"] = io.BytesIO(body)
            action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action", [""])[0]
        return action or f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if str(environ.get("PATH_INFO", "")).startswith("/moto-api"):
            return self.app(environ, start_response)  # type: ignore[no-any-return]
        operation = self._operation(environ)
        with self.lock:
            self.calls.append(operation)
            failing = self.failing.get(operation)
        if failing is not None:
            status, code = failing
            body = json.dumps({"__type": code, "message": "injected by the test"}).encode()
            start_response(f"{status} Injected", [("Content-Type", "application/x-amz-json-1.1")])
            return [body]
        return self.app(environ, start_response)  # type: ignore[no-any-return]


class RecordingMoto:
    """A plain moto server (no sandbox simulator) that records the operations it serves."""

    def __init__(self) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
                pass

        self.recorder = _Recorder(DomainDispatcherApplication(create_backend_app))
        self.http = make_server("127.0.0.1", 0, self.recorder, threaded=True, request_handler=Quiet)
        self.url = f"http://127.0.0.1:{self.http.server_port}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    @property
    def calls(self) -> list[str]:
        with self.recorder.lock:
            return list(self.recorder.calls)

    def writes(self) -> list[str]:
        return [c for c in self.calls if is_write(c)]

    def fail(self, operation: str, status: int = 503, code: str = "ServiceUnavailableException") -> None:
        self.recorder.failing[operation] = (status, code)

    def reset(self) -> None:
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.url}/moto-api/reset", method="POST"), timeout=10)
        with self.recorder.lock:
            self.recorder.calls.clear()
            self.recorder.failing.clear()

    def stop(self) -> None:
        self.http.shutdown()
        self.http.server_close()


class HangingEndpoint:
    """Accepts connections and never answers (a black-holed load balancer, a stuck proxy)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = 0
        self.conns: list[socket.socket] = []
        self.stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)

    def stop(self) -> None:
        self.stopped.set()
        for conn in self.conns:
            conn.close()
        self.sock.close()


def refused_url() -> str:
    """A loopback port with nothing listening: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def run_cli(args: list[str], stdin: bytes = b"") -> tuple[int, str, str]:
    """vegaops in-process through the real error boundary (``vegaops.main.run``): exit code, stdout, stderr."""
    import contextlib
    import io
    import sys

    from vegaops.main import run

    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(args)
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()

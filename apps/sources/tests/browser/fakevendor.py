"""A fake vendor web site: a threaded HTTP server on 127.0.0.1, port 0, whose subclasses answer
like the real pages (login forms, redirects to login, downloads, JSON calls) and count what they
were asked, so tests can assert what did and did not happen."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def bearer(self) -> str:
        value = self.headers.get("authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else ""


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


def html(text: str, *, status: int = 200) -> Reply:
    return Reply(status=status, body=text.encode())


def json_reply(document: Any, *, status: int = 200) -> Reply:
    return Reply(status=status, body=json.dumps(document).encode(), content_type="application/json")


def redirect(location: str, *, cookies: list[str] | None = None) -> Reply:
    headers = [("Location", location)] + [("Set-Cookie", cookie) for cookie in cookies or []]
    return Reply(status=302, headers=headers)


def attachment(name: str, content: bytes, content_type: str = "text/csv") -> Reply:
    return Reply(
        body=content,
        content_type=content_type,
        headers=[("Content-Disposition", f'attachment; filename="{name}"')],
    )


def page(title: str, body: str, script: str = "") -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
        f"<body>{body}<script>{script}</script></body></html>"
    )


class FakeVendor:
    """Subclasses implement `answer`; every request is recorded as `METHOD path`."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.logins = 0
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def answer(self, request: Request) -> Reply:
        raise NotImplementedError

    def new_token(self) -> str:
        return secrets.token_hex(16)

    def requested(self, prefix: str) -> int:
        """How many requests started with `METHOD path-prefix`."""
        with self.lock:
            return sum(1 for line in self.requests if line.startswith(prefix))

    def reset_counts(self) -> None:
        with self.lock:
            self.requests.clear()
            self.logins = 0

    @contextmanager
    def running(self) -> Iterator[FakeVendor]:
        vendor = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                cookie = SimpleCookie(self.headers.get("Cookie") or "")
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query={key: values[0] for key, values in parse_qs(parts.query).items()},
                    headers={key.lower(): value for key, value in self.headers.items()},
                    cookies={key: morsel.value for key, morsel in cookie.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with vendor.lock:
                    vendor.requests.append(f"{request.method} {request.path}")
                reply = vendor.answer(request)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.send_header("Cache-Control", "no-store")
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = _serve
            do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the test asserts on `vendor.requests` instead."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join()

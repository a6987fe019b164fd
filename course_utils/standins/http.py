"""A small threaded HTTP server on 127.0.0.1 with regex routes: the base of every HTTP stand-in.

Stand-ins subclass nothing: they create a :class:`LocalHTTPServer`, add routes, and start it. The
server runs in a daemon thread, so both sync and async SDK clients in the kernel can call it.
Every request is logged (method, path, query and headers scrubbed) so tests can check what the client sent.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from ..secrets import scrub, scrub_headers, scrub_query


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)  # named groups of the matched route

    def json(self):
        return json.loads(self.body or b"null")

    def header(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return default


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(obj, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status, json.dumps(obj).encode(), {"Content-Type": "application/json", **(headers or {})})


Handler = Callable[[Request], Response]


class LocalHTTPServer:
    """``with LocalHTTPServer() as srv: srv.route("GET", r"/v1/x/(?P<id>\\w+)", fn); srv.url``"""

    def __init__(self, name: str = "standin", host: str = "127.0.0.1", port: int = 0):
        self.name = name
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        self.requests: list[Request] = []  # log: path, query and headers scrubbed, no body
        self._host, self._port = host, port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def route(self, method: str, pattern: str, handler: Handler) -> None:
        self._routes.append((method.upper(), re.compile(pattern + r"\Z"), handler))

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError(f"{self.name} is not running; call start() or use it as a context manager.")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def _dispatch(self, req: Request) -> Response:
        path_matched = False
        for method, pattern, handler in self._routes:
            m = pattern.match(req.path)
            if not m:
                continue
            path_matched = True
            if method != req.method:
                continue
            req.params = m.groupdict()
            return handler(req)
        if path_matched:
            return json_response({"error": {"code": 405, "message": f"{req.method} not allowed on {req.path}"}}, 405)
        return json_response({"error": {"code": 404, "message": f"{self.name}: no route for {req.method} {req.path}",
                                        "status": "NOT_FOUND"}}, 404)

    def start(self) -> "LocalHTTPServer":
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                req = Request(self.command, parts.path, query, dict(self.headers.items()), body)
                server.requests.append(Request(req.method, scrub(req.path), scrub_query(req.query),
                                               scrub_headers(req.headers), b""))
                try:
                    resp = server._dispatch(req)
                except Exception as exc:  # a stand-in bug must still answer, never hang the client
                    resp = json_response({"error": {"code": 500, "message": f"{server.name} failed: {exc!r}"}}, 500)
                self.send_response(resp.status)
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(resp.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle

            def log_message(self, *args):  # keep notebook output clean
                pass

        self._httpd = ThreadingHTTPServer((self._host, self._port), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name=self.name, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "LocalHTTPServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self._httpd else "stopped"
        return f"<{type(self).__name__} {self.name} {state}>"

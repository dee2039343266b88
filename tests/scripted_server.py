"""A real HTTP server on 127.0.0.1 whose every answer a test scripts: status, headers, body, pace.

    server.route("/feed.xml", Reply(body=rss, headers={"ETag": '"v1"'}))
    server.route("/slow", Reply(chunks=itertools.repeat(b"x"), pace=0.1))   # a body that never ends
    server.route("/next", [Reply(status=429), Reply(body=b"ok")])        # one answer per request

A route may also be a function of the request (a POST's body included). The server records every request (path, headers) and
the most requests it had in flight at once, per Host header and in all.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any


@dataclass
class Reply:
    """One scripted answer. ``chunks`` streams a body without a length, ``pace`` seconds apart."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None
    pace: float = 0.0
    delay: float = 0.0  # seconds before anything is sent
    raw_head: bytes = b""  # sent byte by byte, ``pace`` apart, instead of a status line and headers


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    method: str = "GET"
    body: bytes = b""  # a POST's body


Route = Reply | list[Reply] | Callable[[Request], Reply]


class ScriptedServer:
    """Serves scripted replies on 127.0.0.1 in background threads; use it as a context manager."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.in_flight: dict[str, int] = {}
        self.most_in_flight: dict[str, int] = {}
        self.most_in_flight_total = 0
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def route(self, path: str, reply: Route) -> None:
        self.routes[path] = reply

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def reply_for(self, request: Request) -> Reply:
        route = self.routes.get(request.path) or self.routes.get(request.path.split("?")[0])
        if route is None:
            return Reply(status=404, body=b"not here")
        if isinstance(route, Reply):
            return route
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        return route(request)

    def enter(self, host: str) -> None:
        with self.lock:
            self.in_flight[host] = self.in_flight.get(host, 0) + 1
            self.most_in_flight[host] = max(self.most_in_flight.get(host, 0), self.in_flight[host])
            total = sum(self.in_flight.values())
            self.most_in_flight_total = max(self.most_in_flight_total, total)

    def leave(self, host: str) -> None:
        with self.lock:
            self.in_flight[host] -= 1


def _handler_for(server: ScriptedServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (the stdlib's name)
            self._answer(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))

        def do_POST(self) -> None:  # noqa: N802
            headers = {k.lower(): v for k, v in self.headers.items()}
            body = self.rfile.read(int(headers.get("content-length", "0") or 0))
            self._answer(Request(self.path, headers, "POST", body))

        def _answer(self, request: Request) -> None:
            host = request.headers.get("host", "").rsplit(":", 1)[0]
            with server.lock:
                server.requests.append(request)
                reply = server.reply_for(request)
            server.enter(host)
            try:
                self._send(reply)
            except OSError:
                pass  # the client gave up: that is what several tests want
            finally:
                server.leave(host)

        def _send(self, reply: Reply) -> None:
            self._wait(reply.delay)
            if reply.raw_head:
                for byte in reply.raw_head:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    self._wait(reply.pace)
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.chunks is None:
                if "content-length" not in {name.lower() for name in reply.headers}:
                    self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                return
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            for chunk in reply.chunks:
                if server.stopping.is_set():
                    return
                self.wfile.write(chunk)
                self.wfile.flush()
                self._wait(reply.pace)

        def _wait(self, seconds: float) -> None:
            end = time.monotonic() + seconds
            while time.monotonic() < end and not server.stopping.is_set():
                time.sleep(min(0.02, seconds))

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler

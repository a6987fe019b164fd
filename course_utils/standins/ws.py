"""The lifecycle every local WebSocket stand-in shares: start on 127.0.0.1, a bounded stop, ``async with``.

Subclasses (the Realtime, Live and Gemini Live servers) supply ``_handler`` (one connection),
optionally ``_check_request`` (refuse a handshake with an HTTP answer), ``_serve_options`` (TLS,
compression) and ``_close_sessions`` (end open sessions cleanly before the socket closes).
"""
from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from ..errors import CourseError

STOP_TIMEOUT_S = 5.0


class LocalWebSocketServer:
    """Start/stop and the bound port of a local WebSocket server; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.host, self.port = host, port
        self._server: Server | None = None

    # -- what a subclass supplies ---------------------------------------------------------------
    async def _handler(self, ws: ServerConnection) -> None:
        raise NotImplementedError

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        return None

    def _serve_options(self) -> dict:
        return {}

    async def _close_sessions(self) -> None:
        """End open sessions before the socket closes (default: nothing)."""

    # -- the lifecycle ------------------------------------------------------------------------------
    @property
    def bound_port(self) -> int:
        if self._server is None:
            name = type(self).__name__
            raise CourseError(f"{name} is not running: use 'async with {name}(...)' or await start().")
        return self._server.sockets[0].getsockname()[1]

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self):
        options = {"max_size": None, **self._serve_options()}
        self._server = await serve(self._handler, self.host, self.port, process_request=self._check_request, **options)
        return self

    async def stop(self, timeout_s: float = STOP_TIMEOUT_S) -> None:
        """Close sessions and the socket; never waits longer than ``timeout_s`` for stragglers."""
        if self._server is None:
            return
        server, self._server = self._server, None
        try:
            await asyncio.wait_for(self._close_sessions(), timeout_s)
        except asyncio.TimeoutError:
            pass
        server.close()
        try:
            await asyncio.wait_for(server.wait_closed(), timeout_s)
        except asyncio.TimeoutError:
            pass

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()


def json_http_response(status: HTTPStatus, body: dict) -> Response:
    """An HTTP answer with a JSON body, for refusing a WebSocket handshake the way the real API does."""
    data = json.dumps(body).encode()
    return Response(status.value, status.phrase,
                    Headers({"Content-Type": "application/json", "Content-Length": str(len(data))}), data)


def openai_http_error(status: HTTPStatus, message: str, code: str) -> Response:
    """A refused handshake with OpenAI's error body (``invalid_request_error`` and a code)."""
    return json_http_response(status, {"error": {"message": message, "type": "invalid_request_error", "code": code}})


def run_until_interrupted(server: LocalWebSocketServer, announce: Callable[[LocalWebSocketServer], None]) -> None:
    """Serve ``server`` until Ctrl+C (the body of each server's ``python -m`` entry point);
    ``announce`` prints where it listens once it is up."""

    async def serve_forever() -> None:
        async with server:
            announce(server)
            await asyncio.Event().wait()

    try:
        asyncio.run(serve_forever())
    except KeyboardInterrupt:
        pass


class BadFrame(ValueError):
    """A client frame that is not a JSON text frame; the message is the sentence for the error event."""


def parse_json_frame(message: str | bytes):
    """Parse one client frame as JSON, or raise :class:`BadFrame` saying what is wrong with it.

    Covers what ``json.loads`` can throw at a server: bad syntax, binary frames, integers over
    Python's digit limit (a ValueError) and nesting deep enough to raise RecursionError.
    """
    if isinstance(message, bytes):
        raise BadFrame("Binary frames are not accepted: send each event as a JSON text frame.")
    try:
        return json.loads(message)
    except json.JSONDecodeError as exc:
        raise BadFrame(f"We could not parse the JSON body of your request ({exc.msg} at position {exc.pos}); "
                       "send one JSON object per message.") from None
    except ValueError as exc:  # e.g. an integer longer than Python's 4,300-digit limit
        raise BadFrame(f"We could not parse the JSON body of your request ({exc}); send one JSON object per message.") from None
    except RecursionError:
        raise BadFrame("We could not parse the JSON body of your request: it is nested too deeply; "
                       "send one flat JSON object per message.") from None

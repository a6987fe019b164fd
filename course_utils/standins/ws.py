"""The lifecycle every local WebSocket stand-in shares: start on 127.0.0.1, a bounded stop, ``async with``.

Subclasses (the Realtime, Live and Gemini Live servers) supply ``_handler`` (one connection),
optionally ``_check_request`` (refuse a handshake with an HTTP answer), ``_serve_options`` (TLS,
compression) and ``_close_sessions`` (end open sessions cleanly before the socket closes).
"""
from __future__ import annotations

import asyncio

from websockets.asyncio.server import Server, ServerConnection, serve
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
        self._server = await serve(self._handler, self.host, self.port, process_request=self._check_request,
                                   max_size=None, **self._serve_options())
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

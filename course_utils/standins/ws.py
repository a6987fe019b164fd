"""The shell every local WebSocket stand-in shares, so each server module keeps only its protocol.

* :class:`LocalWebSocketServer`: start on 127.0.0.1 (loopback only), a bounded stop, ``async with``;
  subclasses supply ``_handler`` (one connection), optionally ``_check_request`` (refuse a handshake
  with an HTTP answer), ``_serve_options`` (TLS, compression) and ``_close_sessions``.
* :class:`SessionServer` / :class:`WebSocketSession`: one session object per connection, listed in
  ``server.sessions`` and shut down on stop; a session sends one event at a time, each checked
  against the SDK's type first (the stand-in's self-check) and kept in ``session.log``
  (:class:`SessionLog`). The Gemini Live stand-in is built on these; the OpenAI-style event protocol
  on top of them (Live, translation) is :mod:`.openai_ws`.
* helpers: :func:`parse_json_frame`, :func:`random_id`, :func:`json_http_response`, and
  :func:`server_parser` / :func:`run_until_interrupted` for each server's ``python -m`` entry point.

The Realtime stand-in (``realtime/``) keeps its own session class (counter ids, its own event log)
and uses the lifecycle and the command line from here, the handshake refusals and
:class:`~.openai_ws.ClientError` from :mod:`.openai_ws`.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ..errors import CourseError, ProtocolError
from ..voice.events import EventChecker

STOP_TIMEOUT_S = 5.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class LocalWebSocketServer:
    """Start/stop and the bound port of a local WebSocket server; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        if host not in LOOPBACK:
            raise CourseError(f"{type(self).__name__} listens on loopback only (127.0.0.1), not {host!r}.")
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


def server_parser(description: str, *, port: int, fixture: str, speed_help: str = "pace at this many times real time",
                  prog: str | None = None) -> argparse.ArgumentParser:
    """The command line every stand-in's ``python -m`` entry point starts from (--port, --host, --fixture,
    --speed); a server adds its own options to it."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--port", type=int, default=port)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--fixture", default=fixture)
    parser.add_argument("--speed", type=float, default=1.0, help=speed_help)
    return parser


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


# -- sessions: one per connection ---------------------------------------------------------------------
_ALNUM = string.ascii_letters + string.digits


def random_id(prefix: str, length: int = 21, alphabet: str = _ALNUM) -> str:
    """An id shaped like the real APIs' (``event_`` + 21 letters and digits)."""
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class SessionLog:
    """What one connection saw: the events sent, the client events received (audio summarised), and
    how it ended (``closed_reason``; ``close_code`` where the protocol closes with a code)."""

    id: str | None = None
    sent: list[Any] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    closed_reason: str | None = None
    close_code: int | None = None


class SessionServer(LocalWebSocketServer):
    """A local server that runs one :class:`WebSocketSession` per connection.

    ``sessions`` lists them (lessons and tests read their logs); with ``keep_events=False`` (a
    long-running server) a session leaves the list when its connection ends. ``validate``: every event
    a session sends is checked against the SDK's type (``server_checker``) before it leaves.
    A subclass supplies ``_server_checker()`` and ``_new_session(ws)``.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, validate: bool = True, keep_events: bool = True):
        super().__init__(host, port)
        self.validate, self.keep_events = validate, keep_events
        self.server_checker = self._server_checker()
        self.sessions: list = []

    def _server_checker(self) -> EventChecker:
        raise NotImplementedError

    def _new_session(self, ws: ServerConnection) -> "WebSocketSession":
        raise NotImplementedError

    async def _handler(self, ws: ServerConnection) -> None:
        session = self._new_session(ws)
        self.sessions.append(session)
        try:
            await session.run()
        finally:
            if not self.keep_events:
                self.sessions.remove(session)

    def _serve_options(self) -> dict:
        return {"max_queue": None}  # keep reading: a close frame behind streamed audio is seen at once

    async def _close_sessions(self) -> None:
        for session in self.sessions:
            await session.shutdown()


class WebSocketSession:
    """One connection of a :class:`SessionServer`: sending (checked, logged, one at a time).
    A subclass supplies ``run()`` (read the connection) and ``shutdown()`` (stop its tasks)."""

    def __init__(self, server: SessionServer, ws: ServerConnection):
        self.server, self.ws = server, ws
        self.log = SessionLog()
        self._send_lock = asyncio.Lock()

    def _record(self, event: dict, raw: str) -> None:
        """Keep a sent event in ``log.sent`` (a subclass may summarise audio or keep the raw JSON)."""
        if self.server.keep_events:
            self.log.sent.append(event)

    def _connection_lost(self) -> None:
        """The peer went away while an event was being sent (a subclass stops its work)."""

    async def send(self, event: dict) -> None:
        raw = json.dumps(event)
        if self.server.validate:  # a self-check of the stand-in: it sends only what the SDK declares
            extras = self.server.server_checker.parse(event).extras
            if extras:
                what = repr(event["type"]) if isinstance(event.get("type"), str) else "a message"
                raise ProtocolError(f"{type(self.server).__name__} tried to send {what} with fields the SDK does "
                                    f"not declare: {', '.join(extras)}.")
        self._record(event, raw)
        async with self._send_lock:
            try:
                await self.ws.send(raw)
            except ConnectionClosed:
                self._connection_lost()

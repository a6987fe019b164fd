"""The OpenAI-style WebSocket event protocol that the Live and translation stand-ins share.

* the handshake: :func:`refuse_openai_handshake` (the path, a bearer key) and
  :func:`openai_http_error` (OpenAI's HTTP error body), used by the Realtime stand-in too;
* :class:`OpenAISessionServer`: a :class:`~.ws.SessionServer` at one ``PATH``, with ``url``,
  ``websocket_base_url`` (for ``AsyncOpenAI(websocket_base_url=...)``) and ``announce()``;
* :class:`OpenAISession`: the receive loop "parse the frame, check it against the SDK's client union,
  dispatch to ``_on_<type>``; a bad event becomes one ``error`` event (:class:`ClientError`) and the
  session goes on"; :func:`decode_audio_append` for the audio appends of both protocols.

Each server module keeps only its protocol: its events, its session state, its timing.
"""
from __future__ import annotations

import base64
import binascii
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ..voice.events import EventChecker, EventError
from .ws import BadFrame, SessionServer, WebSocketSession, json_http_response, parse_json_frame, random_id


def openai_http_error(status: HTTPStatus, message: str, code: str, param: str | None = None) -> Response:
    """A refused handshake with OpenAI's error body (``invalid_request_error``, a code and a param)."""
    return json_http_response(status, {"error": {"message": message, "type": "invalid_request_error", "code": code,
                                                 "param": param}})


def refuse_openai_handshake(request: Request, path: str, endpoint: str, *, require_auth: bool = True,
                            connect_to: str | None = None) -> Response | None:
    """The first checks of every OpenAI WebSocket endpoint: the path, then a bearer key (any value).
    Returns the HTTP refusal, or None when the handshake may go on."""
    where = request.path.partition("?")[0]
    if where.rstrip("/") != path:
        return openai_http_error(HTTPStatus.NOT_FOUND, f"No {endpoint} endpoint at {where}; connect to "
                                                       f"{connect_to or path}.", "not_found")
    auth = request.headers.get("Authorization", "")
    if require_auth and not (auth.lower().startswith("bearer ") and auth[7:].strip()):
        return openai_http_error(HTTPStatus.UNAUTHORIZED, "Missing bearer authentication in the Authorization "
                                                          "header: send Authorization: Bearer <key>.", "invalid_api_key")
    return None


class ClientError(Exception):
    """A client mistake answered with an ``error`` event (the session stays open): the API's ``code``,
    the sentence for the learner, the offending ``param`` and the error ``etype``."""

    def __init__(self, code: str, message: str, param: str | None = None, etype: str = "invalid_request_error"):
        super().__init__(message)
        self.code, self.message, self.param, self.etype = code, message, param, etype


def decode_audio_append(audio: str, max_bytes: int, fmt: str, *, chunk_hint: str, pcm16: bool = True) -> bytes:
    """One append's base64 audio decoded, or the API's ``invalid_value`` error: too large, not base64, a
    file with a container header (WAV, FLAC, Ogg, MP3) instead of raw samples, half a PCM16 sample.
    ``fmt`` says what is expected (``AudioFormat.describe()``); ``chunk_hint`` how much to send at a time."""
    if len(audio) * 3 // 4 > max_bytes:
        raise ClientError("invalid_value", f"Audio append too large ({len(audio) * 3 // 4} bytes; at most {max_bytes}): "
                                           f"{chunk_hint}.", "audio")
    try:
        raw = base64.b64decode(audio, validate=True)
    except (binascii.Error, ValueError):
        raise ClientError("invalid_value", f"Invalid 'audio'. Expected base64-encoded audio bytes ({fmt}) but got an "
                                           "invalid value.", "audio") from None
    if raw[:4] in (b"RIFF", b"fLaC", b"OggS") or raw[:3] == b"ID3":
        raise ClientError("invalid_value", f"Invalid 'audio': got a {raw[:4].decode(errors='replace')} file; send raw "
                                           f"{fmt} without a container header.", "audio")
    if pcm16 and len(raw) % 2:
        raise ClientError("invalid_value", f"Invalid 'audio': {len(raw)} bytes is not a whole number of PCM16 samples "
                                           f"({fmt} has 2 bytes per sample).", "audio")
    return raw


class OpenAISessionServer(SessionServer):
    """A :class:`SessionServer` for an OpenAI WebSocket endpoint at ``PATH``: the handshake wants a bearer
    key; ``url`` / ``websocket_base_url`` say where it listens. A subclass supplies ``_client_checker()``
    and may refuse more in ``_check_query(query)``."""

    PATH = ""
    ENDPOINT = ""   # named in the refusal: "No Live endpoint at ..."

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, validate: bool = True, keep_events: bool = True):
        super().__init__(host, port, validate=validate, keep_events=keep_events)
        self.client_checker = self._client_checker()

    def _client_checker(self) -> EventChecker:
        raise NotImplementedError

    @property
    def url(self) -> str:
        """The WebSocket URL of the endpoint (``ws://127.0.0.1:PORT`` + its path)."""
        return f"ws://{self.host}:{self.bound_port}{self.PATH}"

    @property
    def websocket_base_url(self) -> str:
        """What to pass as ``AsyncOpenAI(websocket_base_url=...)``: the SDK appends the endpoint's path."""
        return f"ws://{self.host}:{self.bound_port}/v1"

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        refused = refuse_openai_handshake(request, self.PATH, self.ENDPOINT)
        return refused or self._check_query(request.path.partition("?")[2])

    def _check_query(self, query: str) -> Response | None:
        return None

    def _serve_options(self) -> dict:
        return {**super()._serve_options(), "compression": None}

    def _describe(self) -> str:
        """What the start-up line says in brackets (the fixture)."""
        return str(getattr(self, "fixture", ""))

    def announce(self) -> None:
        """Print where the server listens and how to point the SDK at it (for ``python -m``)."""
        print(f"{type(self).__name__} ({self._describe()}) at {self.url}", flush=True)
        print(f"  AsyncOpenAI(websocket_base_url={self.websocket_base_url!r})", flush=True)


def _client_event_id(message: str | bytes) -> str | None:
    try:
        data = parse_json_frame(message)
    except BadFrame:
        return None
    cid = data.get("event_id") if isinstance(data, dict) else None
    return cid if isinstance(cid, str) else None


class OpenAISession(WebSocketSession):
    """One connection of an OpenAI-style JSON event protocol.

    ``run()`` reads frames until the connection ends; each goes through :meth:`handle`: parse, a known
    ``type`` (``CLIENT_EVENTS``), the shared check against the SDK's client union (undeclared fields
    refused with ``unknown_parameter``, as the real API does), ``_check_state``, then ``_on_<type>(data)``.
    A :class:`ClientError` becomes one ``error`` event naming the client's ``event_id``; the session goes on.
    """

    CLIENT_EVENTS: tuple[str, ...] = ()
    ERROR_ID_FIELD = "event_id"   # where the error body names the client event
    SCOPE = ""                    # what the stand-in covers, said when a declared event is not implemented
    state = "active"

    # -- what a subclass may supply ----------------------------------------------------------------
    async def _opened(self) -> None:
        """Runs once before the first frame is read (e.g. send ``session.created``)."""

    def _unknown_type_hint(self, etype: str) -> str:
        return ""

    def _check_state(self, etype: str) -> None:
        """Raise :class:`ClientError` if ``etype`` is not accepted in the session's current state."""

    def _error_event(self, err: ClientError, client_event_id: str | None) -> dict:
        body: dict[str, Any] = {"type": err.etype, "code": err.code, "message": err.message}
        if err.param:
            body["param"] = err.param
        if client_event_id:
            body[self.ERROR_ID_FIELD] = client_event_id
        return {"type": "error", "event_id": random_id("event_"), "error": body}

    # -- the loop ------------------------------------------------------------------------------------
    async def error(self, err: ClientError, client_event_id: str | None = None) -> None:
        await self.send(self._error_event(err, client_event_id))

    async def run(self) -> None:
        try:
            await self._opened()
            async for message in self.ws:
                try:
                    await self.handle(message)
                except ClientError as err:
                    await self.error(err, _client_event_id(message))
                if self.state == "closed":
                    break
        except ConnectionClosed:
            pass
        finally:
            await self.shutdown()
            if self.log.closed_reason is None:
                self.log.closed_reason = "connection_lost"

    async def handle(self, message: str | bytes) -> None:
        try:
            data = parse_json_frame(message)
        except BadFrame as exc:
            raise ClientError("invalid_json", str(exc)) from None
        if not isinstance(data, dict):
            raise ClientError("invalid_json", "An event must be a JSON object with a 'type'.")
        etype = data.get("type")
        if not isinstance(etype, str):
            raise ClientError("missing_required_parameter", "Missing required parameter: 'type'.", "type")
        if etype not in self.CLIENT_EVENTS:
            raise ClientError("invalid_value", f"Invalid value: '{etype}'. Supported values are: " + ", ".join(
                f"'{t}'" for t in self.CLIENT_EVENTS) + "." + self._unknown_type_hint(etype), "type")
        if self.server.keep_events:
            self.log.received.append({k: (f"<{len(v)} chars>" if k == "audio" and isinstance(v, str) else v)
                                      for k, v in data.items()})
        self._validate(data)
        self._check_state(etype)
        handler = getattr(self, "_on_" + etype.replace(".", "_"), None)
        if handler is None:
            raise ClientError("not_supported", f"{type(self.server).__name__} does not implement '{etype}' (the real "
                                               f"API does){'; ' + self.SCOPE if self.SCOPE else ''}.", "type")
        await handler(data)

    def _validate(self, data: dict) -> None:
        """The shared checker on one client event; undeclared fields are refused, as the real API does."""
        try:
            extras = self.server.client_checker.parse(data).extras
        except EventError as exc:
            if exc.kind == "missing":
                raise ClientError("missing_required_parameter", f"Missing required parameter: '{exc.loc}'.",
                                  exc.loc) from None
            raise ClientError("invalid_value", f"Invalid value for '{exc.loc}': {exc.detail}.", exc.loc) from None
        if extras:
            raise ClientError("unknown_parameter", f"Unknown parameter: '{extras[0]}'.", extras[0])

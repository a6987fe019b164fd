"""A local OpenAI Live-compatible server: the real SDK talks to it over a real WebSocket.

    async with LocalLiveServer(fixture="support_call", speed=4) as server:
        client = AsyncOpenAI(api_key="...", websocket_base_url=server.websocket_base_url)
        async with client.live.connect() as conn:           # ws://127.0.0.1:PORT/v1/live/sessions
            await conn.session.start(session={"model": "gpt-live-1.1"})

or from a shell: ``python -m course_utils.live.server --port 8765 --fixture support_call``.

It implements the protocol, not a canned transcript:

* ``session.start`` must come first (anything else gets an ``error``); ``session.started`` carries
  the resolved session (id, model, expiry, audio format, voice, delegation).
* ``session.input_audio.append`` in the session's format (PCM16 24/16 kHz, G.711 mu-law / A-law at
  8 kHz). The session timeline advances with this audio.
* The model decides turns from the audio itself (the shared energy VAD), thinks, and speaks the
  fixture's next reply as ``session.output_audio.delta`` paced in real time (x ``speed``) with
  timestamped ``session.input_transcript.delta`` / ``session.output_transcript.delta``. User speech
  during a reply stops it within one chunk (100 ms of audio) of being detected; there is no cancel
  or truncate.
* A reply with a tool becomes ``session.delegation.created`` (client delegation); the application
  answers with ``session.commentary.append`` (spoken) or ``session.thinking.append`` (silent), each
  acknowledged with its ``*.appended`` event; the follow-up is spoken after the commentary.
* ``session.usage.updated`` every ``usage_interval_ms`` of timeline with cumulative billable
  seconds; ``session.close`` -> ``session.closed`` (reason, final snapshot, usage), then the socket
  closes.
* Bad input (invalid JSON, unknown type, missing/unknown fields, bad base64, audio in the wrong
  format, oversized appends, unknown delegation ids) gets an ``error`` event and the session goes on.

Every event it sends is validated against ``openai.types.live.ServerEvent`` before it leaves.
What it says comes from the fixture, whatever the user says (its input transcripts are the
script's words, timed on the audio it actually heard).
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import json
import secrets
import string
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .. import costs
from ..errors import CourseError, ProtocolError
from ..standins.ws import BadFrame, LocalWebSocketServer, openai_http_error, parse_json_frame, run_until_interrupted
from ..voice.conversation import Conversation, load_conversation
from ..voice.events import EventError
from ..voice.formats import G711_RATE, AudioFormat
from ..voice.models import OPENAI_LIVE_MODEL
from .engine import EngineSettings, Reply, TurnEngine
from .validate import live_client_checker, live_server_checker

PATH = "/v1/live/sessions"
LIVE_MODELS = ("gpt-live-1", OPENAI_LIVE_MODEL)
DEFAULT_VOICE = "marin"
#: The stand-in's own limits (the real API documents a duration limit via ``expires_at`` and the
#: ``expired`` close reason; it does not publish an append size limit, we use Realtime's 15 MiB).
SESSION_SECONDS = 3600
MAX_APPEND_BYTES = 15 * 1024 * 1024
MAX_CONTEXT_CHARS = 2000  # ~500 tokens, the documented cap on appended instructions/thinking/commentary
CLIENT_EVENTS = (
    "session.start", "session.update", "session.input_audio.append", "session.input_audio.mute",
    "session.input_audio.unmute", "session.output_audio.fixture.play", "session.instructions.append",
    "session.thinking.append", "session.commentary.append", "decision.create", "decision.item.create",
    "decision.item.delete", "response.item.create", "response.create", "session.close",
)
_ALNUM = string.ascii_letters + string.digits
#: The shared checker (:mod:`course_utils.voice.events`), silent: the server answers with events.
_CLIENT_EVENTS = live_client_checker(report=None)
_SERVER_EVENTS = live_server_checker(report=None)


def _id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(21))


class LiveError(Exception):
    """A client mistake answered with an ``error`` event (the session stays open)."""

    def __init__(self, code: str, message: str, param: str | None = None, etype: str = "invalid_request_error"):
        super().__init__(message)
        self.code, self.message, self.param, self.etype = code, message, param, etype


@dataclass
class SessionLog:
    """What one connection saw: every event the server sent (and the client events it received)."""

    id: str | None = None
    sent: list[dict] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    closed_reason: str | None = None


class LiveSession(TurnEngine):
    """One Live WebSocket connection: the protocol state machine around the turn engine."""

    def __init__(self, server: "LocalLiveServer", ws: ServerConnection, conversation: Conversation):
        super().__init__(conversation, server.settings)
        self.server, self.ws = server, ws
        self.log = SessionLog()
        self.state = "new"  # new -> active -> closed
        self.session: dict[str, Any] = {}
        self.format = AudioFormat()
        self.delegations: set[str] = set()
        self._send_lock = asyncio.Lock()
        self._next_usage_ms = server.usage_interval_ms

    # -- sending -------------------------------------------------------------------------------
    async def send(self, event: dict) -> None:
        if self.server.validate:  # a self-check of the stand-in: it sends only what the SDK declares
            extras = _SERVER_EVENTS.parse(event).extras
            if extras:
                raise ProtocolError(f"LocalLiveServer tried to send {event.get('type')!r} with fields the SDK does "
                                    f"not declare: {', '.join(extras)}.")
        if self.server.keep_events:
            self.log.sent.append(event)
        async with self._send_lock:
            try:
                await self.ws.send(json.dumps(event))
            except ConnectionClosed:
                self.closed = True

    async def error(self, err: LiveError, client_event_id: str | None = None) -> None:
        body = {"type": err.etype, "code": err.code, "message": err.message}
        if err.param:
            body["param"] = err.param
        if client_event_id:
            body["client_event_id"] = client_event_id
        event = {"type": "error", "event_id": _id("event_"), "error": body}
        if client_event_id:
            event["client_event_id"] = client_event_id
        await self.send(event)

    def _ack(self, etype: str, client_event_id: str | None, **fields) -> dict:
        event = {"type": etype, "event_id": _id("event_"), **fields}
        if client_event_id:
            event["client_event_id"] = client_event_id
        return event

    # -- receiving -----------------------------------------------------------------------------
    async def run(self) -> None:
        try:
            async for message in self.ws:
                try:
                    await self.handle(message)
                except LiveError as err:
                    cid = None
                    try:
                        data = parse_json_frame(message)
                        cid = data.get("event_id") if isinstance(data, dict) else None
                    except BadFrame:
                        pass
                    await self.error(err, cid if isinstance(cid, str) else None)
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
            raise LiveError("invalid_json", str(exc)) from None
        if not isinstance(data, dict):
            raise LiveError("invalid_json", "An event must be a JSON object with a 'type'.")
        etype = data.get("type")
        if not isinstance(etype, str):
            raise LiveError("missing_required_parameter", "Missing required parameter: 'type'.", "type")
        if etype not in CLIENT_EVENTS:
            raise LiveError("invalid_value", f"Invalid value: '{etype}'. Supported values are: "
                                             + ", ".join(f"'{t}'" for t in CLIENT_EVENTS) + ".", "type")
        if self.server.keep_events:
            self.log.received.append({k: (f"<{len(v)} chars>" if k == "audio" and isinstance(v, str) else v)
                                      for k, v in data.items()})
        self._validate(data)
        cid = data.get("event_id")
        if self.state == "new" and etype != "session.start":
            raise LiveError("session_not_started", f"'{etype}' was sent before the session started: send "
                                                   f"session.start first and wait for session.started.")
        handler = getattr(self, "_on_" + etype.replace(".", "_"), None)
        if handler is None:
            raise LiveError("not_supported", f"LocalLiveServer does not implement '{etype}' (the real API "
                                             f"does); this stand-in covers client delegation only.", "type")
        await handler(data, cid)

    def _validate(self, data: dict) -> None:
        """Every client event, microphone chunks included, goes through the shared checker once. Its
        undeclared fields are refused here, as the real API refuses unknown parameters."""
        try:
            extras = _CLIENT_EVENTS.parse(data).extras
        except EventError as exc:
            if exc.kind == "missing":
                raise LiveError("missing_required_parameter", f"Missing required parameter: '{exc.loc}'.",
                                exc.loc) from None
            raise LiveError("invalid_value", f"Invalid value for '{exc.loc}': {exc.detail}.", exc.loc) from None
        if extras:
            raise LiveError("unknown_parameter", f"Unknown parameter: '{extras[0]}'.", extras[0])

    # -- session lifecycle -----------------------------------------------------------------------
    async def _on_session_start(self, data: dict, cid: str | None) -> None:
        if self.state != "new":
            raise LiveError("session_already_started", "The session has already started; session.start is "
                                                       "accepted once per connection.", "type")
        cfg = data["session"]
        model = cfg["model"]
        if model not in self.server.models:
            realtime = model.startswith(("gpt-realtime", "gpt-4o-realtime", "gpt-audio"))
            hint = (f"'{model}' is a Realtime model: use it on /v1/realtime, or pick a Live model"
                    if realtime else f"Unknown Live model '{model}'")
            raise LiveError("invalid_model", f"{hint} ({', '.join(self.server.models)}).", "session.model")
        audio = cfg.get("audio") or {}
        fmt = audio.get("format") or AudioFormat().as_config()
        if fmt["type"] != "audio/pcm" and fmt.get("rate") != G711_RATE:
            raise LiveError("invalid_value", f"G.711 audio ({fmt['type']}) uses 8000 Hz, not {fmt.get('rate')}.",
                            "session.audio.format.rate")
        self.format = AudioFormat(fmt["type"], int(fmt["rate"]))
        voice = (audio.get("output") or {}).get("voice") or DEFAULT_VOICE
        delegation = cfg.get("delegation")
        if delegation and delegation.get("type") != "client":
            raise LiveError("not_supported", f"LocalLiveServer implements client delegation only, not "
                                             f"'{delegation.get('type')}'.", "session.delegation.type")
        self.session = {"id": _id("live_"), "expires_at": int(time.time()) + SESSION_SECONDS, "model": model,
                        "status": "active",
                        "audio": {"format": {"type": fmt["type"], "rate": int(fmt["rate"])}, "output": {"voice": voice}},
                        "input": cfg.get("input") or []}
        for key in ("instructions", "delegation", "store", "safety_identifier", "triggers"):
            if cfg.get(key) is not None:
                self.session[key] = cfg[key]
        self.log.id = self.session["id"]
        self.state = "active"
        await self.send(self._ack("session.started", cid, session=self.session))

    async def _on_session_update(self, data: dict, cid: str | None) -> None:
        update = data["session"]
        new = update.get("delegation")
        if new is not None:
            old = self.session.get("delegation") or {"type": "client"}
            if new.get("type") != old.get("type"):
                raise LiveError("invalid_value", "The delegation type cannot change during a session.",
                                "session.delegation.type")
            self.session["delegation"] = {**old, **{k: v for k, v in new.items() if v is not None}}
        if update.get("triggers") is not None:
            self.session["triggers"] = update["triggers"]
        await self.send(self._ack("session.updated", cid, session=self.session))

    async def _on_session_close(self, data: dict, cid: str | None) -> None:
        await self.close("close_requested", cid)

    async def close(self, reason: str, cid: str | None = None) -> None:
        if self.state == "closed":
            return
        self.state = "closed"
        await self.shutdown()
        self.log.closed_reason = reason
        await self.send(self._ack("session.closed", cid, reason=reason, session=self.session, usage=self._usage()))
        await self.ws.close()

    def _usage(self) -> dict:
        return {"seconds": int(self.timeline_ms // 1000)}

    # -- audio in ----------------------------------------------------------------------------------
    async def _on_session_input_audio_append(self, data: dict, cid: str | None) -> None:
        audio = data.get("audio")
        if not isinstance(audio, str):
            raise LiveError("invalid_type", "Invalid type for 'audio': expected a base64 string.", "audio")
        if len(audio) * 3 // 4 > self.server.max_append_bytes:
            raise LiveError("invalid_value", f"Audio append too large ({len(audio) * 3 // 4} bytes; at most "
                                             f"{self.server.max_append_bytes}): send 20-100 ms per append.", "audio")
        try:
            raw = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError):
            raise LiveError("invalid_value", f"Invalid 'audio'. Expected base64-encoded audio bytes "
                                             f"({self.format.describe()}) but got an invalid value.", "audio") from None
        if raw[:4] in (b"RIFF", b"fLaC", b"OggS") or raw[:3] == b"ID3":
            raise LiveError("invalid_value", f"Invalid 'audio': got a {raw[:4].decode(errors='replace')} file; send raw "
                                             f"{self.format.describe()} without a container header.", "audio")
        if self.format.type == "audio/pcm" and len(raw) % 2:
            raise LiveError("invalid_value", f"Invalid 'audio': {len(raw)} bytes is not a whole number of PCM16 "
                                             f"samples ({self.format.describe()} has 2 bytes per sample).", "audio")
        if raw:
            await self.feed(self.format.decode(raw))

    async def _on_session_input_audio_mute(self, data: dict, cid: str | None) -> None:
        self.muted = True
        await self.send(self._ack("session.input_audio.muted", cid))

    async def _on_session_input_audio_unmute(self, data: dict, cid: str | None) -> None:
        self.muted = False
        await self.send(self._ack("session.input_audio.unmuted", cid))

    # -- context appends and delegation ---------------------------------------------------------------
    async def _append(self, data: dict, cid: str | None, ack: str) -> None:
        content, delegation_id = data["content"], data.get("delegation_id")
        if len(content) > MAX_CONTEXT_CHARS:
            raise LiveError("invalid_value", f"'content' is limited to 500 tokens (got about {costs.text_tokens(content)}).",
                            "content")
        if delegation_id is not None and delegation_id not in self.delegations:
            raise LiveError("invalid_value", f"Unknown delegation_id '{delegation_id}': use the id from "
                                             f"session.delegation.created, or null.", "delegation_id")
        at = int(self.timeline_ms)
        await self.send(self._ack(ack, cid, start_ms=at, end_ms=at))
        if ack == "session.commentary.appended" and delegation_id is not None:
            self.tool_result(delegation_id)

    async def _on_session_instructions_append(self, data: dict, cid: str | None) -> None:
        await self._append(data, cid, "session.instructions.appended")

    async def _on_session_thinking_append(self, data: dict, cid: str | None) -> None:
        await self._append(data, cid, "session.thinking.appended")

    async def _on_session_commentary_append(self, data: dict, cid: str | None) -> None:
        await self._append(data, cid, "session.commentary.appended")

    async def _on_response_create(self, data: dict, cid: str | None) -> None:
        raise LiveError("delegation_required", "response.create requires Responses delegation.", "type")

    async def _on_response_item_create(self, data: dict, cid: str | None) -> None:
        raise LiveError("delegation_required", "response.item.create requires Responses delegation.", "type")

    # -- engine hooks -> wire events ----------------------------------------------------------------
    async def on_timeline(self) -> None:
        if self.timeline_ms >= self._next_usage_ms and self.state == "active":
            self._next_usage_ms += self.server.usage_interval_ms
            await self.send(self._ack("session.usage.updated", None, usage=self._usage()))
        if self.timeline_ms >= self.server.session_seconds * 1000 and self.state == "active":
            await self.close("expired")

    async def on_user_words(self, words) -> None:
        for text, a, b in words:
            if self.state != "active":
                return
            await self.send(self._ack("session.input_transcript.delta", None, delta=text, start_ms=int(a), end_ms=int(b)))

    async def on_reply_audio(self, reply: Reply, pcm24: bytes, start_ms: float) -> None:
        if self.state == "active":
            await self.send({"type": "session.output_audio.delta",
                             "delta": base64.b64encode(self.format.encode(pcm24)).decode("ascii")})

    async def on_reply_words(self, reply: Reply, words) -> None:
        for text, a, b in words:
            if self.state != "active":
                return
            await self.send(self._ack("session.output_transcript.delta", None, delta=text, start_ms=int(a), end_ms=int(b)))

    async def on_tool_call(self, reply: Reply, call_id: str) -> None:
        delegation_id = _id("item_")
        self.delegations.add(delegation_id)
        self.awaiting_tool[delegation_id] = self.awaiting_tool.pop(call_id)
        await self.send(self._ack("session.delegation.created", None, offset_ms=int(self.timeline_ms),
                                  delegation={"id": delegation_id, "type": "delegation", "target": "client"}))


class LocalLiveServer(LocalWebSocketServer):
    """The Live stand-in: ``async with LocalLiveServer(fixture="support_call") as server: server.url``."""

    def __init__(self, fixture: "str | Path" = "support_call", *, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0,
                 chunk_ms: int = 100, usage_interval_ms: int = 15000, session_seconds: int = SESSION_SECONDS,
                 max_append_bytes: int = MAX_APPEND_BYTES, models: tuple[str, ...] = LIVE_MODELS,
                 validate: bool = True, keep_events: bool = True, settings: EngineSettings | None = None):
        if speed <= 0:
            raise CourseError(f"speed must be positive (got {speed}); 1.0 is real time.")
        self.conversation = load_conversation(fixture, "live")
        self.fixture = fixture
        super().__init__(host, port)
        self.settings = settings or EngineSettings(speed=speed, chunk_ms=chunk_ms)
        self.usage_interval_ms = usage_interval_ms
        self.session_seconds = session_seconds
        self.max_append_bytes = max_append_bytes
        self.models = models
        self.validate = validate
        self.keep_events = keep_events  # each session's log of events (tests read it; a long-running server may not)
        self.sessions: list[LiveSession] = []

    @property
    def speed(self) -> float:
        return self.settings.speed

    @property
    def url(self) -> str:
        """The WebSocket URL of the Live endpoint (``ws://127.0.0.1:PORT/v1/live/sessions``)."""
        return f"ws://{self.host}:{self.bound_port}{PATH}"

    @property
    def websocket_base_url(self) -> str:
        """What to pass as ``AsyncOpenAI(websocket_base_url=...)``: the SDK appends ``/live/sessions``."""
        return f"ws://{self.host}:{self.bound_port}/v1"

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path, _, query = request.path.partition("?")
        if path.rstrip("/") != PATH:
            return openai_http_error(HTTPStatus.NOT_FOUND, f"No Live endpoint at {path}; connect to {PATH}.", "not_found")
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or len(auth) <= len("Bearer "):
            return openai_http_error(HTTPStatus.UNAUTHORIZED, "Missing bearer authentication in the Authorization header.",
                               "invalid_api_key")
        if "model=" in query:
            return openai_http_error(HTTPStatus.BAD_REQUEST, "Live sessions take the model in session.start, not as a "
                                                       "URL query parameter.", "invalid_request_error")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        session = LiveSession(self, ws, self.conversation)
        self.sessions.append(session)
        try:
            await session.run()
        finally:
            if not self.keep_events:
                self.sessions.remove(session)

    def _serve_options(self) -> dict:
        return {"compression": None, "max_queue": None}  # keep reading: a close behind streamed audio is seen

    async def _close_sessions(self) -> None:
        for s in self.sessions:
            await s.shutdown()

    def __repr__(self) -> str:
        where = self.url if self.running else "not running"
        return f"LocalLiveServer(fixture={self.fixture!r}, speed={self.speed}, {where})"


def _announce(server: LocalLiveServer) -> None:
    print(f"LocalLiveServer ({server.fixture}) at {server.url}", flush=True)
    print(f"  AsyncOpenAI(websocket_base_url={server.websocket_base_url!r})", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local OpenAI Live-compatible WebSocket server (fixture replay).")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--fixture", default="support_call")
    parser.add_argument("--speed", type=float, default=1.0, help="pace replies at this many times real time")
    args = parser.parse_args(argv)
    run_until_interrupted(LocalLiveServer(args.fixture, host=args.host, port=args.port, speed=args.speed,
                                          keep_events=False), _announce)


if __name__ == "__main__":
    main()

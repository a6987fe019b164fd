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

import base64
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Response

from .. import costs
from ..errors import CourseError
from ..standins.openai_ws import ClientError, OpenAISession, OpenAISessionServer, decode_audio_append, openai_http_error
from ..standins.ws import random_id, run_until_interrupted, server_parser
from ..voice.conversation import Conversation, load_conversation
from ..voice.formats import G711_RATE, AudioFormat
from ..voice.models import OPENAI_LIVE_MODELS
from .engine import EngineSettings, Reply, TurnEngine
from .validate import live_client_checker, live_server_checker

PATH = "/v1/live/sessions"
LIVE_MODELS = OPENAI_LIVE_MODELS
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


class LiveSession(TurnEngine, OpenAISession):
    """One Live WebSocket connection: the protocol state machine around the turn engine (the receive
    loop, the client-event check and the error events are :class:`~course_utils.standins.openai_ws.OpenAISession`'s)."""

    CLIENT_EVENTS = CLIENT_EVENTS
    ERROR_ID_FIELD = "client_event_id"
    SCOPE = "this stand-in covers client delegation only"

    def __init__(self, server: "LocalLiveServer", ws: ServerConnection, conversation: Conversation):
        TurnEngine.__init__(self, conversation, server.settings)
        OpenAISession.__init__(self, server, ws)
        self.state = "new"  # new -> active -> closed
        self.session: dict[str, Any] = {}
        self.format = AudioFormat()
        self.delegations: set[str] = set()
        self._next_usage_ms = server.usage_interval_ms

    # -- the protocol shell's hooks -----------------------------------------------------------------
    def _connection_lost(self) -> None:
        self.closed = True

    def _error_event(self, err: ClientError, client_event_id: str | None) -> dict:
        event = super()._error_event(err, client_event_id)
        if client_event_id:
            event["client_event_id"] = client_event_id
        return event

    def _check_state(self, etype: str) -> None:
        if self.state == "new" and etype != "session.start":
            raise ClientError("session_not_started", f"'{etype}' was sent before the session started: send "
                                                     f"session.start first and wait for session.started.")

    @staticmethod
    def _ack(etype: str, request: dict | None, **fields) -> dict:
        """A server event answering the client event ``request`` (its ``event_id`` is echoed)."""
        event = {"type": etype, "event_id": random_id("event_"), **fields}
        if request and request.get("event_id"):
            event["client_event_id"] = request["event_id"]
        return event

    # -- session lifecycle -----------------------------------------------------------------------
    async def _on_session_start(self, data: dict) -> None:
        if self.state != "new":
            raise ClientError("session_already_started", "The session has already started; session.start is "
                                                       "accepted once per connection.", "type")
        cfg = data["session"]
        model = cfg["model"]
        if model not in self.server.models:
            realtime = model.startswith(("gpt-realtime", "gpt-4o-realtime", "gpt-audio"))
            hint = (f"'{model}' is a Realtime model: use it on /v1/realtime, or pick a Live model"
                    if realtime else f"Unknown Live model '{model}'")
            raise ClientError("invalid_model", f"{hint} ({', '.join(self.server.models)}).", "session.model")
        audio = cfg.get("audio") or {}
        fmt = audio.get("format") or AudioFormat().as_config()
        if fmt["type"] != "audio/pcm" and fmt.get("rate") != G711_RATE:
            raise ClientError("invalid_value", f"G.711 audio ({fmt['type']}) uses 8000 Hz, not {fmt.get('rate')}.",
                              "session.audio.format.rate")
        self.format = AudioFormat(fmt["type"], int(fmt["rate"]))
        voice = (audio.get("output") or {}).get("voice") or DEFAULT_VOICE
        delegation = cfg.get("delegation")
        if delegation and delegation.get("type") != "client":
            raise ClientError("not_supported", f"LocalLiveServer implements client delegation only, not "
                                             f"'{delegation.get('type')}'.", "session.delegation.type")
        self.session = {"id": random_id("live_"), "expires_at": int(time.time()) + SESSION_SECONDS, "model": model,
                        "status": "active",
                        "audio": {"format": {"type": fmt["type"], "rate": int(fmt["rate"])}, "output": {"voice": voice}},
                        "input": cfg.get("input") or []}
        for key in ("instructions", "delegation", "store", "safety_identifier", "triggers"):
            if cfg.get(key) is not None:
                self.session[key] = cfg[key]
        self.log.id = self.session["id"]
        self.state = "active"
        await self.send(self._ack("session.started", data, session=self.session))

    async def _on_session_update(self, data: dict) -> None:
        update = data["session"]
        new = update.get("delegation")
        if new is not None:
            old = self.session.get("delegation") or {"type": "client"}
            if new.get("type") != old.get("type"):
                raise ClientError("invalid_value", "The delegation type cannot change during a session.",
                                  "session.delegation.type")
            self.session["delegation"] = {**old, **{k: v for k, v in new.items() if v is not None}}
        if update.get("triggers") is not None:
            self.session["triggers"] = update["triggers"]
        await self.send(self._ack("session.updated", data, session=self.session))

    async def _on_session_close(self, data: dict) -> None:
        await self.close("close_requested", data)

    async def close(self, reason: str, request: dict | None = None) -> None:
        if self.state == "closed":
            return
        self.state = "closed"
        await self.shutdown()
        self.log.closed_reason = reason
        await self.send(self._ack("session.closed", request, reason=reason, session=self.session, usage=self._usage()))
        await self.ws.close()

    def _usage(self) -> dict:
        return {"seconds": int(self.timeline_ms // 1000)}

    # -- audio in ----------------------------------------------------------------------------------
    async def _on_session_input_audio_append(self, data: dict) -> None:
        audio = data.get("audio")
        if not isinstance(audio, str):
            raise ClientError("invalid_type", "Invalid type for 'audio': expected a base64 string.", "audio")
        raw = decode_audio_append(audio, self.server.max_append_bytes, self.format.describe(),
                                  chunk_hint="send 20-100 ms per append", pcm16=self.format.type == "audio/pcm")
        if raw:
            await self.feed(self.format.decode(raw))

    async def _on_session_input_audio_mute(self, data: dict) -> None:
        self.muted = True
        await self.send(self._ack("session.input_audio.muted", data))

    async def _on_session_input_audio_unmute(self, data: dict) -> None:
        self.muted = False
        await self.send(self._ack("session.input_audio.unmuted", data))

    # -- context appends and delegation ---------------------------------------------------------------
    async def _append(self, data: dict, ack: str) -> None:
        content, delegation_id = data["content"], data.get("delegation_id")
        if len(content) > MAX_CONTEXT_CHARS:
            raise ClientError("invalid_value", f"'content' is limited to 500 tokens (got about {costs.text_tokens(content)}).",
                              "content")
        if delegation_id is not None and delegation_id not in self.delegations:
            raise ClientError("invalid_value", f"Unknown delegation_id '{delegation_id}': use the id from "
                                             f"session.delegation.created, or null.", "delegation_id")
        at = int(self.timeline_ms)
        await self.send(self._ack(ack, data, start_ms=at, end_ms=at))
        if ack == "session.commentary.appended" and delegation_id is not None:
            self.tool_result(delegation_id)

    async def _on_session_instructions_append(self, data: dict) -> None:
        await self._append(data, "session.instructions.appended")

    async def _on_session_thinking_append(self, data: dict) -> None:
        await self._append(data, "session.thinking.appended")

    async def _on_session_commentary_append(self, data: dict) -> None:
        await self._append(data, "session.commentary.appended")

    async def _on_response_create(self, data: dict) -> None:
        raise ClientError("delegation_required", "response.create requires Responses delegation.", "type")

    async def _on_response_item_create(self, data: dict) -> None:
        raise ClientError("delegation_required", "response.item.create requires Responses delegation.", "type")

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
        delegation_id = random_id("item_")
        self.delegations.add(delegation_id)
        self.awaiting_tool[delegation_id] = self.awaiting_tool.pop(call_id)
        await self.send(self._ack("session.delegation.created", None, offset_ms=int(self.timeline_ms),
                                  delegation={"id": delegation_id, "type": "delegation", "target": "client"}))


class LocalLiveServer(OpenAISessionServer):
    """The Live stand-in: ``async with LocalLiveServer(fixture="support_call") as server: server.url``."""

    PATH, ENDPOINT = PATH, "Live"

    def __init__(self, fixture: "str | Path" = "support_call", *, host: str = "127.0.0.1", port: int = 0, speed: float = 1.0,
                 chunk_ms: int = 100, usage_interval_ms: int = 15000, session_seconds: int = SESSION_SECONDS,
                 max_append_bytes: int = MAX_APPEND_BYTES, models: tuple[str, ...] = LIVE_MODELS,
                 validate: bool = True, keep_events: bool = True, settings: EngineSettings | None = None):
        if speed <= 0:
            raise CourseError(f"speed must be positive (got {speed}); 1.0 is real time.")
        self.conversation = load_conversation(fixture, "live")
        self.fixture = fixture
        # keep_events: each session's log of events (tests read it; a long-running server may not)
        super().__init__(host, port, validate=validate, keep_events=keep_events)
        self.settings = settings or EngineSettings(speed=speed, chunk_ms=chunk_ms)
        self.usage_interval_ms = usage_interval_ms
        self.session_seconds = session_seconds
        self.max_append_bytes = max_append_bytes
        self.models = models

    @property
    def speed(self) -> float:
        return self.settings.speed

    def _server_checker(self):
        return live_server_checker(report=None)   # the shared checker, silent: the server answers with events

    def _client_checker(self):
        return live_client_checker(report=None)

    def _check_query(self, query: str) -> Response | None:
        if "model=" in query:
            return openai_http_error(HTTPStatus.BAD_REQUEST, "Live sessions take the model in session.start, not as a "
                                                             "URL query parameter.", "invalid_request_error")
        return None

    def _new_session(self, ws: ServerConnection) -> LiveSession:
        return LiveSession(self, ws, self.conversation)

    def __repr__(self) -> str:
        where = self.url if self.running else "not running"
        return f"LocalLiveServer(fixture={self.fixture!r}, speed={self.speed}, {where})"


def main(argv: list[str] | None = None) -> None:
    parser = server_parser("A local OpenAI Live-compatible WebSocket server (fixture replay).", port=8765,
                           fixture="support_call", speed_help="pace replies at this many times real time")
    args = parser.parse_args(argv)
    run_until_interrupted(LocalLiveServer(args.fixture, host=args.host, port=args.port, speed=args.speed,
                                          keep_events=False), LocalLiveServer.announce)


if __name__ == "__main__":
    main()

"""A local OpenAI Realtime translation server: the official SDK talks to it over a real WebSocket.

    async with LocalTranslationServer(fixture="weekly_update", lag_ms=1500, speed=4) as server:
        client = AsyncOpenAI(api_key="...", websocket_base_url=server.websocket_base_url)
        async with client.realtime.translations.connect(model="gpt-realtime-translate") as conn:
            ...                                  # ws://127.0.0.1:PORT/v1/realtime/translations?model=...

or from a shell: ``python -m course_utils.translation.server --port 8766 --lag-ms 1500``.

It implements the interpreter protocol, not a canned script:

* the handshake needs ``?model=gpt-realtime-translate`` and a bearer key; the first event is
  ``session.created`` (``type: "translation"``); ``session.update`` may change
  ``audio.output.language``, ``audio.input.transcription`` and ``audio.input.noise_reduction`` and is
  answered with ``session.updated``.
* ``session.input_audio_buffer.append`` (base64 PCM16 24 kHz mono) goes into a buffer that the
  engine consumes in 200 ms frames, no faster than real time x ``speed`` (a shorter append waits
  for a whole frame; a longer one is split). Model time is the audio consumed: if the client stops
  sending, the interpreter stops too.
* the shared energy VAD segments the audio into phrases. When the n-th phrase starts, the n-th
  recorded translation (in the session's language) is scheduled ``lag_ms`` of model time later (or
  when the previous translation ends, if later): its audio goes out frame by frame as model time
  reaches it (``session.output_audio.delta``), with ``session.output_transcript.delta`` words in step;
  with input transcription configured, ``session.input_transcript.delta`` words follow the speech.
  So the translation streams while the speaker is still talking, ``lag_ms`` behind.
* ``session.close``: the partial frame is padded, silence is fed until every scheduled translation
  has gone out, then ``session.closed`` and the socket closes.
* bad input (not JSON, unknown type, unknown or missing fields, wrong types, bad base64, a WAV or
  FLAC file instead of raw PCM, an odd number of bytes, an oversized append, an unsupported
  language) gets the API's ``error`` event and the session goes on.

Every event it sends is validated against ``openai.types.realtime.RealtimeTranslationServerEvent``
first. What it says comes from the fixture, whatever the speaker says; the lag is this server's
setting (``lag_ms``), not a measurement of the real API.
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
from typing import Any
from urllib.parse import parse_qs

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from ..errors import CourseError
from ..standins.ws import BadFrame, LocalWebSocketServer, openai_http_error, parse_json_frame, run_until_interrupted
from ..voice.events import EventChecker, EventError
from ..voice.formats import SAMPLE_RATE, bytes_per_ms, ms_to_bytes
from ..voice.models import TRANSLATION_MODEL
from ..voice.vad import EnergyVAD
from .fixture import DEFAULT_FIXTURE, Monologue, load_monologue

PATH = "/v1/realtime/translations"
MODELS = (TRANSLATION_MODEL,)
FRAME_MS = 200                        # the engine's frame (OpenAI's docs: "Translation consumes 200 ms engine frames")
FRAME_BYTES = ms_to_bytes(FRAME_MS)
#: the stand-in's own limits (Realtime's append limit; an hour per session)
MAX_APPEND_BYTES = 15 * 1024 * 1024
SESSION_SECONDS = 3600
MAX_FLUSH_MS = 60_000                  # session.close feeds at most this much silence to finish the output
CLIENT_EVENTS = ("session.update", "session.input_audio_buffer.append", "session.close")
_ALNUM = string.ascii_letters + string.digits


def _id(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALNUM) for _ in range(21))


def _server_checker() -> EventChecker:
    from openai.types.realtime import RealtimeTranslationServerEvent
    return EventChecker(RealtimeTranslationServerEvent, name="translation server event", report=None)


def _client_checker() -> EventChecker:
    from openai.types.realtime import RealtimeTranslationClientEvent
    return EventChecker(RealtimeTranslationClientEvent, name="translation client event", report=None)


class TranslationError(Exception):
    """A client mistake answered with an ``error`` event (the session stays open)."""

    def __init__(self, code: str, message: str, param: str | None = None, etype: str = "invalid_request_error"):
        super().__init__(message)
        self.code, self.message, self.param, self.etype = code, message, param, etype


@dataclass
class _Output:
    """A scheduled piece of timed speech: translated audio and/or transcript words on the model timeline."""

    phrase: int
    start_ms: float
    pcm: bytes
    words: list[str]
    word_kind: str                 # "session.output_transcript.delta" or "session.input_transcript.delta"
    duration_ms: float
    sent_bytes: int = 0
    sent_words: int = 0

    @property
    def end_ms(self) -> float:
        return self.start_ms + self.duration_ms

    def word_due_ms(self, i: int) -> float:
        """Output words are said as the audio reaches them; input words once they have been heard."""
        n = max(1, len(self.words))
        frac = i / n if self.pcm else (i + 1) / n
        return self.start_ms + frac * self.duration_ms

    @property
    def done(self) -> bool:
        return self.sent_bytes >= len(self.pcm) and self.sent_words >= len(self.words)


@dataclass
class SessionLog:
    """What one connection saw: the events sent, the client events received (audio summarised)."""

    id: str | None = None
    sent: list[dict] = field(default_factory=list)
    received: list[dict] = field(default_factory=list)
    closed_reason: str | None = None


def _words(text: str, first: bool) -> list[str]:
    """Append-only deltas: each word carries its own leading space (none before the session's first)."""
    words = text.split()
    return [("" if first and i == 0 else " ") + w for i, w in enumerate(words)]


class TranslationSession:
    """One translation WebSocket connection: the protocol around a frame-paced interpreter."""

    def __init__(self, server: "LocalTranslationServer", ws: ServerConnection, model: str):
        self.server, self.ws, self.model = server, ws, model
        self.log = SessionLog()
        self.session: dict[str, Any] = {
            "id": _id("sess_"), "type": "translation", "model": model,
            "expires_at": int(time.time()) + SESSION_SECONDS,
            "audio": {"input": {"transcription": None, "noise_reduction": None},
                      "output": {"language": server.default_language}},
        }
        self.log.id = self.session["id"]
        self.state = "active"               # active -> closing -> closed
        self.buffer = bytearray()
        self.timeline_ms = 0.0              # model time: audio consumed by the engine
        self.vad = EnergyVAD(**server.vad)
        self.phrases = 0                    # phrases started so far
        self.outputs: list[_Output] = []    # translations, in order
        self.inputs: list[_Output] = []     # source transcript words
        self.said_output = self.said_input = False
        self._arrived = asyncio.Event()
        self._send_lock = asyncio.Lock()
        self._engine: asyncio.Task | None = None
        self._last_output_end = 0.0         # model time the last scheduled translation ends

    # -- sending -------------------------------------------------------------------------------
    async def send(self, event: dict) -> None:
        if self.server.validate:
            self.server.server_checker.check(event)   # a bad event is our bug: raise, do not send it
        if self.server.keep_events:
            self.log.sent.append({k: (f"<{len(v)} chars>" if k == "delta" and event["type"] == "session.output_audio.delta"
                                      else v) for k, v in event.items()})
        async with self._send_lock:
            try:
                await self.ws.send(json.dumps(event))
            except ConnectionClosed:
                self.state = "closed"

    async def error(self, err: TranslationError, client_event_id: str | None = None) -> None:
        body: dict[str, Any] = {"type": err.etype, "code": err.code, "message": err.message}
        if err.param:
            body["param"] = err.param
        if client_event_id:
            body["event_id"] = client_event_id
        await self.send({"type": "error", "event_id": _id("event_"), "error": body})

    # -- receiving -----------------------------------------------------------------------------
    async def run(self) -> None:
        self._engine = asyncio.ensure_future(self._run_engine())
        try:
            await self.send({"type": "session.created", "event_id": _id("event_"), "session": self.session})
            async for message in self.ws:
                try:
                    await self.handle(message)
                except TranslationError as err:
                    cid = None
                    try:
                        data = parse_json_frame(message)
                        cid = data.get("event_id") if isinstance(data, dict) else None
                    except BadFrame:
                        pass
                    await self.error(err, cid if isinstance(cid, str) else None)
        except ConnectionClosed:
            pass
        finally:
            await self.shutdown()
            if self.log.closed_reason is None:
                self.log.closed_reason = "connection_lost"

    async def shutdown(self) -> None:
        if self._engine is not None and asyncio.current_task() is not self._engine:
            if self.state == "closed" and not self._engine.done():   # it is sending session.closed: let it finish
                await asyncio.wait([self._engine], timeout=5.0)
            self._engine.cancel()
            try:
                await self._engine
            except (asyncio.CancelledError, Exception):
                pass

    async def handle(self, message: str | bytes) -> None:
        try:
            data = parse_json_frame(message)
        except BadFrame as exc:
            raise TranslationError("invalid_json", str(exc)) from None
        if not isinstance(data, dict):
            raise TranslationError("invalid_json", "An event must be a JSON object with a 'type'.")
        etype = data.get("type")
        if not isinstance(etype, str):
            raise TranslationError("missing_required_parameter", "Missing required parameter: 'type'.", "type")
        if etype not in CLIENT_EVENTS:
            hint = (" A translation session has no turns and no responses: keep appending audio."
                    if etype.startswith(("response.", "conversation.", "input_audio_buffer.")) else "")
            raise TranslationError("invalid_value", f"Invalid value: '{etype}'. Supported values are: "
                                   + ", ".join(f"'{t}'" for t in CLIENT_EVENTS) + "." + hint, "type")
        if self.server.keep_events:
            self.log.received.append({k: (f"<{len(v)} chars>" if k == "audio" and isinstance(v, str) else v)
                                      for k, v in data.items()})
        if etype == "session.input_audio_buffer.append" and isinstance(data.get("audio"), str):
            extra = set(data) - {"type", "audio", "event_id"}   # the hot path: no model validation per chunk
            if extra:
                name = sorted(extra)[0]
                raise TranslationError("unknown_parameter", f"Unknown parameter: '{name}'.", name)
        else:
            self._validate(data)
        if self.state != "active":
            raise TranslationError("session_closing", f"'{etype}' arrived after session.close; the session is "
                                   "finishing its output and takes no more input.", "type")
        await getattr(self, "_on_" + etype.replace(".", "_"))(data)

    def _validate(self, data: dict) -> None:
        try:
            checked = self.server.client_checker.parse(data)
        except EventError as exc:
            if exc.kind == "missing":
                raise TranslationError("missing_required_parameter", f"Missing required parameter: '{exc.loc}'.",
                                       exc.loc) from None
            detail = str(exc).split("(at ", 1)[-1].split(": ", 1)[-1].rstrip(").")
            raise TranslationError("invalid_value", f"Invalid value for '{exc.loc}': {detail}.", exc.loc) from None
        if checked.extras:
            name = checked.extras[0]
            raise TranslationError("unknown_parameter", f"Unknown parameter: '{name}'.", name)

    # -- client events -------------------------------------------------------------------------
    async def _on_session_update(self, data: dict) -> None:
        update = data["session"].get("audio") or {}
        audio = self.session["audio"]
        out = update.get("output") or {}
        if "language" in out and out["language"] is not None:
            lang = out["language"]
            if lang not in self.server.monologue.languages:
                raise TranslationError(
                    "unsupported_language", f"LocalTranslationServer's fixture '{self.server.monologue.name}' has "
                    f"recordings in {', '.join(self.server.monologue.languages)} only, not '{lang}' (the real API has "
                    f"13 output languages).", "session.audio.output.language")
            audio["output"]["language"] = lang
        inp = update.get("input") or {}
        for key in ("transcription", "noise_reduction"):
            if key in inp:
                audio["input"][key] = inp[key]
        await self.send({"type": "session.updated", "event_id": _id("event_"), "session": self.session})

    async def _on_session_input_audio_buffer_append(self, data: dict) -> None:
        audio = data["audio"]
        if len(audio) * 3 // 4 > self.server.max_append_bytes:
            raise TranslationError("invalid_value", f"Audio append too large ({len(audio) * 3 // 4} bytes; at most "
                                   f"{self.server.max_append_bytes}): append 200 ms at a time.", "audio")
        try:
            raw = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError):
            raise TranslationError("invalid_value", "Invalid 'audio'. Expected base64-encoded 24 kHz PCM16 mono "
                                   "audio bytes but got an invalid value.", "audio") from None
        if raw[:4] in (b"RIFF", b"fLaC", b"OggS") or raw[:3] == b"ID3":
            raise TranslationError("invalid_value", f"Invalid 'audio': got a {raw[:4].decode(errors='replace')} file; "
                                   "send raw 24 kHz PCM16 mono without a container header.", "audio")
        if len(raw) % 2:
            raise TranslationError("invalid_value", f"Invalid 'audio': {len(raw)} bytes is not a whole number of "
                                   "PCM16 samples (2 bytes per sample).", "audio")
        self.buffer += raw
        self._arrived.set()

    async def _on_session_close(self, data: dict) -> None:
        self.state = "closing"
        self._arrived.set()

    # -- the engine: 200 ms frames, paced --------------------------------------------------------
    async def _run_engine(self) -> None:
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        flushed_ms = 0.0
        starved = True   # after waiting for input, the schedule restarts now; a backlog is caught up at once
        try:
            while self.state != "closed":
                if len(self.buffer) >= FRAME_BYTES:
                    frame = bytes(self.buffer[:FRAME_BYTES])
                    del self.buffer[:FRAME_BYTES]
                elif self.state == "closing":
                    if not (self.outputs or self.inputs or self.buffer or self.vad.in_speech) or flushed_ms > MAX_FLUSH_MS:
                        break
                    frame = bytes(self.buffer) + bytes(FRAME_BYTES - len(self.buffer))   # pad, then silence
                    self.buffer.clear()
                    flushed_ms += FRAME_MS
                else:
                    self._arrived.clear()
                    await self._arrived.wait()
                    starved = True
                    continue
                if starved:
                    next_at, starved = max(next_at, loop.time()), False
                await self._process(frame)
                next_at += FRAME_MS / 1000 / self.server.speed
                await asyncio.sleep(max(0.0, next_at - loop.time()))
            if self.state == "closing":
                await self._close("close_requested")
        except asyncio.CancelledError:
            raise
        except ConnectionClosed:
            self.state = "closed"

    async def _close(self, reason: str) -> None:
        self.log.closed_reason = reason
        await self.send({"type": "session.closed", "event_id": _id("event_")})
        self.state = "closed"
        await self.ws.close()

    async def _process(self, frame: bytes) -> None:
        for ev in self.vad.feed(frame):
            if ev.kind == "speech_started":
                await self._phrase_started(ev.audio_ms, ev.detected_ms)
            elif self.inputs:   # the speaker stopped: the rest of the phrase's words have been heard
                item = self.inputs[-1]
                item.duration_ms = min(item.duration_ms, max(0.0, ev.audio_ms - self.vad.silence_duration_ms
                                                             - item.start_ms))
        self.timeline_ms += FRAME_MS
        await self._emit_due()

    async def _phrase_started(self, start_ms: float, detected_ms: float) -> None:
        n = self.phrases
        self.phrases += 1
        phrase = self.server.monologue.phrase(n)
        audio = self.session["audio"]
        if audio["input"].get("transcription"):
            self.inputs.append(_Output(n, start_ms, b"", _words(phrase.text, not self.said_input),
                                       "session.input_transcript.delta", float(phrase.duration_ms)))
            self.said_input = True
        lang = audio["output"]["language"]
        if lang is None:
            await self.error(TranslationError(
                "missing_output_language", "Speech arrived but no output language is set: send session.update with "
                "session.audio.output.language first.", "session.audio.output.language"))
            return
        clip = phrase.translations[lang]
        start = max(start_ms + self.server.lag_ms, detected_ms, self._last_output_end)
        self.outputs.append(_Output(n, start, clip.pcm, _words(clip.text, not self.said_output),
                                    "session.output_transcript.delta", clip.duration_ms))
        self._last_output_end = start + clip.duration_ms
        self.said_output = True

    async def _emit_due(self) -> None:
        now = self.timeline_ms
        for item in list(self.inputs):
            while item.sent_words < len(item.words) and item.word_due_ms(item.sent_words) <= now:
                await self._word(item)
            if item.done:
                self.inputs.remove(item)
        while self.outputs and self.outputs[0].start_ms <= now:
            out = self.outputs[0]
            # frames whose start time has come; the words they carry go first
            while out.sent_bytes < len(out.pcm):
                frame_start = out.start_ms + out.sent_bytes / bytes_per_ms()
                if frame_start > now:
                    break
                while out.sent_words < len(out.words) and out.word_due_ms(out.sent_words) <= frame_start + FRAME_MS:
                    await self._word(out)
                chunk = out.pcm[out.sent_bytes:out.sent_bytes + FRAME_BYTES]
                out.sent_bytes += len(chunk)
                await self.send({"type": "session.output_audio.delta", "event_id": _id("event_"),
                                 "delta": base64.b64encode(chunk).decode("ascii"), "elapsed_ms": self._elapsed(now),
                                 "format": "pcm16", "sample_rate": SAMPLE_RATE, "channels": 1})
            if out.sent_bytes >= len(out.pcm):
                while out.sent_words < len(out.words):
                    await self._word(out)
                self.outputs.pop(0)
            else:
                break

    async def _word(self, item: _Output) -> None:
        delta = item.words[item.sent_words]
        item.sent_words += 1
        await self.send({"type": item.word_kind, "event_id": _id("event_"), "delta": delta,
                         "elapsed_ms": self._elapsed(self.timeline_ms)})

    @staticmethod
    def _elapsed(ms: float) -> int:
        return int(ms // FRAME_MS * FRAME_MS)


class LocalTranslationServer(LocalWebSocketServer):
    """The translation stand-in: ``async with LocalTranslationServer() as server: server.websocket_base_url``.

    ``lag_ms``: how far (model time) the interpretation starts behind each phrase's onset; ``speed``:
    how many times real time the engine may consume audio; ``language``: the output language of a new
    session (``None``: the client must set one); ``vad``: the shared energy VAD's settings.
    """

    def __init__(self, fixture: "str | Monologue" = DEFAULT_FIXTURE, *, lag_ms: float = 1500.0, speed: float = 1.0,
                 language: str | None = None, host: str = "127.0.0.1", port: int = 0,
                 vad: dict | None = None, max_append_bytes: int = MAX_APPEND_BYTES, models: tuple[str, ...] = MODELS,
                 validate: bool = True, keep_events: bool = True):
        if speed <= 0:
            raise CourseError(f"speed must be positive (got {speed}); 1.0 is real time.")
        if lag_ms < 0:
            raise CourseError(f"lag_ms must be >= 0 (got {lag_ms}).")
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise CourseError("The local translation server listens on loopback only (127.0.0.1).")
        super().__init__(host, port)
        self.monologue = fixture if isinstance(fixture, Monologue) else load_monologue(fixture)
        if language is not None and language not in self.monologue.languages:
            raise CourseError(f"The fixture has {', '.join(self.monologue.languages)}, not {language!r}.")
        self.fixture = self.monologue.name
        self.lag_ms, self.speed, self.default_language = float(lag_ms), float(speed), language
        self.vad = {"threshold": 0.5, "prefix_padding_ms": 0, "silence_duration_ms": 600, **(vad or {})}
        self.max_append_bytes, self.models = max_append_bytes, models
        self.validate, self.keep_events = validate, keep_events
        self.server_checker, self.client_checker = _server_checker(), _client_checker()
        self.sessions: list[TranslationSession] = []

    @property
    def url(self) -> str:
        """The WebSocket URL of the translation endpoint (``ws://127.0.0.1:PORT/v1/realtime/translations``)."""
        return f"ws://{self.host}:{self.bound_port}{PATH}"

    @property
    def websocket_base_url(self) -> str:
        """What to pass as ``AsyncOpenAI(websocket_base_url=...)``: the SDK appends ``/realtime/translations``."""
        return f"ws://{self.host}:{self.bound_port}/v1"

    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path, _, query = request.path.partition("?")
        if path.rstrip("/") != PATH:
            return openai_http_error(HTTPStatus.NOT_FOUND, f"No translation endpoint at {path}; connect to {PATH}.", "not_found")
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or len(auth) <= len("Bearer "):
            return openai_http_error(HTTPStatus.UNAUTHORIZED, "Missing bearer authentication in the Authorization header.",
                               "invalid_api_key")
        model = (parse_qs(query).get("model") or [""])[0]
        if not model:
            return openai_http_error(HTTPStatus.BAD_REQUEST, "Missing required query parameter: 'model' "
                               "(e.g. ?model=gpt-realtime-translate).", "missing_required_parameter")
        if model not in self.models:
            return openai_http_error(HTTPStatus.BAD_REQUEST, f"'{model}' is not a translation model; translation sessions "
                               f"take {', '.join(self.models)}.", "invalid_model")
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        model = (parse_qs(ws.request.path.partition("?")[2]).get("model") or [MODELS[0]])[0]
        session = TranslationSession(self, ws, model)
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
        return f"LocalTranslationServer(fixture={self.fixture!r}, lag_ms={self.lag_ms:g}, speed={self.speed:g}, {where})"


def _announce(server: LocalTranslationServer) -> None:
    print(f"LocalTranslationServer ({server.fixture}, lag {server.lag_ms:g} ms) at {server.url}", flush=True)
    print(f"  AsyncOpenAI(websocket_base_url={server.websocket_base_url!r})", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local OpenAI Realtime translation server (fixture replay).")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--fixture", default=DEFAULT_FIXTURE)
    parser.add_argument("--lag-ms", type=float, default=1500.0)
    parser.add_argument("--speed", type=float, default=1.0, help="consume audio at up to this many times real time")
    args = parser.parse_args(argv)
    run_until_interrupted(LocalTranslationServer(args.fixture, lag_ms=args.lag_ms, speed=args.speed, host=args.host,
                                                 port=args.port, keep_events=False), _announce)


if __name__ == "__main__":
    main()

__all__ = ["LocalTranslationServer", "TranslationSession", "TranslationError", "PATH", "MODELS", "FRAME_MS"]

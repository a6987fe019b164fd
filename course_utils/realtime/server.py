"""A local Realtime-compatible WebSocket server: the GA protocol as a state machine, fixture replay.

It listens on 127.0.0.1 at the real endpoint's path and query (``/v1/realtime?model=...``) and wants
an ``Authorization: Bearer ...`` header (any value), so a client written for the real API - ours or
the official ``openai`` SDK's - works unchanged. What it *says* comes from a conversation fixture
(``data/fixtures/realtime/<name>``): each response replays the next assistant turn, whatever the
user said. *How* it says it follows the protocol:

* ``session.created`` on connect; ``session.update`` -> ``session.updated`` with the merged session;
* the input audio buffer (append / commit / clear) and server VAD on the audio actually appended
  (:class:`course_utils.voice.EnergyVAD`, honouring ``threshold``, ``prefix_padding_ms``,
  ``silence_duration_ms``, ``create_response``, ``interrupt_response``);
* conversation items (create / delete / retrieve / truncate) with their events;
* the full response event sequence, audio deltas paced at real time x ``speed``, transcript deltas,
  function calls, ``response.done`` with a ``usage`` block computed with the course's token rules;
* ``response.cancel`` and VAD interruption -> ``response.done`` with status ``cancelled``;
* what real servers send beyond the SDK types, so replay is the wire: the session object's ``object``,
  ``id`` and ``expires_at``; ``obfuscation`` padding on text deltas; ``rate_limits.updated`` after each
  ``response.created``; ``conversation.item.added`` and ``.done`` for user items as for assistant ones;
* it reads the socket while it streams and while it closes (``max_queue=None``: a microphone streaming
  at full speed never stops it from seeing the close frame), so both ends close promptly;
* bad input -> an ``error`` event (``invalid_request_error``, the offending ``event_id``); the
  connection stays open. (A bug of the server itself on some event -> an ``error`` of type
  ``server_error``; the session goes on.) The uncommitted input buffer is capped (``max_buffer_bytes``).

    async with LocalRealtimeServer(fixture="short_qa", speed=4) as server:
        print(server.url)        # ws://127.0.0.1:PORT/v1/realtime

From a shell:  ``python -m course_utils.realtime.server --port 8765 --fixture short_qa``

Not implemented (the real API has them): input transcription (a ``...transcription.failed`` event
says so), ``idle_timeout_ms``, MCP tools, images, WebRTC/SIP-only events.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import copy
import io
import itertools
import json
import math
import re
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response

from ..errors import AudioFormatError, CourseError
from ..standins.ws import BadFrame, LocalWebSocketServer, json_http_response, parse_json_frame, run_until_interrupted
from ..voice.audio import SAMPLE_RATE, alaw_decode, alaw_encode, b64encode_pcm, resample, ulaw_decode, ulaw_encode
from ..voice.events import EventError
from ..voice.vad import EnergyVAD
from .conversation import ConversationFixture, OutputSpec, load_conversation
from .schema import client_checker, client_event_types

DEFAULT_MODEL = "gpt-realtime-2.1"
MAX_APPEND_BYTES = 15 * 1024 * 1024          # the API's documented limit for one append
MAX_BUFFER_BYTES = 60 * SAMPLE_RATE * 2 * 5  # 5 minutes of PCM16: our cap on an uncommitted buffer
CACHE_MIN_TOKENS = 1024
DEFAULT_INSTRUCTIONS = "You are a helpful voice assistant. (Local server: replies are replayed from a fixture.)"
SEMANTIC_SILENCE_MS = {"low": 800, "medium": 500, "auto": 500, "high": 300}
#: Fields real servers send that the SDK types do not declare. The local server sends them too, so that
#: replay exercises them: the session object's ``object``/``id``/``expires_at`` and ``obfuscation``
#: padding on the text deltas (transcript, text, function arguments).
WIRE_EXTRAS = frozenset({"session.object", "session.id", "session.expires_at", "obfuscation"})
SESSION_SECONDS = 3600   # the stand-in's session lifetime, for ``expires_at``
#: ``rate_limits.updated`` (sent after each ``response.created``, as the real API does): made-up limits.
RATE_LIMITS = {"requests": 5000, "tokens": 400_000}
_PAD = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SERVER_VAD_DEFAULTS = {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 500,
                       "idle_timeout_ms": None, "create_response": True, "interrupt_response": True}


def text_tokens(text: str) -> int:
    """A stand-in for the tokenizer: about 4 characters per text token (English)."""
    return int(math.ceil(len(text) / 4)) if text else 0


def _audio_tokens(ms: float, role: str) -> int:
    from .. import costs

    return int(round(costs.realtime_audio_tokens(ms / 1000.0, role)))


def default_session(model: str) -> dict:
    """The session ``session.created`` reports (the SDK's ``RealtimeSessionCreateRequest`` fields)."""
    return {
        "type": "realtime", "model": model, "output_modalities": ["audio"], "instructions": DEFAULT_INSTRUCTIONS,
        "tools": [], "tool_choice": "auto", "max_output_tokens": "inf", "tracing": None, "truncation": "auto",
        "prompt": None, "include": None,
        "audio": {
            "input": {"format": {"type": "audio/pcm", "rate": SAMPLE_RATE}, "transcription": None,
                      "noise_reduction": None, "turn_detection": dict(SERVER_VAD_DEFAULTS)},
            "output": {"format": {"type": "audio/pcm", "rate": SAMPLE_RATE}, "voice": "marin", "speed": 1.0},
        },
    }


class ClientError(Exception):
    """A client event the server refuses: becomes an ``error`` event."""

    def __init__(self, code: str, message: str, param: str | None = None):
        super().__init__(message)
        self.code, self.message, self.param = code, message, param


#: Containers of the session whose ``null`` in an update means "leave as is" (not "remove").
_CONTAINERS = ("audio", "input", "output", "format")


def _merge(base: dict, update: dict) -> dict:
    """Deep-merge a session update: dicts merge, everything else (lists, None) replaces, except that a
    ``null`` container (audio, input, output, format) leaves the current one as it is."""
    out = dict(base)
    for key, value in update.items():
        if value is None and key in _CONTAINERS and isinstance(out.get(key), dict):
            continue
        if isinstance(value, dict) and isinstance(out.get(key), dict) and key not in ("turn_detection", "format"):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


#: The client-event checker (:mod:`course_utils.voice.events`); silent: the server answers instead.
_CLIENT_EVENTS = client_checker(report=None)


def check_client_event(event: Any) -> None:
    """Raise :class:`ClientError` (with the API's codes) when ``event`` is not a valid client event.

    The shared checker refuses wrong types and missing fields; an undeclared field is refused here
    because the real API refuses unknown parameters in client events (``unknown_parameter``)."""
    try:
        extras = _CLIENT_EVENTS.parse(event).extras
    except EventError as exc:
        if exc.kind == "not_an_object":
            raise ClientError("invalid_type", "Invalid type for event: expected a JSON object.", None) from None
        if exc.kind in ("missing_type", "missing"):
            where = exc.loc or "type"
            raise ClientError("missing_required_parameter", f"Missing required parameter: '{where}'.", where) from None
        if exc.kind == "unknown_type":
            supported = ", ".join(f"'{t}'" for t in client_event_types())
            raise ClientError("invalid_value", f"Invalid value: '{exc.event_type}'. Supported values are: {supported}.",
                              "type") from None
        raise ClientError("invalid_value", f"Invalid value for '{exc.loc}': {exc.detail}.", exc.loc) from None
    if extras:
        raise ClientError("unknown_parameter", f"Unknown parameter: '{extras[0]}'.", extras[0])


# -- per-connection state ----------------------------------------------------------------------------
@dataclass(eq=False)
class _Item:
    data: dict                 # the item as the protocol shows it (without audio)
    role: str = ""
    audio: bytes = b""         # PCM16 24 kHz of an audio item (user input or assistant output)
    version: int = 0           # bumps on truncate: what the prompt cache sees
    image_tokens: int | None = None  # counted once, on first use

    @property
    def id(self) -> str:
        return self.data["id"]

    def tokens(self) -> tuple[int, int, int]:
        """(text, audio, image) tokens this item adds to a prompt."""
        text, audio, image = 0, 0, 0
        d = self.data
        if d["type"] == "message":
            for part in d.get("content") or []:
                if part.get("type") in ("input_text", "output_text"):
                    text += text_tokens(part.get("text") or "")
            if self.audio:
                audio += _audio_tokens(len(self.audio) / (SAMPLE_RATE * 2 / 1000),
                                       "assistant" if self.role == "assistant" else "user")
            if self.image_tokens is None:
                self.image_tokens = sum(_image_tokens(part) for part in d.get("content") or []
                                        if part.get("type") == "input_image")
            image = self.image_tokens
        elif d["type"] == "function_call":
            text += text_tokens(d.get("name", "") + (d.get("arguments") or ""))
        elif d["type"] == "function_call_output":
            text += text_tokens(d.get("output") or "")
        return text, audio, image


def _image_tokens(part: dict) -> int:
    """Tokens of an ``input_image`` part by the course's tile rule (costs.openai_image_tokens).

    The image's size is read from its data URL; one that cannot be read counts as a low-detail image.
    """
    from .. import costs

    detail = "low" if part.get("detail") == "low" else "high"
    url = part.get("image_url") or ""
    try:
        from PIL import Image

        header, _, payload = url.partition(",")
        if not header.startswith("data:image/") or ";base64" not in header:
            raise ValueError("not a base64 data URL")
        with Image.open(io.BytesIO(base64.b64decode(payload, validate=True))) as img:
            width, height = img.size
    except Exception:
        return costs.openai_image_tokens(1, 1, "low")
    return costs.openai_image_tokens(width, height, detail)


@dataclass(eq=False)
class _Response:
    id: str
    turn_index: int
    data: dict
    conversation: bool                    # False for conversation="none"
    modalities: list
    max_output_tokens: Any
    context: list                         # [(signature, text, audio, image tokens)] the prompt it read
    task: asyncio.Task | None = None
    cancel_reason: str | None = None
    sleeping: bool = False
    output_items: list = field(default_factory=list)
    out_text_tokens: int = 0
    out_audio_ms: float = 0.0
    status: str = "in_progress"


class RealtimeSession:
    """One WebSocket connection's protocol state machine."""

    def __init__(self, server: "LocalRealtimeServer", ws: ServerConnection, model: str):
        self.server, self.ws, self.model = server, ws, model
        self.fixture: ConversationFixture = server.conversation
        self.ids = {k: itertools.count(1) for k in ("event", "item", "resp", "conv", "sess", "pad")}
        # the session object as the real server shows it: the SDK's request fields plus object/id/expires_at
        self.session = {"object": "realtime.session", "id": self._id("sess"),
                        "expires_at": int(time.time()) + SESSION_SECONDS, **default_session(model)}
        self.responses_started = 0
        self.conversation_id = self._id("conv")
        self.items: list[_Item] = []
        self.buffer = bytearray()      # uncommitted input audio (PCM16 24 kHz)
        self.buffer_start_ms = 0.0     # stream position of buffer[0]
        self.stream_ms = 0.0           # all audio appended this session
        self.vad: EnergyVAD | None = None
        self._vad_offset_ms = 0.0
        self.vad_item_id: str | None = None
        self.vad_start_ms = 0
        self.active: _Response | None = None
        self.turn_counter = 0
        self.audio_out_started = False
        self.previous_context: list = []
        self.send_lock = asyncio.Lock()
        self.emitted: list[dict] = server.emitted if server.keep_events else []
        self._configure_vad()

    # -- ids and sending -------------------------------------------------------------------------
    def _id(self, kind: str) -> str:
        return f"{kind}_{self.server.name_tag}{next(self.ids[kind]):04d}"

    def _obfuscation(self, delta: str) -> str:
        """Padding that evens out the size of text deltas (the real server's ``obfuscation`` field)."""
        n = next(self.ids["pad"])
        return "".join(_PAD[(n * 7 + i) % len(_PAD)] for i in range(16 - len(delta) % 16))

    async def emit(self, event: dict) -> None:
        text = json.dumps({"event_id": self._id("event"), **event})
        if self.server.keep_events:
            self.emitted.append(json.loads(text))  # exactly what went on the wire
        async with self.send_lock:
            await self.ws.send(text)

    async def error(self, code: str, message: str, param: str | None = None, client_event_id: str | None = None,
                    kind: str = "invalid_request_error") -> None:
        await self.emit({"type": "error", "error": {"type": kind, "code": code, "message": message,
                                                    "param": param, "event_id": client_event_id}})

    # -- main loop ---------------------------------------------------------------------------------
    async def run(self) -> None:
        await self.emit({"type": "session.created", "session": self.session})
        try:
            async for message in self.ws:
                await self.handle_message(message)
        except ConnectionClosed:
            pass
        finally:
            if self.active and self.active.task:
                self.active.cancel_reason = "client_cancelled"
                self.active.task.cancel()

    async def handle_message(self, message: str | bytes) -> None:
        try:
            event = parse_json_frame(message)
        except BadFrame as exc:
            await self.error("invalid_json", str(exc))
            return
        client_event_id = event.get("event_id") if isinstance(event, dict) and isinstance(event.get("event_id"), str) else None
        if self.server.keep_events:
            self.server.received.append(event)
        try:
            check_client_event(event)
            handler = getattr(self, "on_" + event["type"].replace(".", "_"))
            await handler(event)
        except ClientError as exc:
            await self.error(exc.code, exc.message, exc.param, client_event_id)
        except (ConnectionClosed, asyncio.CancelledError):
            raise
        except Exception as exc:  # a bug of ours must not end the learner's session: say so, keep serving
            await self.error("server_error", f"The local server failed on this event ({type(exc).__name__}: {exc}); "
                                             f"the session goes on. Please report it.", None, client_event_id,
                             kind="server_error")

    # -- session -------------------------------------------------------------------------------------
    def _configure_vad(self) -> None:
        self.vad = self._make_vad(self.session)
        if self.vad is None:
            return
        self._vad_offset_ms = self.stream_ms  # VAD positions restart here
        self.vad_item_id = None

    @staticmethod
    def _make_vad(session: dict) -> EnergyVAD | None:
        """The VAD a session asks for; a value the API would refuse (threshold outside 0..1, ...) is a ClientError."""
        td = session["audio"]["input"].get("turn_detection")
        if not td:
            return None
        silence = td.get("silence_duration_ms") if td["type"] == "server_vad" else SEMANTIC_SILENCE_MS[td.get("eagerness") or "auto"]
        try:
            return EnergyVAD(threshold=td.get("threshold") if td.get("threshold") is not None else 0.5,
                             prefix_padding_ms=td.get("prefix_padding_ms") if td.get("prefix_padding_ms") is not None
                             else 300, silence_duration_ms=silence or 500)
        except (AudioFormatError, ValueError, OverflowError) as exc:
            raise ClientError("invalid_value", f"Invalid turn_detection: {exc}", "session.audio.input.turn_detection") from None

    async def on_session_update(self, event: dict) -> None:
        update = event["session"]
        if update.get("type") != "realtime":
            raise ClientError("invalid_value", "This server serves realtime sessions only: session.type must be 'realtime'.",
                              "session.type")
        if update.get("model") not in (None, self.model):
            raise ClientError("invalid_value", f"Cannot change the session's model ({self.model}) after connecting; "
                                               f"reconnect with ?model=... instead.", "session.model")
        voice = ((update.get("audio") or {}).get("output") or {}).get("voice")
        if voice is not None and voice != self.session["audio"]["output"]["voice"] and self.audio_out_started:
            raise ClientError("cannot_update_voice", "Cannot update a conversation's voice if assistant audio is present.",
                              "session.audio.output.voice")
        for direction in ("input", "output"):
            fmt = ((update.get("audio") or {}).get(direction) or {}).get("format")
            if fmt and fmt.get("type") == "audio/pcm" and fmt.get("rate") not in (None, SAMPLE_RATE):
                raise ClientError("invalid_value", "audio/pcm must be 24000 Hz.", f"session.audio.{direction}.format.rate")
        new = _merge(self.session, update)
        td = ((update.get("audio") or {}).get("input") or {}).get("turn_detection", "unset")
        if td != "unset" and td is not None:
            if td["type"] == "server_vad":
                new["audio"]["input"]["turn_detection"] = {**SERVER_VAD_DEFAULTS, **{k: v for k, v in td.items() if v is not None}}
            else:
                new["audio"]["input"]["turn_detection"] = {"type": "semantic_vad", "eagerness": "auto",
                                                           "create_response": True, "interrupt_response": True,
                                                           **{k: v for k, v in td.items() if v is not None}}
        for direction in ("input", "output"):
            fmt = new["audio"][direction].get("format") or {}
            if fmt.get("type") in (None, "audio/pcm"):
                new["audio"][direction]["format"] = {"type": "audio/pcm", "rate": SAMPLE_RATE}
        if td != "unset":
            self._make_vad(new)  # refuse a bad VAD setting before the session changes
        self.session = new
        if td != "unset":
            self._configure_vad()
        await self.emit({"type": "session.updated", "session": self.session})

    # -- input audio buffer --------------------------------------------------------------------------
    def _decode_input(self, audio_b64: str) -> bytes:
        import base64
        import binascii

        try:
            raw = base64.b64decode(audio_b64, validate=True)
        except (binascii.Error, ValueError):
            raise ClientError("invalid_value", "Invalid 'audio'. Expected base64-encoded audio bytes (mono PCM16 at 24kHz) "
                                               "but got an invalid value.", "audio") from None
        if len(raw) > self.server.max_append_bytes:
            raise ClientError("input_audio_buffer_append_too_large",
                              f"One append carried {len(raw):,} bytes; the limit is {self.server.max_append_bytes:,}. "
                              f"Send the audio in smaller chunks.", "audio")
        fmt = self.session["audio"]["input"]["format"]["type"]
        if fmt == "audio/pcmu":
            return resample(np.frombuffer(ulaw_decode(raw), "<i2").astype(np.int16), 8000, SAMPLE_RATE).astype("<i2").tobytes()
        if fmt == "audio/pcma":
            return resample(np.frombuffer(alaw_decode(raw), "<i2").astype(np.int16), 8000, SAMPLE_RATE).astype("<i2").tobytes()
        if len(raw) % 2:
            raise ClientError("invalid_value", "Invalid 'audio'. PCM16 has 2 bytes per sample but got an odd number of bytes.", "audio")
        return raw

    async def on_input_audio_buffer_append(self, event: dict) -> None:
        pcm = self._decode_input(event["audio"])
        if len(self.buffer) + len(pcm) > self.server.max_buffer_bytes:
            raise ClientError("input_audio_buffer_full",
                              f"The input audio buffer would exceed {self.server.max_buffer_bytes:,} bytes "
                              f"({self.server.max_buffer_bytes / (SAMPLE_RATE * 2):.0f} s); commit or clear it first.", "audio")
        self.buffer.extend(pcm)
        self.stream_ms += len(pcm) / (SAMPLE_RATE * 2 / 1000)
        if self.vad is None:
            return
        for vad_event in self.vad.feed(pcm):
            td = self.session["audio"]["input"]["turn_detection"] or {}
            position = vad_event.audio_ms + self._vad_offset_ms
            if vad_event.kind == "speech_started":
                self.vad_item_id = self._id("item")
                self.vad_start_ms = position
                await self.emit({"type": "input_audio_buffer.speech_started", "audio_start_ms": int(position),
                                 "item_id": self.vad_item_id})
                if self.active and td.get("interrupt_response", True) and self.active.conversation:
                    await self._cancel(self.active, "turn_detected")
            elif self.vad_item_id:
                item_id = self.vad_item_id
                self.vad_item_id = None
                await self.emit({"type": "input_audio_buffer.speech_stopped", "audio_end_ms": int(position),
                                 "item_id": item_id})
                start = max(0.0, self.vad_start_ms - self.buffer_start_ms)
                end = max(start, position - self.buffer_start_ms)
                b0, b1 = int(start * 48) // 2 * 2, int(end * 48) // 2 * 2
                speech = bytes(self.buffer[b0:b1])
                self.buffer = self.buffer[b1:]
                self.buffer_start_ms += b1 / 48
                await self._commit(speech, item_id)
                if td.get("create_response", True) and self.active is None:
                    await self._start_response({})

    async def _commit(self, pcm: bytes, item_id: str) -> None:
        previous = self.items[-1].id if self.items else None
        await self.emit({"type": "input_audio_buffer.committed", "previous_item_id": previous, "item_id": item_id})
        item = _Item({"id": item_id, "type": "message", "object": "realtime.item", "status": "completed", "role": "user",
                      "content": [{"type": "input_audio", "transcript": None}]}, role="user", audio=pcm)
        self.items.append(item)
        await self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": item.data})
        await self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": item.data})
        if self.session["audio"]["input"].get("transcription"):
            await self.emit({"type": "conversation.item.input_audio_transcription.failed", "item_id": item_id,
                             "content_index": 0,
                             "error": {"type": "server_error", "code": "not_supported",
                                       "message": "The local server does not transcribe input audio.", "param": None}})

    async def on_input_audio_buffer_commit(self, event: dict) -> None:
        ms = len(self.buffer) / (SAMPLE_RATE * 2 / 1000)
        if ms < 100:
            raise ClientError("input_audio_buffer_commit_empty",
                              f"Error committing input audio buffer: buffer too small. Expected at least 100ms of audio, "
                              f"but buffer only has {ms:.2f}ms of audio.")
        item_id = self.vad_item_id or self._id("item")
        self.vad_item_id = None
        pcm = bytes(self.buffer)
        self.buffer = bytearray()
        self.buffer_start_ms = self.stream_ms
        if self.vad:
            self.vad.reset()
            self._vad_offset_ms = self.stream_ms
        await self._commit(pcm, item_id)

    async def on_input_audio_buffer_clear(self, event: dict) -> None:
        self.buffer = bytearray()
        self.buffer_start_ms = self.stream_ms
        self.vad_item_id = None
        if self.vad:
            self.vad.reset()
            self._vad_offset_ms = self.stream_ms
        await self.emit({"type": "input_audio_buffer.cleared"})

    async def on_output_audio_buffer_clear(self, event: dict) -> None:
        raise ClientError("invalid_value", "output_audio_buffer.clear is for WebRTC/SIP connections; over WebSocket "
                                           "use response.cancel and conversation.item.truncate.", "type")

    # -- conversation items ---------------------------------------------------------------------------
    def _find(self, item_id: str, param: str = "item_id") -> int:
        for i, item in enumerate(self.items):
            if item.id == item_id:
                return i
        raise ClientError("item_not_found", f"Item with id '{item_id}' not found.", param)

    async def on_conversation_item_create(self, event: dict) -> None:
        data = copy.deepcopy(event["item"])
        if data.get("id") and any(i.id == data["id"] for i in self.items):
            raise ClientError("item_already_exists", f"Item with id '{data['id']}' already exists.", "item.id")
        data.setdefault("id", self._id("item"))
        if data["type"] in ("message", "function_call", "function_call_output"):  # MCP items declare neither
            data.setdefault("object", "realtime.item")
            data["status"] = "completed"
        audio = b""
        for part in data.get("content") or []:
            if part.get("type") == "input_audio" and part.get("audio"):
                audio += self._decode_input(part.pop("audio"))
        if data["type"] == "message" and data.get("role") == "assistant" and any(p.get("type") == "output_audio" for p in data.get("content") or []):
            raise ClientError("invalid_value", "Assistant audio items cannot be created by the client; use output_text.", "item.content")
        after = event.get("previous_item_id")
        position = len(self.items) if after in (None, "root") else self._find(after, "previous_item_id") + 1
        if after == "root":
            position = 0
        previous = self.items[position - 1].id if position > 0 else None
        item = _Item(data, role=data.get("role", ""), audio=audio)
        self.items.insert(position, item)
        await self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": data})
        await self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": data})

    async def on_conversation_item_delete(self, event: dict) -> None:
        index = self._find(event["item_id"])
        del self.items[index]
        await self.emit({"type": "conversation.item.deleted", "item_id": event["item_id"]})

    async def on_conversation_item_retrieve(self, event: dict) -> None:
        item = self.items[self._find(event["item_id"])]
        await self.emit({"type": "conversation.item.retrieved", "item": item.data})

    async def on_conversation_item_truncate(self, event: dict) -> None:
        item = self.items[self._find(event["item_id"])]
        if item.data.get("type") != "message" or item.role != "assistant":
            raise ClientError("invalid_value", "Only assistant message items can be truncated.", "item_id")
        content = item.data.get("content") or []
        index = event["content_index"]
        if not 0 <= index < max(1, len(content)) or (content and content[index].get("type") != "output_audio"):
            raise ClientError("invalid_value", f"Content index {index} of item '{item.id}' is not an audio part.", "content_index")
        if self.active and item in self.active.output_items:
            raise ClientError("invalid_value", "Cannot truncate an item while its response is still in progress; "
                                               "send response.cancel first.", "item_id")
        have_ms = len(item.audio) / (SAMPLE_RATE * 2 / 1000)
        end_ms = event["audio_end_ms"]
        if end_ms < 0 or end_ms > have_ms + 1e-6:
            raise ClientError("invalid_value", f"Audio content of {have_ms:.0f}ms is already shorter than {end_ms}ms.",
                              "audio_end_ms")
        item.audio = item.audio[: int(end_ms * 48) // 2 * 2]
        item.version += 1
        if content:
            content[index]["transcript"] = None  # the server drops text the user never heard
        await self.emit({"type": "conversation.item.truncated", "item_id": item.id, "content_index": index,
                         "audio_end_ms": int(end_ms)})

    # -- responses ------------------------------------------------------------------------------------
    async def on_response_create(self, event: dict) -> None:
        if self.active is not None:
            raise ClientError("conversation_already_has_active_response",
                              f"Conversation already has an active response in progress: {self.active.id}. "
                              f"Wait until the response is finished before creating a new one.")
        await self._start_response(event.get("response") or {})

    async def on_response_cancel(self, event: dict) -> None:
        wanted = event.get("response_id")
        if self.active is None or (wanted and wanted != self.active.id):
            raise ClientError("response_cancel_not_active", "Cancellation failed: no active response found.")
        await self._cancel(self.active, "client_cancelled")

    def _prompt(self, params: dict, conversation: bool) -> list:
        instructions = params.get("instructions", self.session.get("instructions") or "")
        tools = params.get("tools", self.session.get("tools") or [])
        context = [(("instructions", instructions, json.dumps(tools, sort_keys=True)),
                    text_tokens(instructions) + text_tokens(json.dumps(tools)), 0, 0)]
        items = list(self.items) if conversation else []
        extra = [_Item(dict(it), role=it.get("role", "")) for it in params.get("input") or []]
        for item in items + extra:
            t, a, i = item.tokens()
            context.append(((item.id if "id" in item.data else id(item), item.version), t, a, i))
        return context

    async def _start_response(self, params: dict) -> None:
        conversation = params.get("conversation", "auto") != "none"
        modalities = params.get("output_modalities") or self.session.get("output_modalities") or ["audio"]
        rid = self._id("resp")
        audio_out = {"format": self.session["audio"]["output"]["format"],
                     "voice": self.session["audio"]["output"]["voice"]}
        data = {"object": "realtime.response", "id": rid, "status": "in_progress", "status_details": None,
                "output": [], "conversation_id": self.conversation_id if conversation else None,
                "output_modalities": modalities,
                "max_output_tokens": params.get("max_output_tokens", self.session.get("max_output_tokens", "inf")),
                "audio": {"output": audio_out}, "usage": None, "metadata": params.get("metadata")}
        resp = _Response(rid, self.turn_counter, data, conversation, modalities, data["max_output_tokens"],
                         self._prompt(params, conversation))
        self.turn_counter += 1
        self.active = resp
        await self.emit({"type": "response.created", "response": data})
        await self._rate_limits(resp)
        resp.task = asyncio.create_task(self._stream(resp))

    async def _rate_limits(self, resp: _Response) -> None:
        """``rate_limits.updated`` at the start of a response: output tokens reserved (made-up limits)."""
        self.responses_started += 1
        reserve = resp.max_output_tokens if isinstance(resp.max_output_tokens, int) else 4096
        prompt = sum(c[1] + c[2] + c[3] for c in resp.context)
        await self.emit({"type": "rate_limits.updated", "rate_limits": [
            {"name": "requests", "limit": RATE_LIMITS["requests"],
             "remaining": max(0, RATE_LIMITS["requests"] - self.responses_started), "reset_seconds": 0.012},
            {"name": "tokens", "limit": RATE_LIMITS["tokens"],
             "remaining": max(0, RATE_LIMITS["tokens"] - prompt - reserve), "reset_seconds": 0.9}]})

    async def _cancel(self, resp: _Response, reason: str) -> None:
        if resp.cancel_reason is None:
            resp.cancel_reason = reason
        if resp.task and resp.sleeping:
            resp.task.cancel()
        if resp.task:
            try:
                await asyncio.wait_for(asyncio.shield(resp.task), timeout=10)
            except asyncio.TimeoutError:
                raise CourseError(f"Response {resp.id} did not stop within 10 s of a cancel.") from None

    async def _sleep_until(self, resp: _Response, when: float) -> None:
        delay = when - asyncio.get_running_loop().time()
        if resp.cancel_reason:
            raise asyncio.CancelledError
        if delay > 0:
            resp.sleeping = True
            try:
                await asyncio.sleep(delay)
            finally:
                resp.sleeping = False
        if resp.cancel_reason:
            raise asyncio.CancelledError

    def _over_budget(self, resp: _Response) -> bool:
        limit = resp.max_output_tokens
        return isinstance(limit, int) and resp.out_text_tokens + _audio_tokens(resp.out_audio_ms, "assistant") >= limit

    async def _stream(self, resp: _Response) -> None:
        """Send the fixture turn's outputs, paced; finish as completed, cancelled or incomplete."""
        loop = asyncio.get_running_loop()
        speed = self.server.speed
        turn = self.fixture.turn(resp.turn_index)
        t = loop.time() + self.fixture.first_delta_ms / 1000.0 / speed
        current: dict | None = None
        status, reason = "completed", None
        try:
            for out_index, spec in enumerate(turn.outputs):
                current = {"spec": spec, "index": out_index, "sent_text": "", "sent_audio": bytearray(), "item": None}
                await self._sleep_until(resp, t)
                if spec.type == "function_call":
                    t = await self._stream_call(resp, spec, out_index, t, current)
                else:
                    t = await self._stream_message(resp, spec, out_index, t, current)
                await self._finish_output(resp, current, "completed")
                current = None
        except asyncio.CancelledError:
            status = "cancelled"
            reason = resp.cancel_reason or "client_cancelled"
        except _BudgetReached:
            status, reason = "incomplete", "max_output_tokens"
        except ConnectionClosed:
            return
        try:
            if current is not None and current["item"] is not None:
                await self._finish_output(resp, current, "incomplete")
            await self._finish_response(resp, status, reason)
        except ConnectionClosed:
            return

    async def _add_output(self, resp: _Response, item_data: dict, out_index: int, role: str, current: dict) -> _Item:
        item = _Item(item_data, role=role)
        current["item"] = item
        resp.output_items.append(item)
        await self.emit({"type": "response.output_item.added", "response_id": resp.id, "output_index": out_index,
                         "item": item_data})
        if resp.conversation:
            previous = self.items[-1].id if self.items else None
            self.items.append(item)
            await self.emit({"type": "conversation.item.added", "previous_item_id": previous, "item": item_data})
        return item

    async def _stream_call(self, resp, spec: OutputSpec, out_index: int, t: float, current: dict) -> float:
        item_id = self._id("item")
        await self._add_output(resp, {"id": item_id, "object": "realtime.item", "type": "function_call",
                                      "status": "in_progress", "name": spec.name, "call_id": spec.call_id,
                                      "arguments": ""}, out_index, "assistant", current)
        args = spec.arguments
        pieces = [args[i:i + 12] for i in range(0, len(args), 12)] or [""]
        for piece in pieces:
            await self._sleep_until(resp, t)
            current["sent_text"] += piece
            await self.emit({"type": "response.function_call_arguments.delta", "response_id": resp.id,
                             "item_id": item_id, "output_index": out_index, "call_id": spec.call_id, "delta": piece,
                             "obfuscation": self._obfuscation(piece)})
            t += 0.02 / self.server.speed
        return t

    async def _stream_message(self, resp, spec: OutputSpec, out_index: int, t: float, current: dict) -> float:
        item_id = self._id("item")
        audio_mode = "audio" in resp.modalities
        await self._add_output(resp, {"id": item_id, "object": "realtime.item", "type": "message",
                                      "status": "in_progress", "role": "assistant", "content": []},
                               out_index, "assistant", current)
        part = {"type": "audio", "transcript": ""} if audio_mode else {"type": "text", "text": ""}
        await self.emit({"type": "response.content_part.added", "response_id": resp.id, "item_id": item_id,
                         "output_index": out_index, "content_index": 0, "part": part})
        words = re.findall(r"\S+\s*", spec.transcript)
        speed = self.server.speed
        ids = {"response_id": resp.id, "item_id": item_id, "output_index": out_index, "content_index": 0}
        if not audio_mode:
            for word in words:
                await self._sleep_until(resp, t)
                current["sent_text"] += word
                resp.out_text_tokens = text_tokens(current["sent_text"])
                await self.emit({"type": "response.output_text.delta", **ids, "delta": word,
                                 "obfuscation": self._obfuscation(word)})
                if self._over_budget(resp):
                    raise _BudgetReached
                t += 0.03 / speed
            return t
        self.audio_out_started = True
        chunk = int(SAMPLE_RATE * self.server.chunk_ms / 1000) * 2
        pcm = spec.audio
        total_ms = spec.audio_ms or 1.0
        # each word's transcript goes out when the audio reaches its share of the text (by characters)
        starts, pos = [], 0
        for word in words:
            starts.append(pos / max(1, len(spec.transcript)) * total_ms)
            pos += len(word)
        schedule = [(s, 0, w) for s, w in zip(starts, words)]
        schedule += [(k / 48, 1, pcm[k: k + chunk]) for k in range(0, len(pcm), chunk)]
        schedule.sort(key=lambda e: (e[0], e[1]))
        fmt = self.session["audio"]["output"]["format"]["type"]
        for at_ms, kind, payload in schedule:
            await self._sleep_until(resp, t + max(0.0, at_ms - self.server.lead_ms) / 1000.0 / speed)
            if kind == 0:
                current["sent_text"] += payload
                resp.out_text_tokens = text_tokens(current["sent_text"])
                await self.emit({"type": "response.output_audio_transcript.delta", **ids, "delta": payload,
                                 "obfuscation": self._obfuscation(payload)})
            else:
                current["sent_audio"].extend(payload)
                resp.out_audio_ms += len(payload) / 48
                await self.emit({"type": "response.output_audio.delta", **ids, "delta": self._encode_out(payload, fmt)})
                if self._over_budget(resp):
                    raise _BudgetReached
        return t + max(0.0, total_ms - self.server.lead_ms) / 1000.0 / speed

    @staticmethod
    def _encode_out(pcm: bytes, fmt: str) -> str:
        if fmt == "audio/pcm":
            return b64encode_pcm(pcm)
        low = resample(np.frombuffer(pcm, "<i2").astype(np.int16), SAMPLE_RATE, 8000)
        return b64encode_pcm(ulaw_encode(low) if fmt == "audio/pcmu" else alaw_encode(low))

    async def _finish_output(self, resp: _Response, current: dict, status: str) -> None:
        item: _Item = current["item"]
        spec: OutputSpec = current["spec"]
        index = current["index"]
        data = item.data
        if spec.type == "function_call":
            args = current["sent_text"]
            if status == "completed":
                await self.emit({"type": "response.function_call_arguments.done", "response_id": resp.id,
                                 "item_id": item.id, "output_index": index, "call_id": spec.call_id,
                                 "name": spec.name, "arguments": args})
            data.update(status=status, arguments=args)
            resp.out_text_tokens += text_tokens(spec.name + args)
        else:
            ids = {"response_id": resp.id, "item_id": item.id, "output_index": index, "content_index": 0}
            text = current["sent_text"].strip()
            if "audio" in resp.modalities:
                await self.emit({"type": "response.output_audio.done", **ids})
                await self.emit({"type": "response.output_audio_transcript.done", **ids, "transcript": text})
                await self.emit({"type": "response.content_part.done", **ids, "part": {"type": "audio", "transcript": text}})
                data.update(status=status, content=[{"type": "output_audio", "transcript": text}])
                item.audio = bytes(current["sent_audio"])
            else:
                await self.emit({"type": "response.output_text.done", **ids, "text": text})
                await self.emit({"type": "response.content_part.done", **ids, "part": {"type": "text", "text": text}})
                data.update(status=status, content=[{"type": "output_text", "text": text}])
        await self.emit({"type": "response.output_item.done", "response_id": resp.id, "output_index": index, "item": data})
        if resp.conversation:
            pos = self.items.index(item) if item in self.items else len(self.items)
            previous = self.items[pos - 1].id if pos > 0 else None
            await self.emit({"type": "conversation.item.done", "previous_item_id": previous, "item": data})

    def _usage(self, resp: _Response) -> dict:
        context = resp.context
        in_text = sum(c[1] for c in context)
        in_audio = sum(c[2] for c in context)
        in_image = sum(c[3] for c in context)
        # prompt caching: the prefix identical to the previous prompt, once it reaches 1,024 tokens
        cached_text = cached_audio = cached_image = 0
        prev = self.previous_context
        if sum(c[1] + c[2] + c[3] for c in prev) >= CACHE_MIN_TOKENS:
            for mine, theirs in zip(context, prev):
                if mine[0] != theirs[0]:
                    break
                cached_text += mine[1]
                cached_audio += mine[2]
                cached_image += mine[3]
            if cached_text + cached_audio + cached_image < CACHE_MIN_TOKENS:
                cached_text = cached_audio = cached_image = 0
        if resp.conversation:
            self.previous_context = context
        out_audio = _audio_tokens(resp.out_audio_ms, "assistant")
        out_text = resp.out_text_tokens
        cached = cached_text + cached_audio + cached_image
        return {"total_tokens": in_text + in_audio + in_image + out_text + out_audio,
                "input_tokens": in_text + in_audio + in_image, "output_tokens": out_text + out_audio,
                "input_token_details": {"text_tokens": in_text, "audio_tokens": in_audio, "image_tokens": in_image,
                                        "cached_tokens": cached,
                                        "cached_tokens_details": {"text_tokens": cached_text, "audio_tokens": cached_audio,
                                                                  "image_tokens": cached_image}},
                "output_token_details": {"text_tokens": out_text, "audio_tokens": out_audio}}

    async def _finish_response(self, resp: _Response, status: str, reason: str | None) -> None:
        data = resp.data
        data["status"] = status
        data["status_details"] = None if status == "completed" else {"type": status, "reason": reason}
        data["output"] = [item.data for item in resp.output_items]
        data["usage"] = self._usage(resp)
        resp.status = status
        if self.active is resp:
            self.active = None
        await self.emit({"type": "response.done", "response": data})


class _BudgetReached(Exception):
    pass


# -- the server ------------------------------------------------------------------------------------------
class LocalRealtimeServer(LocalWebSocketServer):
    """A Realtime-compatible WebSocket server on 127.0.0.1 replaying a conversation fixture.

    ``speed`` paces audio at ``speed`` x real time (and shortens the fixture's latency likewise).
    ``lead_ms`` lets the audio run up to that much ahead of real time (default 0: strictly paced); real
    servers generate faster than real time, so their audio arrives ahead of playback.
    ``keep_events=True`` keeps every emitted event in ``.emitted`` and every parsed client event in
    ``.received`` (tests validate them).
    """

    def __init__(self, fixture: str | ConversationFixture = "short_qa", speed: float = 1.0, host: str = "127.0.0.1",
                 port: int = 0, chunk_ms: int = 100, max_append_bytes: int = MAX_APPEND_BYTES,
                 max_buffer_bytes: int = MAX_BUFFER_BYTES, keep_events: bool = False, require_auth: bool = True,
                 lead_ms: float = 0.0):
        if speed <= 0:
            raise CourseError(f"speed must be positive (got {speed}).")
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise CourseError("The local Realtime server listens on loopback only (127.0.0.1).")
        self.conversation = fixture if isinstance(fixture, ConversationFixture) else load_conversation(fixture)
        super().__init__(host, port)
        self.speed, self.chunk_ms = float(speed), chunk_ms
        self.max_append_bytes, self.max_buffer_bytes = max_append_bytes, max_buffer_bytes
        self.keep_events, self.require_auth = keep_events, require_auth
        self.lead_ms = max(0.0, float(lead_ms))
        self.emitted: list[dict] = []
        self.received: list = []
        self.sessions: list[RealtimeSession] = []
        self.connections = 0
        self.name_tag = ""

    @property
    def url(self) -> str:
        """The endpoint, as the real one: ``ws://127.0.0.1:PORT/v1/realtime`` (add ``?model=...``)."""
        return f"ws://{self.host}:{self.port}/v1/realtime"

    @property
    def websocket_base_url(self) -> str:
        """For the official SDK: ``AsyncOpenAI(websocket_base_url=server.websocket_base_url, ...)``."""
        return f"ws://{self.host}:{self.port}/v1"

    def _reject(self, status: HTTPStatus, code: str, message: str) -> Response:
        return json_http_response(status, {"error": {"type": "invalid_request_error", "code": code,
                                                     "message": message, "param": None}})

    def _check_request(self, connection: ServerConnection, request):
        parts = urlsplit(request.path)
        if parts.path.rstrip("/") != "/v1/realtime":
            return self._reject(HTTPStatus.NOT_FOUND, "not_found", f"No endpoint at {parts.path}; use /v1/realtime?model=...")
        auth = request.headers.get("Authorization", "")
        if self.require_auth and not (auth.lower().startswith("bearer ") and auth[7:].strip()):
            return self._reject(HTTPStatus.UNAUTHORIZED, "invalid_api_key",
                                "Missing bearer authentication in header: send Authorization: Bearer <key>.")
        if request.headers.get("OpenAI-Beta", "").lower().startswith("realtime=v1"):
            return self._reject(HTTPStatus.BAD_REQUEST, "beta_protocol_not_supported",
                                "The beta Realtime protocol (OpenAI-Beta: realtime=v1) is no longer served; drop the "
                                "header and use the GA events (local server's wording).")
        model = (parse_qs(parts.query).get("model") or [DEFAULT_MODEL])[0]
        problem = model_problem(model)
        if problem:
            return self._reject(HTTPStatus.BAD_REQUEST, problem[0], problem[1])
        connection.model = model  # type: ignore[attr-defined]
        return None

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        session = RealtimeSession(self, ws, getattr(ws, "model", DEFAULT_MODEL))
        self.sessions.append(session)
        await session.run()

    def _serve_options(self) -> dict:
        # a frame may carry the largest append we accept (base64) plus the event around it
        # max_queue=None: the server never stops reading the socket, so a close frame behind a stream of
        # microphone chunks is seen at once and both ends close promptly (not after close_timeout)
        return {"max_size": int(self.max_append_bytes * 4 / 3) + 1024 * 1024, "compression": None, "max_queue": None}

    async def start(self) -> "LocalRealtimeServer":
        await super().start()
        self.port = self.bound_port  # url stays printable after stop()
        return self

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"LocalRealtimeServer(fixture={self.conversation.name!r}, speed={self.speed:g}, {state})"


def model_problem(model: str) -> tuple[str, str] | None:
    """Why the Realtime route would refuse ``model`` (Live models, shut-down models), or None."""
    if model.startswith("gpt-live") and model != "gpt-live-transcribe":
        return ("invalid_model", f"{model} is a Live API model: connect to /v1/live/sessions instead of /v1/realtime.")
    from .. import costs

    rows = [r for r in costs.price_table() if r.model == model]
    if rows and all(r.status == "shut down" for r in rows):
        return ("model_not_found", f"The model {model} has been shut down; use gpt-realtime-2.1 or gpt-realtime-2.1-mini.")
    return None


# -- command line ------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m course_utils.realtime.server",
                                     description="A local Realtime-compatible WebSocket server replaying a fixture.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--fixture", default="short_qa")
    parser.add_argument("--speed", type=float, default=1.0, help="pace audio at this many times real time")
    parser.add_argument("--chunk-ms", type=int, default=100, help="milliseconds of audio per output delta")
    args = parser.parse_args(argv)
    server = LocalRealtimeServer(fixture=args.fixture, speed=args.speed, port=args.port, chunk_ms=args.chunk_ms)
    run_until_interrupted(server, lambda s: print(
        f"Local Realtime server: {s.url}?model={DEFAULT_MODEL} (fixture {args.fixture}, "
        f"speed {args.speed:g}x); Ctrl+C to stop", flush=True))


if __name__ == "__main__":
    main()

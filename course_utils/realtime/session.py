"""One connection's protocol state machine for the Realtime stand-in: ids and sending, the main
loop, ``session.update``, the input audio buffer with server VAD, and conversation items. Responses
are in :mod:`.responses`, usage accounting in :mod:`.usage`.

Part of the local Realtime server (:mod:`course_utils.realtime.server`), split along its seams.
"""
from __future__ import annotations

import asyncio
import base64
import copy
import itertools
import json
import time
from typing import TYPE_CHECKING

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ..errors import AudioFormatError
from ..standins.ws import BadFrame, parse_json_frame
from ..voice.conversation import TurnScript
from ..voice.formats import SAMPLE_RATE, AudioFormat, bytes_per_ms, duration_ms, ms_to_bytes
from ..voice.vad import EnergyVAD
from .protocol import (
    _PAD,
    SEMANTIC_SILENCE_MS,
    SERVER_VAD_DEFAULTS,
    SESSION_SECONDS,
    ClientError,
    _merge,
    check_client_event,
    default_session,
)
from .responses import ResponsesMixin
from .usage import _Item, _Response

if TYPE_CHECKING:
    from .server import LocalRealtimeServer


class RealtimeSession(ResponsesMixin):
    """One WebSocket connection's protocol state machine."""

    def __init__(self, server: "LocalRealtimeServer", ws: ServerConnection, model: str):
        self.server, self.ws, self.model = server, ws, model
        self.fixture: TurnScript = server.script
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
        fmt = AudioFormat.from_config(self.session["audio"]["input"]["format"])
        if fmt.type != "audio/pcm":
            return fmt.decode(raw)
        if len(raw) % 2:
            raise ClientError("invalid_value", "Invalid 'audio'. PCM16 has 2 bytes per sample but got an odd number of bytes.", "audio")
        return raw

    async def on_input_audio_buffer_append(self, event: dict) -> None:
        pcm = self._decode_input(event["audio"])
        if len(self.buffer) + len(pcm) > self.server.max_buffer_bytes:
            raise ClientError("input_audio_buffer_full",
                              f"The input audio buffer would exceed {self.server.max_buffer_bytes:,} bytes "
                              f"({self.server.max_buffer_bytes / bytes_per_ms() / 1000:.0f} s); commit or clear it first.", "audio")
        self.buffer.extend(pcm)
        self.stream_ms += duration_ms(pcm)
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
                b0, b1 = ms_to_bytes(start), ms_to_bytes(end)
                speech = bytes(self.buffer[b0:b1])
                self.buffer = self.buffer[b1:]
                self.buffer_start_ms += b1 / bytes_per_ms()
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
        ms = duration_ms(self.buffer)
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
        have_ms = duration_ms(item.audio)
        end_ms = event["audio_end_ms"]
        if end_ms < 0 or end_ms > have_ms + 1e-6:
            raise ClientError("invalid_value", f"Audio content of {have_ms:.0f}ms is already shorter than {end_ms}ms.",
                              "audio_end_ms")
        item.audio = item.audio[: ms_to_bytes(end_ms)]
        item.version += 1
        if content:
            content[index]["transcript"] = None  # the server drops text the user never heard
        await self.emit({"type": "conversation.item.truncated", "item_id": item.id, "content_index": index,
                         "audio_end_ms": int(end_ms)})

"""One connection of the translation stand-in: the interpreter protocol around the frame-paced engine.

``session.created`` first; ``session.update`` (output language, input transcription, noise reduction)
-> ``session.updated``; ``session.input_audio_buffer.append`` feeds the engine's buffer;
``session.close`` -> the engine finishes its output, then ``session.closed``. The receive loop, the
client-event check and the ``error`` events are the shared shell's
(:class:`course_utils.standins.openai_ws.OpenAISession`); the timing is :mod:`.interpreter`'s.

Part of the local translation server (:mod:`course_utils.translation.server`), split along its seams.
"""
from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection

from ..standins.openai_ws import ClientError, OpenAISession, decode_audio_append
from ..standins.ws import random_id
from ..voice.formats import AudioFormat
from .interpreter import InterpreterMixin

if TYPE_CHECKING:
    from .server import LocalTranslationServer

SESSION_SECONDS = 3600   # the stand-in's session lifetime, for ``expires_at``
CLIENT_EVENTS = ("session.update", "session.input_audio_buffer.append", "session.close")
AUDIO = AudioFormat()   # what a translation session takes: PCM16 mono at 24 kHz


class TranslationSession(InterpreterMixin, OpenAISession):
    """One translation WebSocket connection: the protocol around a frame-paced interpreter."""

    CLIENT_EVENTS = CLIENT_EVENTS

    def __init__(self, server: "LocalTranslationServer", ws: ServerConnection, model: str):
        super().__init__(server, ws)
        self.model = model
        self.session: dict[str, Any] = {
            "id": random_id("sess_"), "type": "translation", "model": model,
            "expires_at": int(time.time()) + SESSION_SECONDS,
            "audio": {"input": {"transcription": None, "noise_reduction": None},
                      "output": {"language": server.default_language}},
        }
        self.log.id = self.session["id"]
        self.state = "active"               # active -> closing -> closed
        self._init_interpreter(server.vad)

    # -- the protocol shell's hooks -----------------------------------------------------------------
    def _record(self, event: dict, raw: str) -> None:
        if self.server.keep_events:   # output audio summarised
            self.log.sent.append({k: (f"<{len(v)} chars>" if k == "delta" and event["type"] == "session.output_audio.delta"
                                      else v) for k, v in event.items()})

    def _connection_lost(self) -> None:
        self.state = "closed"

    async def _opened(self) -> None:
        self._engine = asyncio.ensure_future(self._run_engine())
        await self.send({"type": "session.created", "event_id": random_id("event_"), "session": self.session})

    async def shutdown(self) -> None:
        if self._engine is not None and asyncio.current_task() is not self._engine:
            if self.state == "closed" and not self._engine.done():   # it is sending session.closed: let it finish
                await asyncio.wait([self._engine], timeout=5.0)
            self._engine.cancel()
            try:
                await self._engine
            except (asyncio.CancelledError, Exception):
                pass

    def _unknown_type_hint(self, etype: str) -> str:
        if etype.startswith(("response.", "conversation.", "input_audio_buffer.")):
            return " A translation session has no turns and no responses: keep appending audio."
        return ""

    def _validate(self, data: dict) -> None:
        if data["type"] == "session.input_audio_buffer.append" and isinstance(data.get("audio"), str):
            extra = set(data) - {"type", "audio", "event_id"}   # the hot path: no model validation per chunk
            if extra:
                name = sorted(extra)[0]
                raise ClientError("unknown_parameter", f"Unknown parameter: '{name}'.", name)
        else:
            super()._validate(data)

    def _check_state(self, etype: str) -> None:
        if self.state != "active":
            raise ClientError("session_closing", f"'{etype}' arrived after session.close; the session is "
                              "finishing its output and takes no more input.", "type")

    # -- client events -------------------------------------------------------------------------
    async def _on_session_update(self, data: dict) -> None:
        update = data["session"].get("audio") or {}
        audio = self.session["audio"]
        out = update.get("output") or {}
        if "language" in out and out["language"] is not None:
            lang = out["language"]
            if lang not in self.server.monologue.languages:
                raise ClientError(
                    "unsupported_language", f"LocalTranslationServer's fixture '{self.server.monologue.name}' has "
                    f"recordings in {', '.join(self.server.monologue.languages)} only, not '{lang}' (the real API has "
                    f"13 output languages).", "session.audio.output.language")
            audio["output"]["language"] = lang
        inp = update.get("input") or {}
        for key in ("transcription", "noise_reduction"):
            if key in inp:
                audio["input"][key] = inp[key]
        await self.send({"type": "session.updated", "event_id": random_id("event_"), "session": self.session})

    async def _on_session_input_audio_buffer_append(self, data: dict) -> None:
        self.buffer += decode_audio_append(data["audio"], self.server.max_append_bytes, AUDIO.describe(),
                                           chunk_hint="append 200 ms at a time")
        self._arrived.set()

    async def _on_session_close(self, data: dict) -> None:
        self.state = "closing"
        self._arrived.set()

    # -- the end (the engine calls it once its output is out) ---------------------------------------
    async def _close(self, reason: str) -> None:
        self.log.closed_reason = reason
        await self.send({"type": "session.closed", "event_id": random_id("event_")})
        self.state = "closed"
        await self.ws.close()

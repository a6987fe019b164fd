"""The translation stand-in's interpreter: audio consumed in 200 ms engine frames, paced at ``speed`` x
real time, phrases found by the shared energy VAD, and each phrase's recorded translation scheduled
``lag_ms`` of model time behind its onset and streamed out frame by frame as model time reaches it.

Part of the local translation server (:mod:`course_utils.translation.server`), split along its seams:
:mod:`.session` is a connection's protocol, this module its timing (a mixin of
:class:`~course_utils.translation.session.TranslationSession`).
"""
from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass

from websockets.exceptions import ConnectionClosed

from ..standins.openai_ws import ClientError
from ..standins.ws import random_id
from ..voice.formats import SAMPLE_RATE, bytes_per_ms, ms_to_bytes
from ..voice.vad import EnergyVAD

FRAME_MS = 200                        # the engine's frame (OpenAI's docs: "Translation consumes 200 ms engine frames")
FRAME_BYTES = ms_to_bytes(FRAME_MS)
MAX_FLUSH_MS = 60_000                  # session.close feeds at most this much silence to finish the output


@dataclass
class TimedSpeech:
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


def _words(text: str, first: bool) -> list[str]:
    """Append-only deltas: each word carries its own leading space (none before the session's first)."""
    words = text.split()
    return [("" if first and i == 0 else " ") + w for i, w in enumerate(words)]


class InterpreterMixin:
    """The engine of a :class:`~course_utils.translation.session.TranslationSession`: it reads
    ``buffer`` and ``state`` and calls the session's ``send``, ``error`` and ``_close``."""

    def _init_interpreter(self, vad: dict) -> None:
        self.buffer = bytearray()
        self.timeline_ms = 0.0              # model time: audio consumed by the engine
        self.vad = EnergyVAD(**vad)
        self.phrases = 0                    # phrases started so far
        self.outputs: list[TimedSpeech] = []    # translations, in order
        self.inputs: list[TimedSpeech] = []     # source transcript words
        self.said_output = self.said_input = False
        self._arrived = asyncio.Event()     # audio (or session.close) arrived
        self._engine: asyncio.Task | None = None
        self._last_output_end = 0.0         # model time the last scheduled translation ends

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
            self.inputs.append(TimedSpeech(n, start_ms, b"", _words(phrase.text, not self.said_input),
                                       "session.input_transcript.delta", float(phrase.duration_ms)))
            self.said_input = True
        lang = audio["output"]["language"]
        if lang is None:
            await self.error(ClientError(
                "missing_output_language", "Speech arrived but no output language is set: send session.update with "
                "session.audio.output.language first.", "session.audio.output.language"))
            return
        clip = phrase.translations[lang]
        start = max(start_ms + self.server.lag_ms, detected_ms, self._last_output_end)
        self.outputs.append(TimedSpeech(n, start, clip.pcm, _words(clip.text, not self.said_output),
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
                await self.send({"type": "session.output_audio.delta", "event_id": random_id("event_"),
                                 "delta": base64.b64encode(chunk).decode("ascii"), "elapsed_ms": self._elapsed(now),
                                 "format": "pcm16", "sample_rate": SAMPLE_RATE, "channels": 1})
            if out.sent_bytes >= len(out.pcm):
                while out.sent_words < len(out.words):
                    await self._word(out)
                self.outputs.pop(0)
            else:
                break

    async def _word(self, item: TimedSpeech) -> None:
        delta = item.words[item.sent_words]
        item.sent_words += 1
        await self.send({"type": item.word_kind, "event_id": random_id("event_"), "delta": delta,
                         "elapsed_ms": self._elapsed(self.timeline_ms)})

    @staticmethod
    def _elapsed(ms: float) -> int:
        return int(ms // FRAME_MS * FRAME_MS)

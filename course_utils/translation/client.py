"""A client for OpenAI Realtime translation over the official SDK (``client.realtime.translations.connect``).

An interpreter, not an assistant: there are no turns, no ``response.create``, no tools. The client
keeps the microphone open (speech when you ``say`` something, silence otherwise: the model's time
advances with the audio it receives), and plays and records what streams back while the speaker is
still talking.

    async with TranslationClient("es", websocket_base_url=server.websocket_base_url) as tr:
        await tr.say("speech.flac")                 # a path, WAV/FLAC bytes, PCM16 bytes or a numpy array
    print(tr.output_text, tr.lag_table(), tr.cost)  # the session closed (session.close -> session.closed)

* the session is priced before it opens (``ledger.session(...)`` for ``max_minutes`` of audio) and refused
  past the budget with no connection made; it closes itself if it runs past ``max_minutes``; it is
  settled from the audio actually sent (billed by duration, silence included).
* first ``session.created``, then ``session.update`` (``audio.output.language``, optional source
  transcription, e.g. ``gpt-realtime-whisper``), wait for ``session.updated``.
* audio goes up as ``session.input_audio_buffer.append`` in ``chunk_ms`` chunks (200 ms: the engine's
  frame), paced at ``speed`` x real time; a notebook microphone widget can feed it instead
  (:meth:`listen`).
* ``session.output_audio.delta`` goes to a playback sink (:mod:`course_utils.voice.playback`) and is
  kept; transcript deltas and every event go into a :class:`TranslationTrace`.
* ``close()`` sends ``session.close`` and waits (``close_timeout``) for ``session.closed``: the server
  first flushes the translation still owed.

**The receive loop is lenient.** Every event received is checked against the SDK's
``RealtimeTranslationServerEvent`` union (``course_utils.voice.events``: unknown extra fields are kept,
wrong types refused). An event that does not fit (bad JSON, a wrong type, a missing field) is
reported once (a warning per kind of fault) and skipped, and the session goes on; an event type the
SDK does not know is skipped the same way; a server ``error`` event is recorded (``errors``) and the
session goes on. Only the transport closing ends the session. Every event sent is checked against
``RealtimeTranslationClientEvent`` before it leaves (a bad one raises: that is our bug).

The shell (``async with`` = connect/close, say, pause, the failed-connect cleanup) is
:class:`~course_utils.voice.session.MicSession`, shared with the Live clients.
"""
from __future__ import annotations

import asyncio
import base64
import time
import warnings
from typing import Any

from ..config import get_config
from ..endpoints import route
from ..errors import CourseError
from ..voice.audio import audio_widget
from ..voice.events import EventChecker, EventError
from ..voice.formats import SAMPLE_RATE, duration_ms, ms_to_bytes, silence
from ..voice.models import TRANSCRIPTION_MODEL
from ..voice.models import TRANSLATION_MODEL as DEFAULT_MODEL
from ..voice.playback import VirtualClockSink
from ..voice.session import MicSession, check_speed, expect_event
from ..voice.vad import EnergyVAD
from . import timeline as tl


class TranslationClient(MicSession):
    """A translation session (see the module docstring). Use as ``async with TranslationClient("es") as tr``.

    ``language``: the target language (e.g. ``"es"``); ``transcribe``: a transcription model for the
    source (``True`` means ``gpt-realtime-whisper``), or None; ``websocket_base_url``: the local server's
    (replay) or None (live); ``speed``: replay only, how fast audio is sent; ``sink``: a playback sink
    (default: a virtual clock at ``speed``); ``max_minutes``: what the session is priced and capped at.
    """

    label = "Translation"

    def __init__(self, language: str, *, model: str = DEFAULT_MODEL, transcribe: "str | bool | None" = None,
                 noise_reduction: str | None = None, websocket_base_url: str | None = None, speed: float = 1.0,
                 sink=None, trace: tl.TranslationTrace | None = None, max_minutes: float = 5.0, chunk_ms: int = 200,
                 timeout: float = 15.0, close_timeout: float = 30.0, warn_errors: bool = True):
        speed = check_speed(speed)
        if not language or not isinstance(language, str):
            raise CourseError("language is the target language code, e.g. 'es'.")
        self.language, self.model = language, model
        self.transcription_model = TRANSCRIPTION_MODEL if transcribe is True else (transcribe or None)
        self.noise_reduction = noise_reduction
        self.websocket_base_url = websocket_base_url
        self.speed, self.chunk_ms, self.timeout, self.close_timeout = float(speed), int(chunk_ms), timeout, close_timeout
        self.sink = sink if sink is not None else VirtualClockSink(speed=self.speed)
        self.trace = trace if trace is not None else tl.TranslationTrace(clock=lambda: time.monotonic() * self.speed)
        self.max_minutes, self.warn_errors = max_minutes, warn_errors
        self.session = None                 # the SDK's RealtimeTranslationSession (after session.updated)
        self.errors: list[Any] = []         # RealtimeErrorEvent objects received
        self.bad_events: list[EventError] = []
        self.closed_reason: str | None = None
        self.cost = None                    # CostBreakdown once settled
        self.budget = None                  # the session's SessionBudget in the ledger
        self.source_segments: list[list[float]] = []          # [start_ms, end_ms] of the speech sent
        self.output_words: list[tuple[float, str]] = []       # (session_ms, delta)
        self.input_words: list[tuple[float, str]] = []
        self.output_chunks: list[tuple[float, bytes]] = []    # (session_ms, pcm)
        self._checker = EventChecker(_server_union(), name="translation server event")
        self._sent_checker = EventChecker(_client_union(), name="translation client event")
        self._warned: set[tuple] = set()
        self._vad = EnergyVAD(prefix_padding_ms=0, silence_duration_ms=600)
        self._sent_ms = 0.0
        self._sent_at = 0.0                 # loop time of the last append
        self._conn = None
        self._client = None
        self._mic = None
        self._receiver: asyncio.Task | None = None
        self._init_shell()
        self._got_closed = False
        self._over_budget = False

    # -- lifecycle -------------------------------------------------------------------------------
    async def connect(self) -> "TranslationClient":
        """Price the session, connect, configure it, open the microphone."""
        from openai import AsyncOpenAI

        from ..costs import estimate_translation_session

        r = route("openai", "translation", url=self.websocket_base_url, speed=self.speed)   # replay: a local server
        self.speed = r.speed
        estimate = estimate_translation_session(self.max_minutes, model=self.model,
                                                transcription_model=self.transcription_model)
        self.budget = get_config().ledger.session("openai", self.model, f"translation session into {self.language} "
                                                  f"(up to {self.max_minutes:g} min)", estimate.total_usd)   # may refuse
        async with self._opening("session.created/updated"):
            self._client = AsyncOpenAI(api_key=r.api_key, websocket_base_url=r.base_url)
            self._conn = await asyncio.wait_for(self._client.realtime.translations.connect(model=self.model).enter(),
                                                self.timeout)
            expect_event(await self._recv_checked(self.timeout), "session.created", "connecting")
            await self.send({"type": "session.update", "session": self._session_config()})
            updated = await self._recv_checked(self.timeout)
            expect_event(updated, "session.updated", "session.update")
        self.session = updated.session
        self._receiver = asyncio.ensure_future(self._receive())
        self._open_mic(self.append_audio, turns=False)
        return self

    def _session_config(self) -> dict:
        audio: dict[str, Any] = {"output": {"language": self.language}}
        inp: dict[str, Any] = {}
        if self.transcription_model:
            inp["transcription"] = {"model": self.transcription_model}
        if self.noise_reduction:
            inp["noise_reduction"] = {"type": self.noise_reduction}
        if inp:
            audio["input"] = inp
        return {"audio": audio}

    async def close(self, timeout: float | None = None) -> None:
        """``session.close``, wait for ``session.closed`` (the server flushes the translation still owed),
        close the socket, settle the cost. Safe to call twice."""
        if self._conn is None:
            return
        await self._stop_mic()
        limit = self.close_timeout if timeout is None else timeout
        if not self._closed.is_set():
            try:
                await self.send({"type": "session.close"})
                await asyncio.wait_for(self._closed.wait(), limit)
            except asyncio.TimeoutError:
                warnings.warn(f"No session.closed within {limit:g} s; closing the socket.", stacklevel=2)
            except Exception:   # the connection is already gone
                pass
        await self._stop_receiver()
        await self._abort()
        self._conn = None
        if self._vad.in_speech:
            self._vad_events(self._vad.feed(silence(1000)))   # one second of silence ends open speech
        self._settle()

    def _settle(self) -> None:
        from ..costs import cost_from_translation_seconds

        seconds = self._sent_ms / 1000
        self.cost = cost_from_translation_seconds(seconds, self.model,
                                                  transcription_seconds=seconds if self.transcription_model else 0.0,
                                                  transcription_model=self.transcription_model or TRANSCRIPTION_MODEL)
        if self.budget is not None:
            self.budget.settle(self.cost.total_usd, audio_seconds=round(seconds, 3),
                              closed=self.closed_reason or "no session.closed")

    # -- sending ----------------------------------------------------------------------------------
    async def send(self, event: dict) -> None:
        """Check ``event`` against ``RealtimeTranslationClientEvent``, send it, trace it."""
        if self._conn is None:
            raise CourseError("The session is not open: use 'async with TranslationClient(...) as tr'.")
        self._sent_checker.check_sent(event)
        await self._conn.send(event)
        if event["type"] != "session.input_audio_buffer.append":
            self.trace.sent({"type": event["type"]}, session_ms=self.session_ms())

    async def append_audio(self, pcm: bytes) -> None:
        """Send raw PCM16 24 kHz mono audio (the microphone calls this every ``chunk_ms``)."""
        if self._over_budget or self._conn is None:
            return
        pcm = bytes(pcm)
        await self.send({"type": "session.input_audio_buffer.append", "audio": base64.b64encode(pcm).decode("ascii")})
        self._sent_ms += duration_ms(pcm)
        self._sent_at = asyncio.get_running_loop().time()
        self.trace.sent({"type": "session.input_audio_buffer.append"}, session_ms=self._sent_ms)
        self._vad_events(self._vad.feed(pcm))
        if self._sent_ms > self.max_minutes * 60_000:
            self._over_budget = True
            warnings.warn(f"The session passed its {self.max_minutes:g} min of audio; closing it.", stacklevel=2)
            asyncio.ensure_future(self.send({"type": "session.close"}))

    def _vad_events(self, events) -> None:
        for ev in events:
            if ev.kind == "speech_started":
                self.source_segments.append([float(ev.audio_ms), float(ev.audio_ms)])
                self.trace.local("source.speech_started", session_ms=ev.audio_ms)
            elif self.source_segments:
                end = float(ev.audio_ms - self._vad.silence_duration_ms)
                self.source_segments[-1][1] = end
                self.trace.local("source.speech_stopped", session_ms=end)

    def session_ms(self) -> float:
        """Session time now: the audio sent so far, plus the time since the last chunk (at most one chunk)."""
        if not self._sent_at:
            return self._sent_ms
        since = (asyncio.get_running_loop().time() - self._sent_at) * 1000 * self.speed
        return self._sent_ms + min(max(0.0, since), float(self.chunk_ms))

    async def listen(self, source) -> asyncio.Task:
        """Feed the session from a microphone (``course_utils.widgets.Microphone`` or ``LocalMicrophone``)
        instead of the built-in one: returns the background task that forwards its chunks."""
        if self._mic is not None:
            await self._mic.stop()
            self._mic = None
        return source.forward(self.append_audio)

    # -- receiving ---------------------------------------------------------------------------------
    async def _recv_checked(self, timeout: float):
        """The next event that fits the SDK union (used before the receive loop starts)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            raw = await asyncio.wait_for(self._conn.recv_bytes(), max(0.001, deadline - loop.time()))
            event = self._check(raw)
            if event is not None:
                self.trace.received({"type": event.type}, session_ms=self.session_ms())
                return event

    def _check(self, raw: bytes):
        """The SDK model of a received frame, or None (reported once per kind of fault) when it does not fit."""
        try:
            return self._checker.check_received(raw)
        except EventError as exc:
            self._report(exc)
            return None

    def _report(self, exc: EventError) -> None:
        """Keep a bad event's error; warn once per (event type, fault, field)."""
        self.bad_events.append(exc)
        key = (exc.event_type, exc.kind, exc.loc)
        if key not in self._warned:
            self._warned.add(key)
            warnings.warn(f"Skipped a server event that does not fit the SDK type: {exc} "
                          f"(reported once; the session goes on).", stacklevel=3)

    async def _receive(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                try:
                    raw = await self._conn.recv_bytes()
                except ConnectionClosed as exc:
                    if not self._got_closed:
                        self.closed_reason = self.closed_reason or f"connection closed ({exc.rcvd.code if exc.rcvd else 'no code'})"
                    return
                event = self._check(raw)
                if event is not None:
                    self._handle(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:   # the transport failed
            self.closed_reason = self.closed_reason or f"connection lost ({type(exc).__name__})"
        finally:
            self._closed.set()

    def _handle(self, event) -> None:
        etype = event.type
        now = self.session_ms()
        if etype == "session.output_audio.delta":
            try:
                pcm = base64.b64decode(event.delta, validate=True)
            except ValueError:
                self._report(EventError("translation server event 'session.output_audio.delta' has a delta that is "
                                        "not base64.", kind="bad_base64", loc="delta", event_type=etype))
                return
            pcm = pcm[: len(pcm) // 2 * 2]
            self.output_chunks.append((now, pcm))
            self.sink.write("translation", pcm)
            self.trace.received({"type": etype, "delta": event.delta}, session_ms=now, elapsed_ms=event.elapsed_ms)
            return
        info = {"session_ms": now}
        if etype in ("session.output_transcript.delta", "session.input_transcript.delta"):
            (self.output_words if etype.startswith("session.output") else self.input_words).append((now, event.delta))
            info.update(delta=event.delta, elapsed_ms=event.elapsed_ms)
        elif etype == "session.updated":
            self.session = event.session
        elif etype == "session.closed":
            self._got_closed = True
            self.closed_reason = "session.closed"
            self._closed.set()
        elif etype == "error":
            self.errors.append(event)
            info.update(code=event.error.code)
            if self.warn_errors:
                warnings.warn(f"Translation server error {event.error.code}: {event.error.message}", stacklevel=2)
        self.trace.received({"type": etype}, **info)

    # -- results -------------------------------------------------------------------------------------
    @property
    def output_text(self) -> str:
        """The translated transcript so far (the deltas joined as sent: no spaces added)."""
        return "".join(d for _, d in self.output_words).strip()

    @property
    def input_text(self) -> str:
        """The source transcript (with ``transcribe``)."""
        return "".join(d for _, d in self.input_words).strip()

    @property
    def sent_seconds(self) -> float:
        """Audio sent so far, silence included: what the session is billed for."""
        return self._sent_ms / 1000

    def output_pcm(self) -> bytes:
        """Every translated audio chunk received, in order (PCM16 24 kHz mono)."""
        return b"".join(pcm for _, pcm in self.output_chunks)

    def audio(self, max_seconds: float | None = None):
        """An inline player of the translated audio (``IPython.display.Audio``)."""
        pcm = self.output_pcm()
        if max_seconds is not None:
            pcm = pcm[: ms_to_bytes(max_seconds * 1000)]
        return audio_widget(pcm, SAMPLE_RATE)

    def translated_sentences(self) -> list[tl.Sentence]:
        return tl.sentences(self.output_words)

    def lags(self) -> list[tl.PhraseLag]:
        """Per source phrase: when it started, when its translation started, and the lag between them."""
        audio = [(t, duration_ms(pcm)) for t, pcm in self.output_chunks]
        return tl.phrase_lags([tuple(s) for s in self.source_segments], self.translated_sentences(), audio)

    def lag_table(self) -> list[dict]:
        return [lag.as_row() for lag in self.lags()]

    def plot_timeline(self, source_text: list[str] | None = None, title: str = "", ax=None):
        """Source speech and translated audio on one time axis, each phrase's lag as an arrow."""
        audio = [(t, duration_ms(pcm)) for t, pcm in self.output_chunks]
        texts = source_text if source_text is not None else [s.text for s in tl.sentences(self.input_words)]
        return tl.plot([tuple(s) for s in self.source_segments], texts, self.lags(), audio, self.language,
                       title=title, ax=ax)

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return (f"TranslationClient({self.language!r}, {state}, sent {self.sent_seconds:.1f} s, "
                f"{len(self.output_chunks)} audio deltas, errors={len(self.errors)})")


def _server_union():
    from openai.types.realtime import RealtimeTranslationServerEvent
    return RealtimeTranslationServerEvent


def _client_union():
    from openai.types.realtime import RealtimeTranslationClientEvent
    return RealtimeTranslationClientEvent

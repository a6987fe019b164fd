"""A client for the OpenAI Live API over the official SDK (``client.live.connect()``).

The model decides turn-taking, so the client is small: start the session, keep the microphone
open, play what arrives, answer delegated work, read the usage. There is no VAD to configure and
nothing to cancel or truncate: when the user talks over a reply, the model goes quiet by itself.

    async with LiveClient("gpt-live-1.1", websocket_base_url=server.websocket_base_url) as live:
        await live.say("data/fixtures/live/support_call/audio/user_01.flac")
        reply = await live.wait_for_reply()
        print(reply.text)
    print(live.transcript(), live.cost)

* ``session.start`` (model in the session config), then wait for ``session.started``.
* a :class:`~course_utils.live.mic.Microphone` streams ``session.input_audio.append`` continuously
  (speech from ``say()``, silence otherwise) at ``speed`` x real time, in the session's format.
* ``session.output_audio.delta`` is decoded and written to a playback sink as it arrives.
* transcripts come from the SDK's own ``AsyncTranscriptGrouper`` (timestamped pieces -> segments).
* ``session.delegation.created`` runs your Python function and answers with
  ``session.commentary.append`` (the model speaks the result).
* the session is priced before it starts (``ledger.reserve`` for ``max_minutes``), closed if it runs
  past them, and settled from ``session.closed`` usage (billable seconds x the per-minute price).
* every event is traced (:class:`~course_utils.live.trace.LiveTrace`) for the latency table and
  the timeline plot.

The receive-loop rule (all voice clients hold to it): the receive loop survives any single bad event
- an unknown event type, an unknown field, a malformed payload (bad JSON, audio that is not base64)
or a handler that raises - reports it once (a warning, and a line in ``receive_problems``), and keeps
the session; only the transport closing ends it. A bad audio delta is dropped and counted
(``dropped_audio_deltas``).
"""
from __future__ import annotations

import asyncio
import base64
import binascii
import inspect
import os
import time
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Union

from ..config import get_config
from ..errors import CourseError, OperationTimeout, ProtocolError, ServerErrorEvent
from ..voice.audio import load_audio
from ..voice.formats import AudioFormat, duration_ms
from ..voice.models import OPENAI_LIVE_MODEL as DEFAULT_MODEL
from ..voice.playback import VirtualClockSink
from .mic import Microphone
from .trace import LiveTrace

DELEGATE_TIMEOUT_S = 60.0  # an async delegate gets this long before the client gives up on it
AudioInput = Union[str, os.PathLike, bytes, Any]


@dataclass
class DelegationRequest:
    """Work the model handed to the application. A delegation carries no task text: the request is
    rebuilt from what the user said (input transcripts) since the assistant last spoke."""

    id: str
    offset_ms: int
    user_text: str


@dataclass
class ReplyInfo:
    """One reply as the client saw it."""

    index: int
    id: str
    text: str = ""
    audio_ms: float = 0.0
    deltas: int = 0
    interrupted: bool = False


Delegate = Callable[[DelegationRequest], Union[str, Awaitable[str]]]


@dataclass
class _ReplyState:
    info: ReplyInfo
    first_delta: float = 0.0
    last_delta: float = 0.0
    words: list[str] = field(default_factory=list)


class LiveClient:
    """OpenAI Live session (see the module docstring). Use as ``async with LiveClient(...) as live``."""

    def __init__(self, model: str = DEFAULT_MODEL, *, instructions: str | None = None, voice: str = "marin",
                 audio_format: dict | None = None, delegate: Delegate | None = None,
                 websocket_base_url: str | None = None, speed: float = 1.0, sink=None, trace: LiveTrace | None = None,
                 max_minutes: float = 5.0, chunk_ms: int = 50, timeout: float = 15.0,
                 on_segment: Callable[[Any], Any] | None = None, record_as: str | None = None,
                 record_root: os.PathLike | None = None, reply_gap_ms: float = 800.0):
        if speed <= 0:
            raise CourseError(f"speed must be positive (got {speed}); 1.0 is real time.")
        self.model, self.instructions, self.voice = model, instructions, voice
        self.format = AudioFormat.from_config(audio_format)
        self.delegate = delegate
        self.websocket_base_url = websocket_base_url
        self.speed, self.chunk_ms, self.timeout = float(speed), chunk_ms, timeout
        self.sink = sink if sink is not None else VirtualClockSink(speed=speed)
        # the trace clock runs in session time (wall x speed), so its figures read as real-time ms
        self.trace = trace if trace is not None else LiveTrace(clock=lambda: time.monotonic() * self.speed)
        self.max_minutes = max_minutes
        self.reply_gap_ms = reply_gap_ms   # output audio after this much quiet (session time) is a new reply
        self.on_segment = on_segment
        self.record_as, self.record_root = record_as, record_root
        self.recording_path = None
        self.session = None            # the resolved session from session.started
        self.usage = None              # latest SessionUsage
        self.closed_reason: str | None = None
        self.errors: list[Any] = []    # ErrorEvent objects received
        self.segments: list[Any] = []  # closed TranscriptSegment snapshots, in order
        self.replies: list[ReplyInfo] = []
        self.delegations: list[tuple[DelegationRequest, str]] = []
        self.cost = None               # CostBreakdown once settled
        self._reply: _ReplyState | None = None
        self._last_start = 0.0         # loop time the last utterance started
        self._since_assistant: list[str] = []
        self._conn = None
        self._client = None
        self._receiver: asyncio.Task | None = None
        self._grouper = None
        self._mic: Microphone | None = None
        self._closed = asyncio.Event()
        self._activity = asyncio.Event()
        self._entry = None
        self._tasks: set[asyncio.Task] = set()
        self._recorder = None
        self.receive_problems: list[str] = []   # each kind of bad received event, reported once
        self._problem_keys: set = set()
        self.dropped_audio_deltas = 0
        from .validate import live_server_checker

        self._checker = live_server_checker(report=lambda line: self._problem(("type", line), line))

    # -- lifecycle -----------------------------------------------------------------------------------
    async def __aenter__(self) -> "LiveClient":
        return await self.start()

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self.close()

    async def start(self) -> "LiveClient":
        """Price the session, connect, ``session.start``, wait for ``session.started``, open the mic."""
        from openai import AsyncOpenAI
        from openai.lib.live import AsyncTranscriptGrouper

        from ..costs import estimate_live_session

        cfg = get_config()
        if cfg.is_replay and not self.websocket_base_url:
            raise CourseError("Replay mode talks to a local server: start LocalLiveServer and pass "
                              "websocket_base_url=server.websocket_base_url (or use setup(mode='live') with a key).")
        try:
            estimate = estimate_live_session(self.model, self.max_minutes)
        except CourseError:
            kind = "a Realtime model (use course_utils.realtime)" if "realtime" in self.model else "not a Live model"
            raise CourseError(f"{self.model} is {kind}; Live sessions take gpt-live-1 or gpt-live-1.1.") from None
        self._entry = cfg.ledger.reserve("openai", self.model, f"Live session (up to {self.max_minutes:g} min)",
                                         estimate.total_usd)
        try:
            self._client = AsyncOpenAI(api_key=cfg.key("openai"), websocket_base_url=self.websocket_base_url)
            self._conn = await asyncio.wait_for(self._client.live.connect().enter(), self.timeout)
            session: dict[str, Any] = {"model": self.model,
                                       "audio": {"format": self.format.as_config(), "output": {"voice": self.voice}}}
            if self.instructions:
                session["instructions"] = self.instructions
            if self.delegate is not None:
                session["delegation"] = {"type": "client"}
            await self._conn.session.start(session=session)
            self.trace.sent({"type": "session.start"})
            first = await asyncio.wait_for(self._conn.recv(), self.timeout)
            self.trace.received({"type": first.type})
            if first.type == "error":
                raise ServerErrorEvent(f"session.start was refused: {first.error.message}", code=first.error.code,
                                       event_id=first.event_id)
            if first.type != "session.started":
                raise ProtocolError(f"Expected session.started after session.start, got {first.type}.")
        except asyncio.TimeoutError:
            self._entry.cancel("timeout")
            await self._abort()
            raise OperationTimeout(f"No session.started within {self.timeout:g} s; check the URL and key.") from None
        except BaseException as exc:
            if self._entry.status == "reserved":
                self._entry.cancel(type(exc).__name__)
            await self._abort()
            raise
        self.session = first.session
        if cfg.is_record or self.record_as:
            from .recording import LiveRecorder
            self._recorder = LiveRecorder(self.model, self.format, clock=lambda: self._mic.sent_ms if self._mic else 0.0)
            self._recorder.received(first)
        self._grouper = AsyncTranscriptGrouper()
        self._grouper.on("segment.closed", self._on_segment_closed)
        self._receiver = asyncio.ensure_future(self._receive())
        self._mic = Microphone(self._send_audio, chunk_ms=self.chunk_ms, speed=self.speed,
                               on_start=self._utterance_start, on_end=self._utterance_end,
                               on_speech_end=lambda: self.trace.local("user.speech_end")).start()
        return self

    async def _abort(self) -> None:
        if self._conn is not None:
            try:
                await self._conn.close()
            except Exception:
                pass

    async def close(self, timeout: float | None = None) -> None:
        """``session.close``, wait for ``session.closed`` (final usage), settle the cost."""
        if self._conn is None:
            return
        if self._mic is not None:
            await self._mic.stop()
        if not self._closed.is_set():
            try:
                await self._conn.session.close()
                self.trace.sent({"type": "session.close"})
                await asyncio.wait_for(self._closed.wait(), timeout or self.timeout)
            except asyncio.TimeoutError:
                warnings.warn(f"No session.closed within {timeout or self.timeout:g} s; settling from the last usage.",
                              stacklevel=2)
            except Exception:  # the connection is already gone
                pass
        for task in list(self._tasks):
            task.cancel()
        if self._receiver is not None:
            self._receiver.cancel()
            try:
                await self._receiver
            except (asyncio.CancelledError, Exception):
                pass
        if self._grouper is not None:
            await self._grouper.close()
        await self._abort()
        self._conn = None
        self._settle()
        if self._recorder is not None:
            self.recording_path = self._recorder.save(self.record_as or f"recorded_{self.model.replace('.', '_')}",
                                                     get_config().secrets(), root=self.record_root)

    def _settle(self) -> None:
        from ..costs import estimate_live_session

        seconds = float(self.usage.seconds) if self.usage is not None else 0.0
        self.cost = estimate_live_session(self.model, seconds / 60)
        self.cost.title = f"{self.model} session, {seconds:g} s billed"
        if self._entry is not None and self._entry.status == "reserved":
            self._entry.settle(self.cost.total_usd, billable_seconds=seconds, closed=self.closed_reason or "no session.closed")

    # -- sending --------------------------------------------------------------------------------------
    async def _send_audio(self, pcm24: bytes) -> None:
        await self._conn.session.input_audio.append(audio=base64.b64encode(self.format.encode(pcm24)).decode("ascii"))
        self.trace.sent({"type": "session.input_audio.append"})
        if self._recorder is not None:
            self._recorder.sent_audio(pcm24)

    def _utterance_start(self) -> None:
        self._last_start = asyncio.get_running_loop().time()
        r = self._reply
        if r is not None and (self.sink.is_playing or not self._quiet(r)):
            self.trace.local("user.barge_in", response_id=r.info.id)
            r.info.interrupted = True
        self.trace.local("user.audio_start")

    def _utterance_end(self) -> None:
        self.trace.local("user.audio_end")

    async def say(self, audio: AudioInput, *, wait: bool = True, sample_rate: int | None = None) -> None:
        """Speak into the session: a path to a WAV/FLAC file, PCM16 bytes, or a numpy array.

        With ``wait`` (default) return once the last chunk has been sent.
        """
        if self._mic is None:
            raise CourseError("The session is not started: use 'async with LiveClient(...) as live'.")
        pcm = load_audio(audio, sample_rate).astype("<i2").tobytes()
        fut = self._mic.say(pcm)
        if wait:
            seconds = duration_ms(pcm) / 1000 / self.speed + self.timeout
            try:
                await asyncio.wait_for(asyncio.shield(fut), seconds)
            except asyncio.TimeoutError:
                raise OperationTimeout(f"The utterance was not sent within {seconds:.0f} s.") from None

    async def wait_for_reply(self, timeout: float = 30.0, quiet_ms: float | None = None) -> ReplyInfo:
        """Wait until the model has answered the last utterance: its audio started after the user began
        speaking, then stopped for ``quiet_ms`` (session time; default ``reply_gap_ms``) and finished
        playing. Returns that reply."""
        quiet_ms = self.reply_gap_ms if quiet_ms is None else quiet_ms
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            r = self._reply
            answered = r is not None and not self._mic_busy() and r.first_delta >= self._last_start
            if answered and self._quiet(r, quiet_ms) and not self.sink.is_playing:
                return r.info
            if self._closed.is_set():
                raise CourseError(f"The session closed ({self.closed_reason}) before the reply finished.")
            if loop.time() > deadline:
                raise OperationTimeout(f"No finished reply within {timeout:g} s (replies so far: {len(self.replies)}).")
            self._activity.clear()
            try:
                await asyncio.wait_for(self._activity.wait(), min(0.05, max(0.001, deadline - loop.time())))
            except asyncio.TimeoutError:
                pass

    async def pause(self, ms: float) -> None:
        """Let ``ms`` of session time pass (the microphone keeps streaming silence)."""
        await asyncio.sleep(ms / 1000 / self.speed)

    def _mic_busy(self) -> bool:
        return self._mic is not None and self._mic.speaking

    def _quiet(self, r: _ReplyState, quiet_ms: float = 800.0) -> bool:
        return asyncio.get_running_loop().time() - r.last_delta >= quiet_ms / 1000 / self.speed

    # -- receiving ------------------------------------------------------------------------------------
    def _problem(self, key, line: str) -> None:
        """Report one kind of bad received event once (a warning and ``receive_problems``)."""
        if key in self._problem_keys:
            return
        self._problem_keys.add(key)
        from ..secrets import scrub

        line = scrub(line, get_config().secrets())[:300] + " (the session goes on; reported once)"
        self.receive_problems.append(line)
        self.trace.local("receive.problem", what=line[:200])
        warnings.warn(f"Live: {line}", stacklevel=3)

    async def _receive(self) -> None:
        """The receive loop: one bad event is reported (once per kind) and skipped; only the transport
        closing ends the loop."""
        from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

        try:
            while True:
                try:
                    event = await self._conn.recv()
                except (asyncio.CancelledError, ConnectionClosed):
                    raise
                except Exception as exc:  # a frame the SDK cannot parse (not JSON): skip it
                    self._problem(("frame", type(exc).__name__), f"a frame that is not a JSON event was skipped "
                                                                 f"({type(exc).__name__}: {exc})")
                    continue
                etype = getattr(event, "type", None)
                if etype not in self._checker.members:  # an unknown type (or none): say so once
                    if isinstance(etype, str) and etype:
                        self._checker.check_received({"type": etype})
                    else:
                        self._problem(("no type",), "an event without a type was skipped")
                        continue
                try:
                    await self._handle(event)
                except (asyncio.CancelledError, ConnectionClosed):
                    raise
                except Exception as exc:  # a handler that raises, or a payload of the wrong shape
                    etype = getattr(event, "type", "?")
                    self._problem(("handler", etype, type(exc).__name__),
                                  f"handling {etype!r} raised {type(exc).__name__}: {exc}")
                self._activity.set()
        except asyncio.CancelledError:
            raise
        except ConnectionClosedOK:
            pass
        except Exception as exc:  # connection dropped: note it; close() settles from the last usage
            if not self._closed.is_set():
                self.closed_reason = self.closed_reason or f"connection lost ({type(exc).__name__})"
        finally:
            self._closed.set()
            self._activity.set()

    async def _handle(self, event) -> None:
        etype = event.type
        loop = asyncio.get_running_loop()
        if self._recorder is not None:
            self._recorder.received(event)
        if etype == "session.output_audio.delta":
            try:
                pcm24 = self.format.decode(base64.b64decode(event.delta, validate=True))
            except (binascii.Error, ValueError, TypeError) as exc:  # drop the chunk, count it, say so once
                self.dropped_audio_deltas += 1
                self._problem(("audio_delta",), f"the server sent audio that is not valid base64 ({exc}); dropped "
                                                f"that chunk (count in dropped_audio_deltas)")
                return
            r = self._reply
            if r is None or self._quiet(r, self.reply_gap_ms):
                r = self._new_reply()
                r.first_delta = loop.time()
            r.last_delta = loop.time()
            r.info.deltas += 1
            r.info.audio_ms += duration_ms(pcm24)
            self.sink.write(r.info.id, pcm24)
            self.trace.received({"type": etype}).response_id = r.info.id
            return
        times = {k: getattr(event, k) for k in ("start_ms", "end_ms") if getattr(event, k, None) is not None}
        ev = self.trace.received({"type": etype}, **times)
        if etype == "session.output_transcript.delta":
            if self._reply is not None:
                ev.response_id = self._reply.info.id
                self._reply.words.append(event.delta)
                self._reply.info.text = "".join(self._reply.words).strip()
            self._since_assistant.clear()
        elif etype == "session.input_transcript.delta":
            self._since_assistant.append(event.delta)
        elif etype == "session.delegation.created":
            task = asyncio.ensure_future(self._delegated(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif etype == "session.usage.updated":
            self.usage = event.usage
            if event.usage.seconds > self.max_minutes * 60:
                warnings.warn(f"The session passed its {self.max_minutes:g} min budget; closing it.", stacklevel=2)
                await self._conn.session.close()
        elif etype == "session.closed":
            self.usage, self.closed_reason = event.usage, event.reason
            self._closed.set()
        elif etype == "error":
            self.errors.append(event)
            warnings.warn(f"Live server error {event.error.code}: {event.error.message}", stacklevel=2)
        await self._grouper.push(event)

    def _new_reply(self) -> _ReplyState:
        info = ReplyInfo(len(self.replies) + 1, f"reply_{len(self.replies) + 1}")
        self.replies.append(info)
        self._reply = _ReplyState(info)
        return self._reply

    async def _on_segment_closed(self, closed) -> None:
        self.segments.append(closed.segment)
        if self.on_segment is not None:
            result = self.on_segment(closed.segment)
            if inspect.isawaitable(result):
                await result

    async def _delegated(self, event) -> None:
        request = DelegationRequest(event.delegation.id, event.offset_ms, "".join(self._since_assistant).strip())
        if self.delegate is None:
            warnings.warn("The model delegated work but no delegate function was given; it will wait.", stacklevel=2)
            return
        self.trace.local("tool.started", delegation_id=request.id)
        result = self.delegate(request)
        if inspect.isawaitable(result):
            result = await asyncio.wait_for(result, DELEGATE_TIMEOUT_S)
        result = str(result)
        self.trace.local("tool.ran", delegation_id=request.id)
        self.delegations.append((request, result))
        await self._conn.session.commentary.append(content=result, delegation_id=request.id)
        self.trace.sent({"type": "session.commentary.append"})

    # -- results --------------------------------------------------------------------------------------
    def transcript(self) -> list[tuple[str, str]]:
        """``(speaker, text)`` of every closed transcript segment (the SDK grouper's view)."""
        return [(s.speaker, s.text) for s in self.segments]

    def __repr__(self) -> str:
        state = "closed" if self._conn is None else "open"
        return f"LiveClient({self.model!r}, {state}, replies={len(self.replies)}, errors={len(self.errors)})"

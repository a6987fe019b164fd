"""A client for the OpenAI Live API over the official SDK (``client.live.connect()``).

The model decides turn-taking, so the client is small: start the session, keep the microphone
open, play what arrives, answer delegated work, read the usage. There is no VAD to configure and
nothing to cancel or truncate: when the user talks over a reply, the model goes quiet by itself.

    async with LiveClient("gpt-live-1.1", websocket_base_url=server.websocket_base_url) as live:   # connect()
        await live.say("data/fixtures/live/support_call/audio/user_01.flac")
        reply = await live.wait_for_reply()
        print(reply.text)
    print(live.transcript(), live.cost)

* ``session.start`` (model in the session config), then wait for ``session.started``.
* a :class:`~course_utils.voice.mic.ScriptedMicrophone` streams ``session.input_audio.append`` continuously
  (speech from ``say()``, silence otherwise) at ``speed`` x real time, in the session's format.
* ``session.output_audio.delta`` is decoded and written to a playback sink as it arrives.
* transcripts come from the SDK's own ``AsyncTranscriptGrouper`` (timestamped pieces -> segments).
* ``session.delegation.created`` runs your Python function and answers with
  ``session.commentary.append`` (the model speaks the result).
* the session is priced before it starts (``ledger.session(...)`` for ``max_minutes``), closed if it runs
  past them, and settled from ``session.closed`` usage (billable seconds x the per-minute price).
* each reply is a :class:`~course_utils.voice.reply.VoiceReply` (one stretch of output audio).
* every event is traced (:class:`~course_utils.live.trace.LiveTrace`) for the latency table and
  the timeline plot.

The receive-loop rule (all voice clients hold to it): the receive loop survives any single bad event
- an unknown event type, an unknown field, a malformed payload (bad JSON, audio that is not base64)
or a handler that raises - reports it once (a warning, and a line in ``receive_problems``), and keeps
the session; only the transport closing ends it. A bad audio delta is dropped and counted
(``dropped_audio_deltas``). The shell (connect/close, say, waits, reporting) is
:class:`~course_utils.voice.session.MicSession`, shared with Gemini Live and translation.
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
from dataclasses import dataclass
from typing import Any, Union

from ..config import get_config
from ..endpoints import route
from ..errors import CourseError
from ..voice.formats import AudioFormat
from ..voice.mic import ScriptedMicrophone
from ..voice.models import OPENAI_LIVE_MODEL as DEFAULT_MODEL
from ..voice.playback import VirtualClockSink
from ..voice.reply import VoiceReply
from ..voice.session import MicSession, check_speed, expect_event
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


Delegate = Callable[[DelegationRequest], Union[str, Awaitable[str]]]


class _ReplyState:
    def __init__(self, info: VoiceReply):
        self.info, self.first_delta, self.last_delta, self.words = info, 0.0, 0.0, []


class LiveClient(MicSession):
    """OpenAI Live session (see the module docstring). Use as ``async with LiveClient(...) as live``."""

    label = "Live"

    def __init__(self, model: str = DEFAULT_MODEL, *, instructions: str | None = None, voice: str = "marin",
                 audio_format: dict | None = None, delegate: Delegate | None = None,
                 websocket_base_url: str | None = None, speed: float = 1.0, sink=None, trace: LiveTrace | None = None,
                 max_minutes: float = 5.0, chunk_ms: int = 50, timeout: float = 15.0,
                 on_segment: Callable[[Any], Any] | None = None, record_as: str | None = None,
                 record_root: os.PathLike | None = None, reply_gap_ms: float = 800.0):
        speed = check_speed(speed)
        self._init_shell()
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
        self.replies: list[VoiceReply] = []
        self.delegations: list[tuple[DelegationRequest, str]] = []
        self.cost = None               # CostBreakdown once settled
        self._reply: _ReplyState | None = None
        self._last_start = 0.0         # loop time the last utterance started
        self._since_assistant: list[str] = []
        self._conn = None
        self._client = None
        self._receiver: asyncio.Task | None = None
        self._grouper = None
        self._mic: ScriptedMicrophone | None = None
        self.budget = None             # the session's SessionBudget in the ledger
        self._tasks: set[asyncio.Task] = set()
        self._recorder = None
        self.dropped_audio_deltas = 0
        from .validate import live_server_checker

        self._checker = live_server_checker(report=lambda line: self._problem(("type", line), line))

    # -- lifecycle -----------------------------------------------------------------------------------
    async def connect(self) -> "LiveClient":
        """Price the session, connect, ``session.start``, wait for ``session.started``, open the mic."""
        from openai import AsyncOpenAI
        from openai.lib.live import AsyncTranscriptGrouper

        from ..costs import estimate_live_session

        r = route("openai", "live", url=self.websocket_base_url, speed=self.speed)   # replay needs a local server
        self.speed = r.speed                                                          # live: real time
        try:
            estimate = estimate_live_session(self.model, self.max_minutes)
        except CourseError:
            kind = "a Realtime model (use course_utils.realtime)" if "realtime" in self.model else "not a Live model"
            raise CourseError(f"{self.model} is {kind}; Live sessions take gpt-live-1 or gpt-live-1.1.") from None
        self.budget = get_config().ledger.session("openai", self.model, f"Live session (up to {self.max_minutes:g} min)",
                                                  estimate.total_usd)   # may refuse: nothing opened yet
        async with self._opening("session.started"):
            self._client = AsyncOpenAI(api_key=r.api_key, websocket_base_url=r.base_url)
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
            expect_event(first, "session.started", "session.start")
        self.session = first.session
        if r.record or self.record_as:
            from .recording import LiveRecorder
            self._recorder = LiveRecorder(self.model, self.format, clock=lambda: self._mic.sent_ms if self._mic else 0.0)
            self._recorder.received(first)
        self._grouper = AsyncTranscriptGrouper()
        self._grouper.on("segment.closed", self._on_segment_closed)
        self._receiver = asyncio.ensure_future(self._receive())
        self._open_mic(self._send_audio)
        return self

    async def close(self, timeout: float | None = None) -> None:
        """``session.close``, wait for ``session.closed`` (final usage), settle the cost."""
        if self._conn is None:
            return
        await self._stop_mic()
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
        await self._stop_receiver()
        if self._grouper is not None:
            await self._grouper.close()
        await self._abort()
        self._conn = None
        self._settle()
        if self._recorder is not None:
            self._save_recording(self._recorder)

    def _settle(self) -> None:
        from ..costs import estimate_live_session

        seconds = float(self.usage.seconds) if self.usage is not None else 0.0
        self.cost = estimate_live_session(self.model, seconds / 60)
        self.cost.title = f"{self.model} session, {seconds:g} s billed"
        if self.budget is not None:
            self.budget.settle(self.cost.total_usd, billable_seconds=seconds, closed=self.closed_reason or "no session.closed")

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

    async def wait_for_reply(self, timeout: float = 30.0, quiet_ms: float | None = None) -> VoiceReply:
        """Wait until the model has answered the last utterance: its audio started after the user began
        speaking, then stopped for ``quiet_ms`` (session time; default ``reply_gap_ms``) and finished
        playing. Returns that reply (its status then "completed")."""
        quiet_ms = self.reply_gap_ms if quiet_ms is None else quiet_ms

        def ready() -> VoiceReply | None:
            r = self._reply
            answered = r is not None and not self._mic_busy() and r.first_delta >= self._last_start
            if answered and self._quiet(r, quiet_ms) and not self.sink.is_playing:
                r.info.status, r.info.complete = "completed", True
                return r.info
            return None

        return await self._wait_until(
            ready, timeout, lambda: f"The session closed ({self.closed_reason}) before the reply finished.",
            lambda: f"No finished reply within {timeout:g} s (replies so far: {len(self.replies)}).")

    def _quiet(self, r: _ReplyState, quiet_ms: float = 800.0) -> bool:
        return asyncio.get_running_loop().time() - r.last_delta >= quiet_ms / 1000 / self.speed

    # -- receiving ------------------------------------------------------------------------------------
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
            r.info.add_audio(pcm24)
            self.sink.write(r.info.id, pcm24)
            self.trace.received({"type": etype}).response_id = r.info.id
            return
        times = {k: getattr(event, k) for k in ("start_ms", "end_ms") if getattr(event, k, None) is not None}
        ev = self.trace.received({"type": etype}, **times)
        if etype == "session.output_transcript.delta":
            if self._reply is not None:
                ev.response_id = self._reply.info.id
                self._reply.words.append(event.delta)
                self._reply.info.transcript = "".join(self._reply.words).strip()
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
        info = VoiceReply(f"reply_{len(self.replies) + 1}", len(self.replies) + 1,
                          user_text="".join(self._since_assistant).strip())
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

"""A client for the Gemini Live API over ``google-genai`` (``client.aio.live.connect``).

    async with GeminiLiveClient("gemini-3.8-live", http_options=server.http_options(),
                                tools=[lookup_order]) as gemini:       # connect() ... close()
        await gemini.say("data/fixtures/live/support_call/audio/user_01.flac")
        reply = await gemini.wait_for_reply()

* realtime audio input: an always-open :class:`~course_utils.voice.mic.ScriptedMicrophone` sends 16 kHz
  PCM16 with ``send_realtime_input(audio=...)`` (the model's own activity detection decides turns);
* audio output (24 kHz PCM16 ``inline_data`` parts) goes to a playback sink as it arrives - Gemini
  generates faster than real time, so the sink buffers;
* ``input_transcription`` / ``output_transcription`` pieces are joined per turn;
* ``interrupted``: the user talked over the reply - stop playback at once (flush the buffer);
  ``turn_complete`` ends the model's turn;
* ``usage_metadata`` of each turn is priced with :func:`course_utils.costs.cost_from_gemini_usage`
  and added up; the session was reserved in the ledger before it started (``max_minutes``);
* ``tool_call``: your Python function (``tools=[fn]`` or ``g.tool(fn)``, the one registry of
  :mod:`course_utils.voice.tools`, which also writes its function declaration) runs with the model's
  arguments and its result goes back with ``send_tool_response``. A function that raises is answered
  with an error response (the model can apologise or retry); a call without an ``id`` cannot be
  answered (the SDK refuses a ``FunctionResponse`` without one). Both are surfaced: a warning once,
  ``tools.errors``, and the reply's ``tool_calls`` entry.
* each model turn is a :class:`~course_utils.voice.reply.VoiceReply`.

The receive-loop rule (all voice clients hold to it): the receive loop survives any single bad event
- an unknown message, an unknown field, a malformed payload or a handler that raises - reports it once
(a warning, and a line in ``receive_problems``), and keeps the session; only the transport closing ends
it.
"""
from __future__ import annotations

import asyncio
import contextlib
import re
import time
import warnings
from collections.abc import Callable
from typing import Any

from ..config import get_config
from ..endpoints import route
from ..voice.formats import SAMPLE_RATE, from_pcm24, to_pcm24
from ..voice.mic import ScriptedMicrophone
from ..voice.models import GEMINI_LIVE_MODEL as DEFAULT_MODEL
from ..voice.playback import VirtualClockSink
from ..voice.reply import VoiceReply
from ..voice.session import MicSession, check_speed
from ..voice.tools import ToolRegistry
from .trace import LiveTrace

INPUT_RATE = 16000


class GeminiLiveClient(MicSession):
    """Gemini Live session (see the module docstring). Use as ``async with GeminiLiveClient(...) as g``.

    ``tools``: Python functions the model may call (a list, or a :class:`ToolRegistry`); more with
    :meth:`tool` before connecting. ``http_options``: the local server's (replay), or None (live).
    """

    label = "Gemini Live"

    def __init__(self, model: str = DEFAULT_MODEL, *, instructions: str | None = None, voice: str = "Kore",
                 tools: "list[Callable] | ToolRegistry | None" = None, http_options=None, speed: float = 1.0, sink=None, trace: LiveTrace | None = None,
                 max_minutes: float = 5.0, chunk_ms: int = 50, timeout: float = 15.0, transcriptions: bool = True,
                 record_as: str | None = None, record_root=None):
        speed = check_speed(speed)
        self._init_shell()
        self.model, self.instructions, self.voice = model, instructions, voice
        self.tools = tools if isinstance(tools, ToolRegistry) else ToolRegistry(tools, source="Gemini Live")
        self.http_options = http_options
        self.speed, self.chunk_ms, self.timeout = float(speed), chunk_ms, timeout
        self.sink = sink if sink is not None else VirtualClockSink(speed=speed)
        self.trace = trace if trace is not None else LiveTrace(clock=lambda: time.monotonic() * self.speed)
        self.max_minutes = max_minutes
        self.transcriptions = transcriptions
        self.record_as, self.record_root = record_as, record_root
        self.recording_path = None
        self._recorder = None
        self.replies: list[VoiceReply] = []
        self.turn_costs: list = []          # CostBreakdown per turn (from usage_metadata)
        self.usage: list = []               # the raw UsageMetadata objects
        self.cost = None
        self.closed_reason: str | None = None
        self.go_away: str | None = None
        self._user_words: list[str] = []
        self._reply: VoiceReply | None = None
        self._last_start = 0.0
        self._stack: contextlib.AsyncExitStack | None = None
        self._session = None
        self._receiver: asyncio.Task | None = None
        self._mic: ScriptedMicrophone | None = None
        self.budget = None                      # the session's SessionBudget in the ledger

    # -- lifecycle -----------------------------------------------------------------------------------
    def tool(self, fn: Callable | None = None, *, description: str | None = None, parameters: dict | None = None):
        """Register a plain Python function (sync or async) the model may call; usable as a decorator.
        Before :meth:`connect`: the declarations go into the setup message."""
        return self.tools.register(fn, description=description, parameters=parameters)

    def config(self):
        """The ``LiveConnectConfig`` this client sends (audio out, both transcriptions, tools)."""
        from google.genai import types

        cfg: dict[str, Any] = {"response_modalities": ["AUDIO"],
                               "speech_config": {"voice_config": {"prebuilt_voice_config": {"voice_name": self.voice}}}}
        if self.transcriptions:
            cfg["input_audio_transcription"] = {}
            cfg["output_audio_transcription"] = {}
        if self.instructions:
            cfg["system_instruction"] = self.instructions
        if self.tools:
            cfg["tools"] = [{"function_declarations": self.tools.gemini_declarations()}]
        return types.LiveConnectConfig(**cfg)

    async def connect(self) -> "GeminiLiveClient":
        """Price the session, connect (setup -> setupComplete), open the microphone."""
        from google import genai

        from ..costs import estimate_gemini_live

        opts = self.http_options
        url = opts.get("base_url") if isinstance(opts, dict) else getattr(opts, "base_url", None)
        r = route("google", "live", url=url, speed=self.speed)     # replay needs a local server
        self.speed = r.speed                                        # live: real time
        estimate = estimate_gemini_live(self.model, self.max_minutes)
        self.budget = get_config().ledger.session("google", self.model,
                                                  f"Gemini Live session (up to {self.max_minutes:g} min)",
                                                  estimate.total_usd)   # may refuse: nothing opened yet
        self._stack = contextlib.AsyncExitStack()
        async with self._opening("setupComplete"):
            client = genai.Client(api_key=r.api_key, http_options=self.http_options)
            self.trace.sent({"type": "setup"})
            self._session = await asyncio.wait_for(
                self._stack.enter_async_context(client.aio.live.connect(model=self.model, config=self.config())),
                self.timeout)
            self.trace.received({"type": "setupComplete"})
        if r.record or self.record_as:
            from .recording import GeminiRecorder
            self._recorder = GeminiRecorder(self.model, self.instructions, self.tools.gemini_declarations())
        self._receiver = asyncio.ensure_future(self._receive())
        self._open_mic(self._send_audio)
        return self

    async def _abort(self) -> None:
        if self._stack is not None:
            with contextlib.suppress(Exception):
                await self._stack.aclose()

    async def close(self) -> None:
        """End the audio stream, close the connection, settle the cost from the turns' usage."""
        from ..costs import CostBreakdown, sum_costs

        if self._stack is None:
            return
        await self._stop_mic()
        with contextlib.suppress(Exception):
            await self._session.send_realtime_input(audio_stream_end=True)
            self.trace.sent({"type": "realtimeInput.audioStreamEnd"})
        await self._stop_receiver()
        await self._abort()
        self._stack = None
        self.closed_reason = self.closed_reason or "closed by the client"
        self.cost = sum_costs(f"{self.model} session, {len(self.turn_costs)} turns", self.turn_costs) \
            if self.turn_costs else CostBreakdown(f"{self.model} session (no usage reported)")
        if self.budget is not None:
            self.budget.settle(self.cost.total_usd, turns=len(self.turn_costs))
        if self._recorder is not None:
            self._save_recording(self._recorder)

    # -- sending --------------------------------------------------------------------------------------
    async def _send_audio(self, pcm24: bytes) -> None:
        from google.genai import types

        pcm = from_pcm24(pcm24, INPUT_RATE)
        await self._session.send_realtime_input(audio=types.Blob(data=pcm, mime_type=f"audio/pcm;rate={INPUT_RATE}"))
        self.trace.sent({"type": "realtimeInput.audio"})

    def _utterance_start(self) -> None:
        self._last_start = asyncio.get_running_loop().time()
        r = self._reply
        if r is not None and not r.interrupted and (self.sink.is_playing or not r.complete):
            self.trace.local("user.barge_in", response_id=r.id)
        self.trace.local("user.audio_start")

    def _said(self, pcm: bytes) -> None:
        if self._recorder is not None:
            self._recorder.said(pcm)

    async def wait_for_reply(self, timeout: float = 30.0) -> VoiceReply:
        """Wait for the model's turn after the last utterance to complete (and finish playing)."""
        def ready() -> VoiceReply | None:
            r = self._reply
            done = (r is not None and r.complete and self._reply_started >= self._last_start
                    and not self._mic_busy() and not self.sink.is_playing)
            return r if done else None

        return await self._wait_until(
            ready, timeout, lambda: f"The session closed ({self.closed_reason}) before the turn completed.",
            lambda: f"No completed turn within {timeout:g} s (turns so far: {len(self.replies)}).")

    # -- receiving ------------------------------------------------------------------------------------
    _reply_started = 0.0

    def _transport_closed(self) -> bool:
        ws = getattr(self._session, "_ws", None)
        return ws is None or getattr(ws, "close_code", None) is not None

    async def _receive(self) -> None:
        """The receive loop: a message the SDK cannot read, or a handler that raises, is reported once and
        skipped; only the transport closing ends the loop."""
        try:
            while True:
                try:
                    async for message in self._session.receive():
                        await self._handle(message)
                        self._activity.set()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # errors.APIError carries the close code and reason
                    if self._transport_closed():
                        self.closed_reason = f"{type(exc).__name__}: {exc}"[:200]
                        return
                    # a message the SDK could not read, or a handler that raised: skip it, read on
                    self._problem(("message", type(exc).__name__),
                                  f"a server message was skipped ({type(exc).__name__}: {exc})")
        finally:
            self._closed.set()
            self._activity.set()

    def _current(self) -> VoiceReply:
        if self._reply is None or self._reply.complete:
            self._reply = VoiceReply(f"turn_{len(self.replies) + 1}", len(self.replies) + 1,
                                     user_text="".join(self._user_words).strip())
            self._user_words.clear()
            self.replies.append(self._reply)
            self._reply_started = asyncio.get_running_loop().time()
        return self._reply

    async def _handle(self, msg) -> None:
        from ..costs import cost_from_gemini_usage

        sc = msg.server_content
        recorded = bytearray()
        if sc is not None:
            if sc.input_transcription is not None and sc.input_transcription.text:
                self._user_words.append(sc.input_transcription.text)
                self.trace.received({"type": "gemini.input_transcription"})
            if sc.model_turn is not None:
                r = self._current()
                for part in sc.model_turn.parts or []:
                    blob = part.inline_data
                    if blob is not None and blob.data:
                        m = re.search(r"rate=(\d+)", blob.mime_type or "")
                        pcm24 = to_pcm24(blob.data, int(m.group(1)) if m else SAMPLE_RATE)
                        r.add_audio(pcm24)
                        recorded.extend(pcm24)
                        if not r.interrupted:
                            self.sink.write(r.id, pcm24)
                        self.trace.received({"type": "gemini.model_turn.audio"}).response_id = r.id
                    elif part.text:
                        r.text += part.text
            if sc.output_transcription is not None and sc.output_transcription.text:
                r = self._current()
                r.transcript = (r.transcript + sc.output_transcription.text).lstrip()
                self.trace.received({"type": "gemini.output_transcription"}).response_id = r.id
            if sc.interrupted:
                r = self._reply
                self.trace.received({"type": "gemini.interrupted"})
                if r is not None:
                    r.interrupted = True
                cut = self.sink.stop()        # flush what was buffered: the user is talking
                self.trace.local("playback.stopped", cut=cut)
            if sc.generation_complete:
                self.trace.received({"type": "gemini.generation_complete"})
            if sc.turn_complete:
                self.trace.received({"type": "gemini.turn_complete"})
                if self._reply is not None:
                    self._reply.complete, self._reply.status = True, "completed"
        if self._recorder is not None:
            self._recorder.received(msg, bytes(recorded))
        if msg.usage_metadata is not None:
            self.usage.append(msg.usage_metadata)
            self.turn_costs.append(cost_from_gemini_usage(msg.usage_metadata, self.model))
        if msg.tool_call is not None:
            await self._run_tools(msg.tool_call)
        if msg.tool_call_cancellation is not None:
            self.trace.received({"type": "gemini.tool_call_cancellation"})
        if msg.go_away is not None:
            self.go_away = msg.go_away.time_left
            warnings.warn(f"Gemini Live will close this connection in {msg.go_away.time_left}; reconnect "
                          f"(session resumption) to go on.", stacklevel=2)

    async def _run_tools(self, tool_call) -> None:
        from google.genai import types

        self.trace.received({"type": "gemini.tool_call"})
        responses = []
        for fc in tool_call.function_calls or []:
            call = await self.tools.call(fc.name or "", dict(fc.args or {}), fc.id)   # never raises
            self.trace.local("tool.ran", name=fc.name)
            if self._reply is not None:
                self._reply.tool_calls.append(call)
            if not fc.id:
                self.tools.report(f"The tool call {fc.name!r} arrived without an id, so no response can be sent "
                                  f"for it (the SDK requires one); the model will not get its result.", (fc.name, "no id"))
                continue
            response = call.output if call.error is not None else {"result": call.result}
            responses.append(types.FunctionResponse(id=fc.id, name=fc.name, response=response))
        if responses:
            await self._session.send_tool_response(function_responses=responses)
            self.trace.sent({"type": "toolResponse"})

    # -- results --------------------------------------------------------------------------------------
    def transcript(self) -> list[tuple[str, str]]:
        """``(speaker, text)`` per turn: what the user said before each model turn, then the model."""
        out = []
        for r in self.replies:
            if r.user_text:
                out.append(("user", r.user_text))
            if r.said:
                out.append(("assistant", r.said))
        if self._user_words:
            out.append(("user", "".join(self._user_words).strip()))
        return out

    def __repr__(self) -> str:
        state = "closed" if self._stack is None else "open"
        return f"GeminiLiveClient({self.model!r}, {state}, turns={len(self.replies)})"

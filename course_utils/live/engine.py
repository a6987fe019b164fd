"""The turn-taking "model" behind both Live stand-ins: it decides turns from the audio it receives.

This is what makes the Live APIs different from Realtime: the client sets no VAD and sends no
commit, cancel or truncate. The server listens to the audio stream itself (here: the shared
:class:`~course_utils.voice.vad.EnergyVAD`), decides when the user has finished, thinks for the
reply's ``think_ms``, speaks the next reply of the fixture conversation, and goes quiet when the
user talks over it. Protocol layers (OpenAI Live in ``server.py``, Gemini Live in
``gemini_server.py``) subclass :class:`TurnEngine` and turn its hooks into their wire events.

Time has two clocks:

* the **session timeline** (ms): how much input audio has arrived. A Live session's timeline
  advances with its audio, so a client keeps its microphone open (silence included);
* the **wall clock** scaled by ``speed``: replies are paced at ``speed`` x real time (tests use 5-20x).

Replies are streamed in ``chunk_ms`` pieces. ``generation_rate`` > 1 sends audio faster than real
time (Gemini generates "as quickly as possible"; the client buffers and plays); the engine then
tracks the client's virtual playback to know whether the assistant is still audible.
"""
from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass

from ..voice.conversation import Conversation, Utterance, Word
from ..voice.formats import BYTES_PER_MS, SAMPLE_RATE, ms_to_bytes
from ..voice.vad import EnergyVAD, VADEvent


@dataclass
class Reply:
    """One reply being spoken: which utterance, where it sits on the timeline, how far it got."""

    index: int
    utterance: Utterance
    start_ms: float            # timeline position of its first audio
    continuation: bool = False  # the follow-up after a tool result (same turn for Gemini)
    sent_ms: float = 0.0       # audio sent so far (ms of the utterance)
    wall_start: float = 0.0
    interrupted: bool = False
    finished: bool = False


@dataclass(frozen=True)
class EngineSettings:
    """How the stand-in "model" listens and speaks."""

    speed: float = 1.0                 # wall clock: replies paced at speed x real time
    chunk_ms: int = 100                # audio per output chunk
    lead_ms: int = 200                 # how far output may run ahead of real-time playback
    generation_rate: float = 1.0       # > 1: generate faster than real time (client buffers)
    gate_on_timeline: bool = True      # output never runs ahead of the input timeline by more than lead_ms
    vad_threshold: float = 0.5
    vad_prefix_padding_ms: int = 300
    vad_silence_duration_ms: int = 500
    interruptions: bool = True         # user speech over a reply stops it
    tool_call_before_audio: bool = True  # OpenAI delegates first then acknowledges; Gemini speaks then calls


class TurnEngine:
    """Listens (VAD on the timeline), decides turns, speaks replies. Subclasses implement the hooks."""

    def __init__(self, conversation: Conversation, settings: EngineSettings):
        self.conversation = conversation
        self.settings = settings
        s = settings
        self.vad = EnergyVAD(s.vad_threshold, s.vad_prefix_padding_ms, s.vad_silence_duration_ms, SAMPLE_RATE)
        self.timeline_ms = 0.0
        self.muted = False
        self.user_index = 0                 # which scripted user utterance we are hearing
        self.user_active = False
        self._user_anchor = 0.0             # timeline ms where the current utterance's audio starts
        self._user_words_sent = 0
        self.user_speech_ms = 0.0           # total detected speech (for token-billed usage)
        self._speech_started_at: float | None = None
        self.reply_index = 0
        self.reply: Reply | None = None     # the reply being spoken (or played out)
        self._pending: asyncio.Task | None = None   # thinking before a reply
        self._speaker: asyncio.Task | None = None
        self._wake = asyncio.Event()
        self._tool_ids = itertools.count(1)
        self.awaiting_tool: dict[str, Reply] = {}
        self._tasks: set[asyncio.Task] = set()
        self.closed = False

    def configure(self, settings: EngineSettings) -> None:
        """Change the settings (and rebuild the VAD) before any audio has arrived."""
        self.settings = settings
        self.vad = EnergyVAD(settings.vad_threshold, settings.vad_prefix_padding_ms,
                             settings.vad_silence_duration_ms, SAMPLE_RATE)

    # -- hooks for protocol layers -------------------------------------------------------------
    async def on_speech_started(self, event: VADEvent) -> None: ...
    async def on_speech_stopped(self, event: VADEvent) -> None: ...
    async def on_user_words(self, words: list[tuple[str, float, float]]) -> None: ...
    async def on_reply_started(self, reply: Reply) -> None: ...
    async def on_reply_audio(self, reply: Reply, pcm24: bytes, start_ms: float) -> None: ...
    async def on_reply_words(self, reply: Reply, words: list[tuple[str, float, float]]) -> None: ...
    async def on_generation_complete(self, reply: Reply) -> None: ...
    async def on_reply_finished(self, reply: Reply) -> None: ...
    async def on_reply_interrupted(self, reply: Reply) -> None: ...
    async def on_tool_call(self, reply: Reply, call_id: str) -> None: ...
    async def on_timeline(self) -> None: ...

    # -- listening --------------------------------------------------------------------------------
    async def feed(self, pcm24: bytes) -> None:
        """Audio arrived (PCM16 24 kHz): advance the timeline, run the VAD, act on its decisions."""
        if self.closed:
            return
        heard = bytes(len(pcm24)) if self.muted else pcm24
        events = self.vad.feed(heard)
        self.timeline_ms += len(pcm24) / BYTES_PER_MS
        for ev in events:
            if ev.kind == "speech_started":
                await self._speech_started(ev)
            else:
                await self._speech_stopped(ev)
        if self.user_active:
            await self._emit_user_words(final=False)
        self._wake.set()
        await self.on_timeline()

    async def _speech_started(self, ev: VADEvent) -> None:
        self._speech_started_at = ev.audio_ms
        if self.is_audible() and self.settings.interruptions:
            await self.interrupt()
        if self._pending is not None and not self._pending.done():
            self._pending.cancel()      # the user went on talking: same turn, think again later
            self._pending = None
        if not self.user_active:
            self.user_active = True
            self._user_words_sent = 0
            onset = ev.audio_ms + min(self.settings.vad_prefix_padding_ms, ev.detected_ms - ev.audio_ms)
            first = self._user_script()[0][1] if self._user_script() else 0
            self._user_anchor = max(0.0, onset - first)
        await self.on_speech_started(ev)

    async def _speech_stopped(self, ev: VADEvent) -> None:
        if self._speech_started_at is not None:
            self.user_speech_ms += ev.audio_ms - self._speech_started_at
            self._speech_started_at = None
        await self.on_speech_stopped(ev)
        if self.user_active:
            self._pending = self._spawn(self._think_then_reply(ev.audio_ms))

    def _user_script(self) -> tuple[Word, ...]:
        if self.user_index < len(self.conversation.user):
            return self.conversation.user[self.user_index].words
        return ()

    async def _emit_user_words(self, final: bool) -> None:
        words = self._user_script()
        ready = []
        while self._user_words_sent < len(words):
            text, a, b = words[self._user_words_sent]
            if not final and self._user_anchor + b > self.timeline_ms:
                break
            ready.append((_spaced(text, self._user_words_sent > 0), self._user_anchor + a, self._user_anchor + b))
            self._user_words_sent += 1
        if ready:
            await self.on_user_words(ready)

    async def user_text_turn(self) -> None:
        """A complete user turn given as text (no audio): reply at once."""
        self.user_active = True
        self._user_words_sent = len(self._user_script())
        self._pending = self._spawn(self._think_then_reply(self.timeline_ms))

    async def _think_then_reply(self, stopped_ms: float) -> None:
        if self.reply_index >= len(self.conversation.assistant):
            await self._end_user_turn()
            return
        utt = self.conversation.assistant[self.reply_index]
        if not await self._wait(self._now() + utt.think_ms / 1000 / self.settings.speed,
                                stopped_ms + utt.think_ms if self.settings.gate_on_timeline else None,
                                interruptible=False):
            return
        await self._end_user_turn()
        self.reply_index += 1
        self._start_reply(Reply(self.reply_index, utt, self.timeline_ms))

    async def _end_user_turn(self) -> None:
        if self.user_active:
            await self._emit_user_words(final=True)
            self.user_active = False
            self.user_index += 1

    # -- speaking ---------------------------------------------------------------------------------
    def _start_reply(self, reply: Reply) -> None:
        self.reply = reply
        self._speaker = self._spawn(self._speak(reply))

    async def _speak(self, reply: Reply) -> None:
        s, utt = self.settings, reply.utterance
        reply.wall_start = self._now()
        await self.on_reply_started(reply)
        call_id = None
        if utt.tool is not None and s.tool_call_before_audio:
            call_id = await self._call_tool(reply)
        chunk_bytes = ms_to_bytes(s.chunk_ms)
        rate = s.speed * s.generation_rate
        words_done = 0
        for i, offset in enumerate(range(0, len(utt.pcm), chunk_bytes)):
            at_ms = i * s.chunk_ms
            ahead = s.lead_ms if s.generation_rate <= 1 else 0
            ok = await self._wait(reply.wall_start + max(0.0, at_ms - ahead) / 1000 / rate,
                                  reply.start_ms + at_ms - s.lead_ms if s.gate_on_timeline else None)
            if not ok or reply.interrupted:
                return
            pcm = utt.pcm[offset:offset + chunk_bytes]
            await self.on_reply_audio(reply, pcm, reply.start_ms + at_ms)
            reply.sent_ms = at_ms + len(pcm) / BYTES_PER_MS
            spoken = []
            while words_done < len(utt.words) and utt.words[words_done][2] <= reply.sent_ms + 1:
                spoken.append(self._reply_word(reply, words_done))
                words_done += 1
            if spoken:
                await self.on_reply_words(reply, spoken)
        if words_done < len(utt.words):
            await self.on_reply_words(reply, [self._reply_word(reply, i) for i in range(words_done, len(utt.words))])
        await self.on_generation_complete(reply)
        if utt.tool is not None and not s.tool_call_before_audio:
            call_id = await self._call_tool(reply)
        # wait until the client has played it all (real time), still interruptible
        if not await self._wait(reply.wall_start + utt.duration_ms / 1000 / s.speed, None):
            return
        reply.finished = True
        if call_id is None or s.tool_call_before_audio:
            await self.on_reply_finished(reply)

    @staticmethod
    def _reply_word(reply: Reply, i: int) -> tuple[str, float, float]:
        text, a, b = reply.utterance.words[i]
        return _spaced(text, i > 0 or reply.continuation), reply.start_ms + a, reply.start_ms + b

    async def _call_tool(self, reply: Reply) -> str:
        call_id = f"call_{next(self._tool_ids)}"
        self.awaiting_tool[call_id] = reply
        await self.on_tool_call(reply, call_id)
        return call_id

    def tool_result(self, call_id: str) -> bool:
        """The application answered a tool call: speak the reply's follow-up (in the background, so
        the connection keeps reading audio meanwhile). False if the call id is unknown."""
        reply = self.awaiting_tool.pop(call_id, None)
        if reply is None or reply.utterance.tool is None:
            return False
        self._spawn(self._follow_up(reply))
        return True

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _follow_up(self, reply: Reply) -> None:
        then = reply.utterance.tool.then
        if self._speaker is not None and not self._speaker.done() and not reply.interrupted:
            try:  # let the acknowledgement finish first
                await asyncio.wait_for(asyncio.shield(self._speaker), timeout=60)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                pass
        if self.closed:
            return
        if not await self._wait(self._now() + then.think_ms / 1000 / self.settings.speed,
                                self.timeline_ms + then.think_ms if self.settings.gate_on_timeline else None,
                                interruptible=False):
            return
        self._start_reply(Reply(reply.index, then, self.timeline_ms, continuation=True))

    def is_audible(self) -> bool:
        """Is the assistant speaking (or is its audio still playing on the client)?"""
        r = self.reply
        if r is None or r.interrupted or r.finished:
            return False
        return True

    async def interrupt(self) -> None:
        """User speech over the reply: stop sending at once."""
        r = self.reply
        if r is None or r.interrupted or r.finished:
            return
        r.interrupted = True
        self._wake.set()
        await self.on_reply_interrupted(r)

    # -- waiting ----------------------------------------------------------------------------------
    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()

    async def _wait(self, wall_deadline: float, timeline_target: float | None, interruptible: bool = True) -> bool:
        """Sleep until the wall clock and the timeline reach their marks; False if interrupted/closed."""
        while True:
            if self.closed or (interruptible and self.reply is not None and self.reply.interrupted):
                return False
            now = self._now()
            if now >= wall_deadline and (timeline_target is None or self.timeline_ms >= timeline_target):
                return True
            self._wake.clear()
            timeout = wall_deadline - now if now < wall_deadline else None
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    async def shutdown(self) -> None:
        """Stop every task (the session is closing)."""
        self.closed = True
        self._wake.set()
        for task in (self._pending, self._speaker, *self._tasks):
            if task is not None and not task.done():
                task.cancel()
                try:
                    await task
                except (asyncio.CancelledError, Exception):
                    pass


def _spaced(text: str, follows: bool) -> str:
    """Transcript pieces are appended as they come: a word after another starts with a space."""
    return " " + text if follows else text

"""An always-open, scripted microphone: recorded utterances when queued, silence otherwise, paced.

The microphone of the clients that keep a session's input open (OpenAI Live, Gemini Live, translation;
see :mod:`.session`), not the browser's: that one is :class:`course_utils.widgets.Microphone`. Live
sessions are full duplex and their timeline advances with the input audio, so a client keeps
streaming, silence included, for as long as the session runs: a client that stops sending after
the user's sentence freezes the session (the reply stalls). :class:`ScriptedMicrophone` does what a real
microphone does: every ``chunk_ms`` it sends the next piece of audio, paced at ``speed`` x real
time; ``say(pcm)`` queues an utterance and resolves when its last chunk has gone out.
"""
from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from .formats import SAMPLE_RATE, duration_ms

Send = Callable[[bytes], Awaitable[None]]


class ScriptedMicrophone:
    """``mic = ScriptedMicrophone(send, speed=4); mic.start(); await mic.say(pcm); await mic.stop()``."""

    def __init__(self, send: Send, *, chunk_ms: int = 50, speed: float = 1.0, sample_rate: int = SAMPLE_RATE,
                 on_start: Callable[[], None] | None = None, on_end: Callable[[], None] | None = None,
                 on_speech_end: Callable[[], None] | None = None):
        self._send = send
        self.chunk_ms, self.speed, self.sample_rate = chunk_ms, float(speed), sample_rate
        self.chunk_bytes = int(sample_rate * chunk_ms / 1000) * 2
        self._queue: deque[tuple[bytes, asyncio.Future, int | None]] = deque()
        self._current: tuple[memoryview, asyncio.Future] | None = None
        self._offset = 0
        self._speech_end: int | None = None  # byte offset in the current utterance where speech ends
        self._task: asyncio.Task | None = None
        self.on_start, self.on_end, self.on_speech_end = on_start, on_end, on_speech_end
        self.sent_ms = 0.0          # everything sent (the session timeline as we fed it)
        self.speech_ms = 0.0        # of which utterances
        self.error: BaseException | None = None

    @property
    def speaking(self) -> bool:
        return self._current is not None or bool(self._queue)

    def start(self) -> "ScriptedMicrophone":
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())
        return self

    def say(self, pcm: bytes, speech_end_ms: float | None = None) -> asyncio.Future:
        """Queue an utterance (PCM16 at the mic's rate); the future resolves once it is all sent.

        ``speech_end_ms``: where the speech in it ends (``on_speech_end`` fires when that is sent);
        by default :func:`find_speech_end_ms` finds it with the shared energy VAD.
        """
        fut = asyncio.get_running_loop().create_future()
        end = speech_end_ms if speech_end_ms is not None else find_speech_end_ms(pcm, self.sample_rate)
        self._queue.append((bytes(pcm), fut, None if end is None else int(end * self.sample_rate / 1000) * 2))
        return fut

    def _next_chunk(self) -> bytes:
        if self._current is None and self._queue:
            pcm, fut, self._speech_end = self._queue.popleft()
            self._current, self._offset = (memoryview(pcm), fut), 0
            if self.on_start:
                self.on_start()
        if self._current is None:
            return bytes(self.chunk_bytes)
        view, fut = self._current
        chunk = bytes(view[self._offset:self._offset + self.chunk_bytes])
        self._offset += len(chunk)
        if self._speech_end is not None and self._offset >= self._speech_end:
            self._speech_end = None
            if self.on_speech_end:
                self.on_speech_end()
        self.speech_ms += duration_ms(chunk, self.sample_rate)
        if self._offset >= len(view):
            self._current = None
            if self.on_end:
                self.on_end()
            if not fut.done():
                fut.set_result(None)
        return chunk

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        t0, n = loop.time(), 0
        try:
            while True:
                chunk = self._next_chunk()
                await self._send(chunk)
                self.sent_ms += duration_ms(chunk, self.sample_rate)
                n += 1
                delay = t0 + n * self.chunk_ms / 1000 / self.speed - loop.time()
                await asyncio.sleep(max(0.0, delay))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # the connection went away: fail pending utterances, stop quietly
            self.error = exc
            for fut in self._futures():
                if not fut.done():
                    fut.set_exception(exc)

    def _futures(self) -> list[asyncio.Future]:
        return ([self._current[1]] if self._current else []) + [fut for _, fut, _ in self._queue]

    async def stop(self) -> None:
        """Close the microphone (pending utterances are dropped)."""
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
            self._task = None
        for fut in self._futures():
            if not fut.done():
                fut.cancel()
        self._queue.clear()
        self._current = None


def find_speech_end_ms(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float | None:
    """Where the last speech in a clip ends (ms), found with the shared energy VAD; None if silent.

    A client knows its own audio: this is the moment a user stops talking and starts waiting,
    the anchor of the latency figures.
    """
    from .vad import EnergyVAD

    vad = EnergyVAD(prefix_padding_ms=0, silence_duration_ms=100, sample_rate=sample_rate)
    events = vad.feed(bytes(pcm)) + vad.feed(bytes(int(sample_rate * 0.2) * 2))  # flush with silence
    stops = [e.audio_ms - vad.silence_duration_ms for e in events if e.kind == "speech_stopped"]
    return float(stops[-1]) if stops else None

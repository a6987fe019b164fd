"""The shell shared by the voice clients that keep a microphone open over an official SDK: OpenAI Live
(``LiveClient``), Gemini Live (``GeminiLiveClient``) and translation (``TranslationClient``).

What is the same in the three, in one place: ``async with`` = :meth:`connect` / :meth:`close`; the
connect wrapped so that a failure cancels the ledger reservation and leaves no connection open (a
timeout becomes one clear :class:`OperationTimeout`); the handshake check of the first events
(:func:`expect_event`); speaking into the microphone with a bounded wait (:meth:`say`) and letting
session time pass (:meth:`pause`); waiting for a condition with a timeout, woken by every received
event (:meth:`_wait_until`); reporting one kind of bad received event once (:meth:`_problem`); stopping
the microphone and the receive loop; saving a recording, keys scrubbed.

A client sets ``label`` (the prefix of its warnings) and provides ``connect`` and ``close`` (and
``_abort`` if its connection is not an SDK connection ``_conn``); it keeps ``_mic`` (opened with
:meth:`_open_mic`), ``_receiver`` (the receive task), ``budget`` (a
:class:`~course_utils.ledger.SessionBudget`), ``trace``, ``speed``, ``chunk_ms`` and ``timeout``.
"""
from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

from ..config import get_config
from ..errors import CourseError, OperationTimeout, ProtocolError, ServerErrorEvent
from .audio import load_audio
from .formats import duration_ms
from .mic import ScriptedMicrophone


def expect_event(event, expected: str, after: str) -> None:
    """Handshake: ``event`` must be ``expected`` (a server ``error`` is a refusal, anything else a protocol error)."""
    etype = getattr(event, "type", None)
    if etype == "error":
        raise ServerErrorEvent(f"{after} was refused: {event.error.message}", code=event.error.code,
                               event_id=getattr(event, "event_id", None))
    if etype != expected:
        raise ProtocolError(f"Expected {expected} after {after}, got {etype}.")


def check_speed(speed: float) -> float:
    if speed <= 0:
        raise CourseError(f"speed must be positive (got {speed}); 1.0 is real time.")
    return float(speed)


class MicSession:
    """Base of the microphone-streaming SDK clients (see the module docstring)."""

    label = "voice"
    _mic: Any = None
    _receiver: "asyncio.Task | None" = None
    _conn: Any = None
    budget = None

    def _init_shell(self) -> None:
        self.receive_problems: list[str] = []   # each kind of bad received event, reported once
        self._problem_keys: set = set()
        self._closed = asyncio.Event()
        self._activity = asyncio.Event()

    async def __aenter__(self):
        return await self.connect()

    async def __aexit__(self, exc_type, exc, tb) -> None:
        await self.close()

    async def _abort(self) -> None:
        """Drop the connection (``_conn``, an SDK connection) without raising."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()

    # -- opening ------------------------------------------------------------------------------------
    @contextlib.asynccontextmanager
    async def _opening(self, what: str) -> AsyncIterator[None]:
        """Wrap the connect and handshake: on any failure the reservation is cancelled and the connection
        dropped; a timeout says what did not come (``what``)."""
        try:
            with self.budget.connecting():
                yield
        except OperationTimeout:
            await self._abort()
            raise
        except (asyncio.TimeoutError, TimeoutError):
            await self._abort()
            raise OperationTimeout(f"No {what} within {self.timeout:g} s; check the URL and key.") from None
        except BaseException:
            await self._abort()
            raise

    def _open_mic(self, send: Callable, *, turns: bool = True) -> None:
        """Open the always-on microphone (a :class:`~course_utils.voice.mic.ScriptedMicrophone`) sending
        through ``send``; with ``turns``, the user's utterances are traced (and ``_utterance_start`` called)."""
        events = {}
        if turns:
            events = {"on_start": self._utterance_start, "on_end": lambda: self.trace.local("user.audio_end"),
                      "on_speech_end": lambda: self.trace.local("user.speech_end")}
        self._mic = ScriptedMicrophone(send, chunk_ms=self.chunk_ms, speed=self.speed, **events).start()

    def _utterance_start(self) -> None:
        """Hook: the user starts an utterance (a client notes a barge-in here)."""
        self.trace.local("user.audio_start")

    # -- speaking -----------------------------------------------------------------------------------
    async def say(self, audio, *, wait: bool = True, sample_rate: int | None = None) -> None:
        """Speak into the session: a WAV/FLAC path or bytes, PCM16 bytes, or a numpy array (any rate with
        ``sample_rate``). With ``wait`` (default) return once the last chunk has been sent."""
        if self._mic is None:
            raise CourseError(f"The session is not open (or its microphone was handed to listen()): use "
                              f"'async with {type(self).__name__}(...)' or 'await client.connect()'.")
        pcm = load_audio(audio, sample_rate).astype("<i2").tobytes()
        self._said(pcm)
        fut = self._mic.say(pcm)
        if wait:
            limit = duration_ms(pcm) / 1000 / self.speed + self.timeout
            try:
                await asyncio.wait_for(asyncio.shield(fut), limit)
            except asyncio.TimeoutError:
                raise OperationTimeout(f"The audio was not sent within {limit:.0f} s.") from None

    def _said(self, pcm: bytes) -> None:
        """Hook: the PCM16 24 kHz audio about to be spoken (a recorder keeps it)."""

    async def pause(self, ms: float) -> None:
        """Let ``ms`` of session time pass (the microphone keeps sending silence)."""
        await asyncio.sleep(ms / 1000 / self.speed)

    def _mic_busy(self) -> bool:
        return self._mic is not None and self._mic.speaking

    # -- waiting ------------------------------------------------------------------------------------
    async def _wait_until(self, ready: Callable[[], Any], timeout: float, closed: Callable[[], str],
                          late: Callable[[], str]) -> Any:
        """``ready()``'s first value that is not None; woken by every received event (and every 50 ms).
        Raises with ``closed()`` if the session ends first, :class:`OperationTimeout` with ``late()``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            got = ready()
            if got is not None:
                return got
            if self._closed.is_set():
                raise CourseError(closed())
            if loop.time() > deadline:
                raise OperationTimeout(late())
            self._activity.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._activity.wait(), min(0.05, max(0.001, deadline - loop.time())))

    # -- receiving ----------------------------------------------------------------------------------
    def _problem(self, key, line: str) -> None:
        """Report one kind of bad received event once (a warning and ``receive_problems``), keys scrubbed."""
        if key in self._problem_keys:
            return
        self._problem_keys.add(key)
        from ..secrets import scrub

        line = scrub(line, get_config().secrets())[:300] + " (the session goes on; reported once)"
        self.receive_problems.append(line)
        self.trace.local("receive.problem", what=line[:200])
        warnings.warn(f"{self.label}: {line}", stacklevel=3)

    # -- closing ------------------------------------------------------------------------------------
    async def _stop_mic(self) -> None:
        if self._mic is not None:
            await self._mic.stop()

    async def _stop_receiver(self) -> None:
        if self._receiver is not None:
            self._receiver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._receiver

    def _save_recording(self, recorder) -> None:
        """Save what ``recorder`` kept (record mode), every configured key scrubbed."""
        name = self.record_as or f"recorded_{self.model.replace('.', '_')}"
        self.recording_path = recorder.save(name, get_config().secrets(), root=self.record_root)

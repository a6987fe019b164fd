"""Playback sinks that know how much of each assistant item was actually heard.

Barge-in needs one number: how many milliseconds of the assistant's audio item reached the user's
ears before they interrupted. That number goes into ``conversation.item.truncate`` (``audio_end_ms``)
so the model's memory matches what the user heard. Every sink here keeps a *play clock*:

* :class:`VirtualClockSink` - plays nothing; audio "plays" as a clock advances (``speed`` times real
  time, or a :class:`ManualClock` you advance by hand). For tests and benchmarks.
* :class:`InlinePlayerSink` - the same clock at real time, and it keeps the audio that was "played"
  so a notebook can show it as an inline player afterwards (a notebook cannot stream to speakers).
* :class:`SpeakerSink` - real speakers through ``sounddevice`` (local scripts); its clock is the
  number of frames the sound card has consumed.

All share the :class:`PlaybackSink` protocol: ``write(item_id, pcm)``, ``played_ms(item_id)``,
``stop()`` (flush at once; returns ``{item_id: played_ms}`` of what was cut), ``is_playing``.
After ``stop()``, further writes for the items it cut are dropped (their deltas may still be in flight).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ..errors import CourseError
from .audio import audio_widget
from .formats import SAMPLE_RATE, bytes_per_ms, duration_ms


@runtime_checkable
class PlaybackSink(Protocol):
    """What the Realtime/Live clients need from an audio output."""

    def write(self, item_id: str, pcm: bytes) -> None: ...
    def played_ms(self, item_id: str) -> int: ...
    def stop(self) -> dict[str, int]: ...
    @property
    def is_playing(self) -> bool: ...


class ManualClock:
    """A clock for tests: ``clock()`` returns the time, ``clock.advance(seconds)`` moves it."""

    def __init__(self, start: float = 0.0):
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += float(seconds)


@dataclass
class _Segment:
    item_id: str
    pcm: bytes
    start: float      # clock time when this segment starts playing
    dur_s: float      # clock seconds it takes (audio duration / speed)

    def played_fraction(self, now: float) -> float:
        if self.dur_s <= 0:
            return 1.0
        return min(1.0, max(0.0, (now - self.start) / self.dur_s))


class VirtualClockSink:
    """A sink whose audio plays as a clock advances (``speed`` x real time).

    Writes queue audio behind what is already queued; if the queue ran dry, playback restarts at the
    time of the write (an underrun, as a real device would have).
    """

    def __init__(self, speed: float = 1.0, clock: Callable[[], float] | None = None,
                 sample_rate: int = SAMPLE_RATE):
        if speed <= 0:
            raise CourseError(f"Playback speed must be positive (got {speed}).")
        self.speed = float(speed)
        self.clock = clock or time.monotonic
        self.sample_rate = sample_rate
        self._segments: list[_Segment] = []
        self._cut: set[str] = set()
        self._lock = threading.Lock()

    # -- the protocol ------------------------------------------------------------------------
    def write(self, item_id: str, pcm: bytes) -> None:
        """Queue audio for ``item_id`` (dropped if ``stop()`` already cut that item)."""
        if not pcm or item_id in self._cut:
            return
        now = self.clock()
        with self._lock:
            end = self._segments[-1].start + self._segments[-1].dur_s if self._segments else now
            seg = _Segment(item_id, bytes(pcm), max(now, end),
                           duration_ms(pcm, self.sample_rate) / 1000.0 / self.speed)
            self._segments.append(seg)

    def played_ms(self, item_id: str) -> int:
        """Milliseconds of ``item_id``'s audio played so far (by this sink's clock)."""
        now = self.clock()
        with self._lock:
            total = sum(duration_ms(s.pcm, self.sample_rate) * s.played_fraction(now)
                        for s in self._segments if s.item_id == item_id)
        return int(total)

    def queued_ms(self, item_id: str) -> int:
        """Milliseconds of ``item_id``'s audio received (played or waiting)."""
        with self._lock:
            return int(sum(duration_ms(s.pcm, self.sample_rate) for s in self._segments if s.item_id == item_id))

    def stop(self) -> dict[str, int]:
        """Stop at once: drop everything not yet played; return ``{item_id: played_ms}`` of cut items."""
        now = self.clock()
        cut: dict[str, int] = {}
        with self._lock:
            kept: list[_Segment] = []
            for s in self._segments:
                frac = s.played_fraction(now)
                if frac < 1.0:
                    cut.setdefault(s.item_id, 0)
                    n_bytes = int(len(s.pcm) * frac) // 2 * 2
                    if n_bytes:
                        kept.append(_Segment(s.item_id, s.pcm[:n_bytes], s.start, (now - s.start)))
                else:
                    kept.append(s)
            self._segments = kept
            for item in cut:
                cut[item] = int(sum(duration_ms(s.pcm, self.sample_rate) for s in kept if s.item_id == item))
            self._cut.update(cut)
        self._on_stop(cut)
        return cut

    @property
    def is_playing(self) -> bool:
        now = self.clock()
        with self._lock:
            return bool(self._segments) and now < self._segments[-1].start + self._segments[-1].dur_s

    # -- extras ---------------------------------------------------------------------------------
    def remaining_s(self) -> float:
        """Clock seconds until everything queued has played."""
        now = self.clock()
        with self._lock:
            return max(0.0, self._segments[-1].start + self._segments[-1].dur_s - now) if self._segments else 0.0

    def items(self) -> list[str]:
        """Item ids in the order their audio was first written."""
        with self._lock:
            return list(dict.fromkeys(s.item_id for s in self._segments))

    def played_pcm(self, item_id: str | None = None) -> bytes:
        """The audio played so far (of one item, or of all in order)."""
        now = self.clock()
        with self._lock:
            out = []
            for s in self._segments:
                if item_id is None or s.item_id == item_id:
                    out.append(s.pcm[: int(len(s.pcm) * s.played_fraction(now)) // 2 * 2])
        return b"".join(out)

    def _on_stop(self, cut: dict[str, int]) -> None:  # hook for subclasses
        pass

    def __repr__(self) -> str:
        return f"{type(self).__name__}(speed={self.speed}, items={len(self.items())}, playing={self.is_playing})"


class InlinePlayerSink(VirtualClockSink):
    """For notebooks: the play clock runs at real time x ``speed`` while the audio is collected;
    ``audio()`` (or displaying the sink) gives an inline player of exactly what was "heard"."""

    def audio(self, item_id: str | None = None):
        """An ``IPython.display.Audio`` of the played audio (all items, or one)."""
        return audio_widget(self.played_pcm(item_id), self.sample_rate)

    def _repr_html_(self) -> str:
        return self.audio()._repr_html_()


class SpeakerSink:
    """Real speakers via ``sounddevice`` (install it and PortAudio); for local scripts, not notebooks.

    The play clock counts the frames the sound card has consumed for each item.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, blocksize: int = 480, device=None):
        try:
            import sounddevice as sd  # type: ignore
        except Exception as exc:  # ImportError, or OSError when PortAudio is missing
            raise CourseError(
                f"SpeakerSink needs sounddevice ({type(exc).__name__}): pip install sounddevice "
                f"(and apt install libportaudio2), or use InlinePlayerSink in a notebook."
            ) from None
        self.sample_rate = sample_rate
        self._queue: list[list] = []   # [item_id, pcm, offset]
        self._played: dict[str, int] = {}  # bytes consumed per item
        self._cut: set[str] = set()
        self._lock = threading.Lock()
        self._stream = sd.RawOutputStream(samplerate=sample_rate, channels=1, dtype="int16",
                                          blocksize=blocksize, device=device, callback=self._callback)
        self._stream.start()

    def _callback(self, outdata, frames, _time, _status) -> None:
        need = frames * 2
        out = bytearray()
        with self._lock:
            while need and self._queue:
                item_id, pcm, off = self._queue[0]
                take = min(need, len(pcm) - off)
                out += pcm[off:off + take]
                self._played[item_id] = self._played.get(item_id, 0) + take
                need -= take
                if off + take >= len(pcm):
                    self._queue.pop(0)
                else:
                    self._queue[0][2] = off + take
        outdata[:] = bytes(out) + b"\x00" * (frames * 2 - len(out))

    def write(self, item_id: str, pcm: bytes) -> None:
        if not pcm or item_id in self._cut:
            return
        with self._lock:
            self._queue.append([item_id, bytes(pcm), 0])
            self._played.setdefault(item_id, 0)

    def played_ms(self, item_id: str) -> int:
        with self._lock:
            return int(self._played.get(item_id, 0) / bytes_per_ms(self.sample_rate))

    def stop(self) -> dict[str, int]:
        with self._lock:
            cut = {item_id: 0 for item_id, _pcm, _off in self._queue}
            self._queue.clear()
            for item in cut:
                cut[item] = int(self._played.get(item, 0) / bytes_per_ms(self.sample_rate))
            self._cut.update(cut)
        return cut

    @property
    def is_playing(self) -> bool:
        with self._lock:
            return bool(self._queue)

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()

"""An energy-based voice activity detector with the Realtime API's ``server_vad`` parameters.

The real API's VAD is a model; ours measures loudness in 10 ms frames, which is enough for clean
recorded speech (the fixtures are espeak-ng speech with true silences) and makes its decisions easy
to see on a plot. The parameters mean what the API documents:

* ``threshold`` (0..1, default 0.5): higher needs louder audio. Mapped linearly to a frame-energy
  level from -70 dBFS (0.0) to -20 dBFS (1.0): 0.5 is -45 dBFS.
* ``prefix_padding_ms`` (default 300): ``speech_started.audio_ms`` is the onset minus this padding,
  "the beginning of audio sent to the model" (never before the previous stop, never below 0).
* ``silence_duration_ms`` (default 500): speech stops after this much continuous silence;
  ``speech_stopped.audio_ms`` is the end of the last loud frame *plus* this silence, as the API says.

Positions are milliseconds in the whole stream fed so far (``feed`` may get any chunk sizes).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..errors import AudioFormatError
from .formats import SAMPLE_RATE

FRAME_MS = 10
#: threshold 0.0 -> this level (dBFS) ...
DB_AT_ZERO = -70.0
#: ... threshold 1.0 -> this level.
DB_AT_ONE = -20.0


def threshold_to_db(threshold: float) -> float:
    """The frame energy (dBFS) that counts as speech for an API ``threshold`` in 0..1."""
    return DB_AT_ZERO + (DB_AT_ONE - DB_AT_ZERO) * float(threshold)


def frame_energy_db(pcm: bytes | np.ndarray, sample_rate: int = SAMPLE_RATE, frame_ms: int = FRAME_MS) -> np.ndarray:
    """RMS level (dBFS, floor -120) of each whole ``frame_ms`` frame of PCM16 audio (for plots)."""
    x = np.frombuffer(pcm, dtype="<i2") if isinstance(pcm, (bytes, bytearray, memoryview)) else np.asarray(pcm)
    n = sample_rate * frame_ms // 1000
    frames = x[: len(x) // n * n].astype(np.float64).reshape(-1, n)
    rms = np.sqrt(np.mean(frames * frames, axis=1)) / 32768.0 if len(frames) else np.zeros(0)
    return 20.0 * np.log10(np.maximum(rms, 1e-6))


@dataclass(frozen=True)
class VADEvent:
    """A VAD decision. ``audio_ms``: the position the API reports (``audio_start_ms`` /
    ``audio_end_ms``); ``detected_ms``: how much audio had been fed when the decision was made."""

    kind: Literal["speech_started", "speech_stopped"]
    audio_ms: int
    detected_ms: int = 0


class EnergyVAD:
    """Streaming speech start/stop detection on PCM16 mono audio.

    >>> vad = EnergyVAD(silence_duration_ms=500)
    >>> events = vad.feed(pcm_chunk)   # [] or [VADEvent("speech_started", 1200, 1250)], ...
    """

    def __init__(self, threshold: float = 0.5, prefix_padding_ms: int = 300, silence_duration_ms: int = 500,
                 sample_rate: int = SAMPLE_RATE, min_speech_ms: int = 30):
        if not 0.0 <= float(threshold) <= 1.0:
            raise AudioFormatError(f"VAD threshold must be between 0.0 and 1.0 (got {threshold}).")
        if prefix_padding_ms < 0 or silence_duration_ms < FRAME_MS:
            raise AudioFormatError("prefix_padding_ms must be >= 0 and silence_duration_ms >= 10.")
        self.threshold = float(threshold)
        self.prefix_padding_ms = int(prefix_padding_ms)
        self.silence_duration_ms = int(silence_duration_ms)
        self.sample_rate = int(sample_rate)
        self.min_speech_ms = int(min_speech_ms)
        self._frame_bytes = self.sample_rate * FRAME_MS // 1000 * 2
        self.reset()

    @property
    def threshold_db(self) -> float:
        return threshold_to_db(self.threshold)

    def reset(self) -> None:
        """Forget everything (positions restart at 0)."""
        self._pending = b""
        self._frames = 0            # whole frames processed
        self.in_speech = False
        self._run_start: int | None = None   # first frame of the current loud run (before onset)
        self._last_loud_end = 0     # frame index just after the last loud frame
        self._floor_ms = 0          # speech_started may not reach back before this

    @property
    def position_ms(self) -> int:
        """Milliseconds of audio analysed so far (whole frames)."""
        return self._frames * FRAME_MS

    def feed(self, pcm: bytes) -> list[VADEvent]:
        """Analyse more audio; return the decisions it completes, in order."""
        data = self._pending + bytes(pcm)
        usable = len(data) // self._frame_bytes * self._frame_bytes
        self._pending = data[usable:]
        if not usable:
            return []
        levels = frame_energy_db(data[:usable], self.sample_rate)
        loud = levels >= self.threshold_db
        events: list[VADEvent] = []
        need_frames = max(1, self.min_speech_ms // FRAME_MS)
        silence_frames = max(1, self.silence_duration_ms // FRAME_MS)
        for is_loud in loud:
            i = self._frames
            self._frames += 1
            if not self.in_speech:
                if is_loud:
                    if self._run_start is None:
                        self._run_start = i
                    if self._frames - self._run_start >= need_frames:
                        self.in_speech = True
                        self._last_loud_end = self._frames
                        onset = self._run_start * FRAME_MS
                        start = max(self._floor_ms, onset - self.prefix_padding_ms, 0)
                        events.append(VADEvent("speech_started", int(start), self.position_ms))
                else:
                    self._run_start = None
            else:
                if is_loud:
                    self._last_loud_end = self._frames
                elif self._frames - self._last_loud_end >= silence_frames:
                    self.in_speech = False
                    self._run_start = None
                    end = self._last_loud_end * FRAME_MS + self.silence_duration_ms
                    self._floor_ms = end
                    events.append(VADEvent("speech_stopped", int(end), self.position_ms))
        return events

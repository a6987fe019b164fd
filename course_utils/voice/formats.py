"""Audio formats: the one place that knows bytes per millisecond, PCM16, G.711 and resampling.

The speech APIs take PCM16 (2 bytes a sample, little-endian, mono), by default at 24 kHz: 48 bytes a
millisecond. Telephony uses G.711 (mu-law or A-law: 1 byte a sample at 8 kHz). Every module that turns
bytes into milliseconds, milliseconds into bytes, or one rate or encoding into another imports it from
this module (or from the package ``course_utils.voice``).

>>> bytes_per_ms(), ms_to_bytes(10), duration_ms(bytes(4800))
(48.0, 480, 100.0)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import AudioFormatError

#: The rate the OpenAI Realtime/Live APIs use for PCM16 audio (samples per second).
SAMPLE_RATE = 24000
#: PCM16: two bytes a sample.
SAMPLE_WIDTH = 2
#: The telephony rate of G.711 (mu-law / A-law).
G711_RATE = 8000


# -- bytes <-> milliseconds -----------------------------------------------------------------------
def bytes_per_ms(sample_rate: int = SAMPLE_RATE, sample_width: int = SAMPLE_WIDTH) -> float:
    """How many bytes one millisecond of mono audio takes (48.0 for PCM16 at 24 kHz)."""
    return sample_rate * sample_width / 1000.0


#: Bytes per millisecond of PCM16 at 24 kHz (48.0).
BYTES_PER_MS = bytes_per_ms()


def duration_ms(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float:
    """How long PCM16 mono bytes play, in milliseconds."""
    return len(pcm) / bytes_per_ms(sample_rate)


def ms_to_bytes(ms: float, sample_rate: int = SAMPLE_RATE) -> int:
    """The byte offset of ``ms`` into PCM16 mono audio, rounded down to a whole sample."""
    return int(ms * bytes_per_ms(sample_rate)) // SAMPLE_WIDTH * SAMPLE_WIDTH


def silence(ms: float, rate: int = SAMPLE_RATE) -> bytes:
    """``ms`` of digital silence as PCM16."""
    return np.zeros(int(round(rate * ms / 1000)), dtype="<i2").tobytes()


# -- PCM16 and rates ------------------------------------------------------------------------------
def pcm16_to_array(pcm: bytes) -> np.ndarray:
    """Little-endian PCM16 bytes -> int16 numpy array (a copy, native byte order)."""
    if len(pcm) % 2:
        raise AudioFormatError(f"PCM16 audio has 2 bytes per sample, got an odd length ({len(pcm)} bytes).")
    return np.frombuffer(bytes(pcm), dtype="<i2").astype(np.int16)


def resample(x: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Convert the rate of 1-D audio with a windowed-sinc interpolator (band-limited, no aliasing).

    int16 in -> int16 out; float in -> float32 out. Length becomes ``round(len(x) * dst / src)``.
    """
    if src_rate <= 0 or dst_rate <= 0:
        raise AudioFormatError(f"Sample rates must be positive (got {src_rate} -> {dst_rate}).")
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise AudioFormatError(f"resample takes 1-D audio; downmix first (got shape {arr.shape}).")
    is_int = arr.dtype == np.int16
    f = arr.astype(np.float64) / (32768.0 if is_int else 1.0)
    if src_rate == dst_rate or f.size == 0:
        out = f
    else:
        out = _sinc_resample(f, int(src_rate), int(dst_rate))
    if is_int:
        return np.clip(np.round(out * 32768.0), -32768, 32767).astype(np.int16)
    return out.astype(np.float32)


def _sinc_resample(f: np.ndarray, src: int, dst: int, half_taps: int = 16) -> np.ndarray:
    n_out = int(round(len(f) * dst / src))
    cutoff = min(1.0, dst / src) * 0.95  # fraction of the input Nyquist kept (a little margin)
    width = int(np.ceil(half_taps / cutoff))
    taps = np.arange(-width + 1, width + 1)
    padded = np.concatenate([np.zeros(width), f, np.zeros(width + 1)])
    out = np.empty(n_out)
    step = src / dst
    block = max(1, 262144 // len(taps))
    for start in range(0, n_out, block):
        t = np.arange(start, min(n_out, start + block)) * step
        base = np.floor(t).astype(np.int64)
        idx = base[:, None] + taps[None, :]
        d = t[:, None] - idx
        window = 0.5 + 0.5 * np.cos(np.pi * np.clip(d / (width + 1), -1.0, 1.0))
        h = cutoff * np.sinc(cutoff * d) * window
        out[start:start + len(t)] = np.sum(padded[idx + width] * h, axis=1)
    return out


def resample_pcm(pcm: bytes, src_rate: int, dst_rate: int) -> bytes:
    """PCM16 bytes at ``src_rate`` -> PCM16 bytes at ``dst_rate`` (the same bytes when the rates match)."""
    if src_rate == dst_rate:
        return pcm
    return resample(pcm16_to_array(pcm), src_rate, dst_rate).astype("<i2").tobytes()


def to_pcm24(pcm: bytes, rate: int) -> bytes:
    """PCM16 at ``rate`` -> PCM16 at 24 kHz (for the VAD and the timeline)."""
    return resample_pcm(pcm, rate, SAMPLE_RATE)


def from_pcm24(pcm24: bytes, rate: int) -> bytes:
    """PCM16 at 24 kHz -> PCM16 at ``rate``."""
    return resample_pcm(pcm24, SAMPLE_RATE, rate)


# -- G.711 (telephony): mu-law and A-law, 8 bits per sample -----------------------------------------
_ULAW_SEG_END = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF])
_ALAW_SEG_END = np.array([0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF])


def _as_int32_samples(pcm: bytes | np.ndarray) -> np.ndarray:
    if isinstance(pcm, np.ndarray):
        if pcm.dtype != np.int16:
            raise AudioFormatError(f"G.711 encoding takes int16 samples or PCM16 bytes, not {pcm.dtype}.")
        return pcm.astype(np.int32)
    return pcm16_to_array(pcm).astype(np.int32)


def ulaw_encode(pcm: bytes | np.ndarray) -> bytes:
    """PCM16 (bytes or int16 array) -> G.711 mu-law bytes, one byte per sample (ITU-T G.711)."""
    v = _as_int32_samples(pcm) >> 2  # 14-bit magnitude
    mask = np.where(v < 0, 0x7F, 0xFF)
    v = np.minimum(np.abs(v), 8159) + 0x21
    seg = np.searchsorted(_ULAW_SEG_END, v, side="left")
    code = np.where(seg >= 8, 0x7F, (seg << 4) | ((v >> (np.minimum(seg, 7) + 1)) & 0x0F))
    return (code ^ mask).astype(np.uint8).tobytes()


def ulaw_decode(data: bytes) -> bytes:
    """G.711 mu-law bytes -> PCM16 little-endian bytes."""
    u = ~np.frombuffer(bytes(data), dtype=np.uint8).astype(np.int32) & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    out = np.where(u & 0x80, 0x84 - t, t - 0x84)
    return out.astype("<i2").tobytes()


def alaw_encode(pcm: bytes | np.ndarray) -> bytes:
    """PCM16 (bytes or int16 array) -> G.711 A-law bytes, one byte per sample (ITU-T G.711)."""
    v = _as_int32_samples(pcm) >> 3  # 13-bit
    mask = np.where(v >= 0, 0xD5, 0x55)
    v = np.where(v >= 0, v, -v - 1)
    seg = np.searchsorted(_ALAW_SEG_END, v, side="left")
    shift = np.where(seg < 2, 1, np.minimum(seg, 7))
    code = np.where(seg >= 8, 0x7F, (np.minimum(seg, 7) << 4) | ((v >> shift) & 0x0F))
    return (code ^ mask).astype(np.uint8).tobytes()


def alaw_decode(data: bytes) -> bytes:
    """G.711 A-law bytes -> PCM16 little-endian bytes."""
    a = np.frombuffer(bytes(data), dtype=np.uint8).astype(np.int32) ^ 0x55
    t = (a & 0x0F) << 4
    seg = (a & 0x70) >> 4
    t = np.where(seg == 0, t + 8, t + 0x108)
    t = np.where(seg > 1, t << np.maximum(seg - 1, 0), t)
    out = np.where(a & 0x80, t, -t)
    return out.astype("<i2").tobytes()


# -- a session's wire format ------------------------------------------------------------------------
_G711 = {"audio/pcmu": (ulaw_encode, ulaw_decode), "audio/pcma": (alaw_encode, alaw_decode)}
#: The Realtime API's older names for the same formats (``session.input_audio_format``).
_LEGACY = {"pcm16": "audio/pcm", "g711_ulaw": "audio/pcmu", "g711_alaw": "audio/pcma"}


@dataclass(frozen=True)
class AudioFormat:
    """A speech API's wire audio format: its name, rate and bytes per sample.

    ``decode`` turns wire bytes into PCM16 24 kHz (what the VAD hears and the sinks play), ``encode``
    the reverse. Servers and clients of both rooms (Realtime, Live) use this one class. Without a rate,
    PCM16 is 24 kHz and G.711 8 kHz. G.711 is always coded at 8 kHz, one byte a sample (8 bytes a
    millisecond); a different ``rate`` given for it is kept as asked (so a server can refuse it) but does
    not change the coding.
    """

    type: str = "audio/pcm"
    rate: int | None = None

    def __post_init__(self) -> None:
        if self.rate is None:
            object.__setattr__(self, "rate", G711_RATE if self.type in _G711 else SAMPLE_RATE)

    @property
    def bytes_per_ms(self) -> float:
        if self.type in _G711:
            return bytes_per_ms(G711_RATE, 1)
        return bytes_per_ms(self.rate, SAMPLE_WIDTH)

    def describe(self) -> str:
        return {"audio/pcm": f"PCM16 mono at {self.rate} Hz", "audio/pcmu": "G.711 mu-law at 8000 Hz",
                "audio/pcma": "G.711 A-law at 8000 Hz"}[self.type]

    def decode(self, data: bytes) -> bytes:
        """Wire bytes -> PCM16 24 kHz (what the VAD hears)."""
        if self.type in _G711:
            return to_pcm24(_G711[self.type][1](data), G711_RATE)
        return to_pcm24(data, self.rate)

    def encode(self, pcm24: bytes) -> bytes:
        """PCM16 24 kHz -> wire bytes."""
        if self.type in _G711:
            return _G711[self.type][0](from_pcm24(pcm24, G711_RATE))
        return from_pcm24(pcm24, self.rate)

    @classmethod
    def from_config(cls, fmt: "dict | str | None") -> "AudioFormat":
        """From a session's ``audio.format`` (``{"type": "audio/pcm", "rate": 24000}``), or a legacy name
        (``"pcm16"``, ``"g711_ulaw"``, ``"g711_alaw"``); None = the default."""
        if not fmt:
            return cls()
        if isinstance(fmt, str):
            kind = _LEGACY.get(fmt, fmt)
            return cls(kind)
        rate = fmt.get("rate")
        return cls(str(fmt.get("type", "audio/pcm")), None if rate is None else int(rate))

    def as_config(self) -> dict:
        return {"type": self.type, "rate": self.rate}

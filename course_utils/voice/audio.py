"""Audio as the speech APIs take it: PCM16, mono, little-endian, 24 kHz.

Everything here converts *to* that format (from WAV/FLAC files, raw bytes or numpy arrays at any rate
and channel count) or works on it (chunking, durations, base64, G.711 companding for telephony,
an inline player). Anything that cannot be converted raises :class:`AudioFormatError` saying what to do.

>>> pcm = to_pcm16_bytes(load_audio("data/audio/question.flac"))
>>> [len(c) for c in chunk_pcm(pcm, ms=40)][:2]        # 40 ms = 960 samples = 1920 bytes
[1920, 1920]
"""
from __future__ import annotations

import base64
import binascii
import io
import os
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Union

import numpy as np

from ..errors import AudioFormatError

#: The rate the OpenAI Realtime/Live APIs use for PCM16 audio (samples per second).
SAMPLE_RATE = 24000

AudioSource = Union[str, os.PathLike, bytes, bytearray, memoryview, np.ndarray]

_FILE_MAGIC = (b"RIFF", b"fLaC", b"OggS", b"FORM", b"ID3")


# -- loading and conversion ---------------------------------------------------------------------
def load_audio(source: AudioSource, sample_rate: int | None = None) -> np.ndarray:
    """Return ``source`` as int16 mono samples at 24 kHz.

    ``source`` may be a path to a WAV/FLAC/OGG file, the bytes of such a file, raw PCM16 mono bytes,
    or a numpy array (int16, int32, uint8 or float in [-1, 1]; shape ``(n,)``, ``(n, channels)`` or
    ``(channels, n)``). ``sample_rate`` is the rate of an array or raw bytes (default 24 kHz); for
    files the file's own rate is used. Channels are averaged and the rate converted.
    """
    if isinstance(source, (str, os.PathLike)):
        samples, rate = _read_file(Path(source))
    elif isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if data[:4] in _FILE_MAGIC or data[:3] == b"ID3":
            samples, rate = _read_file(io.BytesIO(data))
        else:
            samples, rate = pcm16_to_array(data), (sample_rate or SAMPLE_RATE)
    elif isinstance(source, np.ndarray):
        samples, rate = source, (sample_rate or SAMPLE_RATE)
    else:
        raise AudioFormatError(
            f"Cannot read audio from a {type(source).__name__}: pass a WAV/FLAC path, file bytes, "
            f"raw PCM16 bytes or a numpy array."
        )
    if not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise AudioFormatError(f"sample_rate must be a positive integer (got {rate!r}).")
    if isinstance(samples, np.ndarray) and samples.dtype == np.int16 and samples.ndim == 1 and rate == SAMPLE_RATE:
        return samples.copy()  # already what the API takes
    mono = _to_mono_float(samples)
    if rate != SAMPLE_RATE:
        mono = resample(mono, int(rate), SAMPLE_RATE)
    return _float_to_int16(mono)


def to_pcm16_bytes(samples: AudioSource, sample_rate: int | None = None) -> bytes:
    """``load_audio(samples, sample_rate)`` as little-endian PCM16 bytes (what ``append`` sends)."""
    return load_audio(samples, sample_rate).astype("<i2", copy=False).tobytes()


def pcm16_to_array(pcm: bytes) -> np.ndarray:
    """Little-endian PCM16 bytes -> int16 numpy array (a copy, native byte order)."""
    if len(pcm) % 2:
        raise AudioFormatError(f"PCM16 audio has 2 bytes per sample, got an odd length ({len(pcm)} bytes).")
    return np.frombuffer(bytes(pcm), dtype="<i2").astype(np.int16)


def _read_file(f) -> tuple[np.ndarray, int]:
    import soundfile as sf

    name = getattr(f, "name", None) or "audio bytes"
    if isinstance(f, Path) and not f.exists():
        raise AudioFormatError(f"Audio file not found: {f}.")
    try:
        data, rate = sf.read(f, dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises its own LibsndfileError / RuntimeError
        raise AudioFormatError(
            f"Cannot decode {Path(str(name)).name} ({str(exc).splitlines()[0][:80]}); convert it to WAV first, "
            f"e.g. ffmpeg -i input -ac 1 -ar 24000 output.wav"
        ) from None
    return data, int(rate)


def _to_mono_float(samples: np.ndarray) -> np.ndarray:
    x = np.asarray(samples)
    if x.dtype == bool or x.dtype.kind in "cOUSV":
        raise AudioFormatError(f"Audio samples must be integers or floats, not {x.dtype}.")
    if x.ndim == 0 or x.ndim > 2:
        raise AudioFormatError(f"Audio must be 1-D (mono) or 2-D (samples x channels), got shape {x.shape}.")
    if x.dtype == np.int16:
        f = x.astype(np.float32) / 32768.0
    elif x.dtype == np.int32:
        f = (x.astype(np.float64) / 2147483648.0).astype(np.float32)
    elif x.dtype == np.uint8:
        f = (x.astype(np.float32) - 128.0) / 128.0
    elif x.dtype.kind in "iu":
        raise AudioFormatError(f"Integer audio of type {x.dtype} is ambiguous: convert it to int16 or float in [-1, 1].")
    else:
        f = x.astype(np.float32)
        if f.size and not np.all(np.isfinite(f)):
            raise AudioFormatError("Audio contains NaN or infinite samples; clean it before sending.")
        peak = float(np.max(np.abs(f))) if f.size else 0.0
        if peak > 2.0:
            raise AudioFormatError(
                f"Float audio must lie in [-1, 1] (peak is {peak:.1f}); if these are int16 sample values, "
                f"pass x.astype(np.int16) or x / 32768."
            )
    if f.ndim == 2:
        rows, cols = f.shape
        if cols > 8 and rows <= 8:  # (channels, samples) layout
            f = f.T
        elif cols > 8:
            raise AudioFormatError(f"Cannot tell samples from channels in an array of shape {f.shape}; pass (samples, channels).")
        f = f.mean(axis=1)
    return f


def _float_to_int16(f: np.ndarray) -> np.ndarray:
    # x 32768 (not 32767) so that int16 -> float -> int16 is exact
    return np.clip(np.round(f * 32768.0), -32768, 32767).astype(np.int16)


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


# -- byte-level helpers ---------------------------------------------------------------------------
def _bytes_per_ms(sample_rate: int) -> float:
    return sample_rate * 2 / 1000.0


def chunk_pcm(pcm: bytes, ms: int = 40, sample_rate: int = SAMPLE_RATE) -> Iterator[bytes]:
    """Split PCM16 bytes into chunks of ``ms`` milliseconds (the last may be shorter)."""
    if len(pcm) % 2:
        raise AudioFormatError(f"PCM16 audio has 2 bytes per sample, got an odd length ({len(pcm)} bytes).")
    if ms <= 0:
        raise AudioFormatError(f"Chunk length must be positive (got {ms} ms).")
    size = max(2, int(round(sample_rate * ms / 1000.0)) * 2)
    view = memoryview(pcm)
    for i in range(0, len(pcm), size):
        yield bytes(view[i:i + size])


def duration_ms(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float:
    """How long PCM16 mono bytes play, in milliseconds."""
    return len(pcm) / _bytes_per_ms(sample_rate)


def b64encode_pcm(pcm: bytes) -> str:
    """PCM bytes -> the base64 text an ``input_audio_buffer.append`` carries."""
    return base64.b64encode(bytes(pcm)).decode("ascii")


def b64decode_pcm(data: str) -> bytes:
    """Base64 text of an audio delta -> PCM bytes; invalid base64 raises AudioFormatError."""
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise AudioFormatError(f"Audio is not valid base64 ({exc}); send base64 of PCM16 bytes.") from None


def wav_bytes(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> bytes:
    """PCM16 mono bytes wrapped in a WAV header (deterministic: same input, same bytes)."""
    if len(pcm) % 2:
        raise AudioFormatError(f"PCM16 audio has 2 bytes per sample, got an odd length ({len(pcm)} bytes).")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(bytes(pcm))
    return buf.getvalue()


def audio_widget(pcm: bytes, sample_rate: int = SAMPLE_RATE):
    """An inline player (``IPython.display.Audio``) embedding the audio as WAV bytes."""
    from IPython.display import Audio

    return Audio(data=wav_bytes(pcm, sample_rate), autoplay=False)


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

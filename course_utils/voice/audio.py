"""Audio as the speech APIs take it: PCM16, mono, little-endian, 24 kHz.

Everything here converts *to* that format (from WAV/FLAC files, raw bytes or numpy arrays at any rate
and channel count) or works on it (chunking, base64, WAV, an inline player). Bytes per millisecond,
resampling and G.711 live in :mod:`course_utils.voice.formats`. Anything that cannot be converted raises :class:`AudioFormatError` saying what to do.

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
from .formats import (
    SAMPLE_RATE,
    pcm16_to_array,
    resample,
)

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


# -- byte-level helpers ---------------------------------------------------------------------------
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


def flac_bytes(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> bytes:
    """PCM16 mono bytes as a FLAC file (lossless, about half the size of WAV for speech)."""
    import soundfile as sf

    buf = io.BytesIO()
    sf.write(buf, np.frombuffer(bytes(pcm), dtype="<i2"), sample_rate, format="FLAC", subtype="PCM_16")
    return buf.getvalue()


def audio_widget(pcm: bytes, sample_rate: int = SAMPLE_RATE):
    """An inline player (``IPython.display.Audio``) embedding the audio as WAV bytes."""
    from IPython.display import Audio

    return Audio(data=wav_bytes(pcm, sample_rate), autoplay=False)



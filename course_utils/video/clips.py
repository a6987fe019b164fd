"""Cutting a clip out of a video and extracting its audio track, locally with PyAV (stream copy, no
re-encoding, for clips; resampled PCM for audio). Uses the container index of :mod:`.frames` (its
cached keyframe list, so a clip starts on a keyframe without a second scan).
"""
from __future__ import annotations

import bisect
import io
import os
from pathlib import Path

import numpy as np

from ..errors import VideoFormatError
from .frames import _EPS, _file_key, _keyframes_cached, _open, probe


# -- clips ----------------------------------------------------------------------------------------
def cut_clip(path: str | os.PathLike, start_s: float, end_s: float, out: str | os.PathLike | None = None) -> bytes | Path:
    """Copy ``[start_s, end_s)`` into a new MP4 without re-encoding (fast, lossless).

    The clip starts at the keyframe at or before ``start_s`` (stream copy cannot start elsewhere).
    Returns the MP4 bytes, or writes them to ``out`` and returns that path.
    """
    import av

    info = probe(path)
    if not (0 <= start_s < end_s <= info.duration_s + _EPS):
        raise VideoFormatError(f"Need 0 <= start_s < end_s <= {info.duration_s:g}; got {start_s:g}..{end_s:g}.")
    kf = _keyframes_cached(_file_key(path))
    k = bisect.bisect_right(kf, start_s + _EPS) - 1
    start = kf[max(k, 0)]
    buffer = io.BytesIO()
    src = _open(path)
    try:
        with av.open(buffer, "w", format="mp4") as dst:
            mapping = {s.index: dst.add_stream_from_template(s) for s in (src.streams.video[:1] + src.streams.audio[:1])}
            src.seek(int(round(start / src.streams.video[0].time_base)), stream=src.streams.video[0], backward=True)
            for pkt in src.demux(*[src.streams[i] for i in mapping]):
                if pkt.dts is None or pkt.pts is None:
                    continue
                t = float(pkt.pts * pkt.time_base)
                if t < start - _EPS or t >= end_s - _EPS:
                    if t >= end_s and pkt.stream.type == "video":
                        break
                    continue
                offset = int(round(start / pkt.time_base))
                pkt.pts -= offset
                pkt.dts -= offset
                pkt.stream = mapping[pkt.stream.index]
                dst.mux(pkt)
    finally:
        src.close()
    data = buffer.getvalue()
    if out is None:
        return data
    out = Path(out)
    out.write_bytes(data)
    return out


# -- audio track ----------------------------------------------------------------------------------
def extract_audio(path: str | os.PathLike, out: str | os.PathLike | None = None, sample_rate: int = 16000,
                  mono: bool = True) -> Path | tuple[np.ndarray, int]:
    """The audio track, resampled to ``sample_rate`` (mono by default).

    With ``out`` (``.wav``, ``.flac`` or ``.mp3``) the audio is written there and the path returned;
    without it, ``(float32 samples, sample_rate)``.
    """
    import av

    container = _open(path)
    try:
        if not container.streams.audio:
            raise VideoFormatError(f"{Path(path).name} has no audio track to extract.")
        layout = "mono" if mono else "stereo"
        resampler = av.AudioResampler(format="s16", layout=layout, rate=sample_rate)
        chunks = []
        for frame in container.decode(container.streams.audio[0]):
            for r in resampler.resample(frame):
                chunks.append(r.to_ndarray().reshape(-1))
        for r in resampler.resample(None):
            chunks.append(r.to_ndarray().reshape(-1))
    finally:
        container.close()
    channels = 1 if mono else 2
    pcm = np.concatenate(chunks) if chunks else np.zeros(0, np.int16)  # interleaved s16
    if out is None:
        samples = pcm.astype(np.float32) / 32768.0
        return (samples if mono else samples.reshape(-1, 2)), sample_rate
    out = Path(out)
    suffix = out.suffix.lower()
    codecs = {".wav": ("wav", "pcm_s16le"), ".flac": ("flac", "flac"), ".mp3": ("mp3", "libmp3lame")}
    if suffix not in codecs:
        raise VideoFormatError(f"extract_audio writes .wav, .flac or .mp3, not {suffix or 'no suffix'}.")
    fmt, codec = codecs[suffix]
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out), "w", format=fmt) as dst:
        stream = dst.add_stream(codec, rate=sample_rate, layout=layout)
        if codec == "libmp3lame":
            stream.bit_rate = 48000
        step = 1152 if codec == "libmp3lame" else 4096  # samples per channel per frame
        for i in range(0, len(pcm) // channels, step):
            chunk = np.ascontiguousarray(pcm[i * channels:(i + step) * channels]).reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout=layout)
            frame.sample_rate = sample_rate
            frame.pts = i
            for pkt in stream.encode(frame):
                dst.mux(pkt)
        for pkt in stream.encode():
            dst.mux(pkt)
    return out

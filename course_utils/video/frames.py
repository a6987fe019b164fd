"""Local video toolkit (PyAV): probe a file, sample frames, find scene cuts, plot a contact sheet.
Cutting clips and extracting the audio track live in :mod:`.clips`.

Sampling is the part that is easy to do slowly. The usual loop decodes every frame, converts each
one to an RGB array and keeps a few; :func:`sample_frames` instead

* converts to RGB only the frames it returns, and
* when a keyframe lies between the frame it has decoded last and the next requested time, jumps
  to that keyframe (dropping packets undecoded when it is near, seeking when it is far) instead of
  decoding everything in between.

How much the seek saves depends on the file's keyframe interval: with a keyframe every second, one
sample needs at most one second of frames decoded; with a keyframe every 10 s, it may need ten.
``bench/bench_frames.py`` measures it against the read-everything loop and the ``ffmpeg`` CLI.

Every time here is in seconds of presentation time. The frame "shown at" time ``t`` is the last
frame whose presentation time is ``<= t``.

Probe, keyframe index, seeking sampler and scene cuts share one cached container index
(``_file_key``/``_keyframes_cached``), so they stay together; :func:`probe` is also the course's one
reader of a video's length.
"""
from __future__ import annotations

import bisect
import functools
import math
import os
from collections import deque
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, NamedTuple, Sequence

import numpy as np

from ..errors import VideoFormatError

_EPS = 1e-6


def mmss(seconds: float) -> str:
    """``75.4 -> "01:15"`` (minutes may exceed 59: ``"61:00"``)."""
    total = int(math.floor(seconds + _EPS))
    return f"{total // 60:02d}:{total % 60:02d}"


class Frame(NamedTuple):
    """One sampled frame: its presentation time (s) and its pixels (H x W x 3, RGB, uint8)."""

    t: float
    image: np.ndarray


@dataclass(frozen=True)
class VideoInfo:
    """What :func:`probe` finds in a video file."""

    path: str
    size_bytes: int
    container: str
    duration_s: float
    width: int
    height: int
    fps: float
    n_frames: int
    video_codec: str
    pix_fmt: str
    keyframe_interval_s: float | None
    has_audio: bool
    audio_codec: str | None
    audio_sample_rate: int | None
    audio_channels: int | None
    container_duration_s: float | None = field(default=None, repr=False)  # what the container header states
    streams: tuple[dict, ...] = field(default=(), repr=False)  # per stream: type, codec, seconds (None if unstated)

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        audio = (f"{self.audio_codec} {self.audio_sample_rate} Hz x{self.audio_channels}" if self.has_audio else "no audio")
        gop = f", keyframe every {self.keyframe_interval_s:g} s" if self.keyframe_interval_s else ""
        return (f"{Path(self.path).name}: {self.duration_s:.1f} s, {self.width}x{self.height} @ {self.fps:g} fps "
                f"({self.n_frames} frames), {self.video_codec}{gop}; {audio}; {self.container}, "
                f"{self.size_bytes / 1e6:.2f} MB")

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{k}</td><td>{v}</td></tr>" for k, v in self.as_dict().items()
                       if k not in ("path", "container_duration_s", "streams"))
        return f"<b>{Path(self.path).name}</b><table>{rows}</table>"


# -- opening files with clear errors --------------------------------------------------------------
def _check_path(path: str | os.PathLike) -> Path:
    p = Path(path)
    if not p.is_file():
        hint = " (make it with: python scripts/make_demo_video.py)" if p.name.startswith("product_demo") else ""
        raise VideoFormatError(f"No video file at {p}: check the path{hint}.")
    return p


def _open(path: str | os.PathLike):
    """``av.open`` with one-line errors for a missing, unreadable or video-less file."""
    import av

    p = _check_path(path)
    try:
        container = av.open(str(p))
    except (av.error.InvalidDataError, av.error.DemuxerNotFoundError, av.error.EOFError, UnicodeDecodeError) as exc:
        raise VideoFormatError(
            f"{p.name} is not a readable video container ({type(exc).__name__}); "
            f"re-encode it, e.g. ffmpeg -i {p.name} -c:v libx264 -c:a aac out.mp4.") from exc
    except av.error.FFmpegError as exc:
        raise VideoFormatError(f"FFmpeg cannot open {p.name} ({exc}); re-encode it to MP4 (H.264 + AAC).") from exc
    if not container.streams.video:
        container.close()
        raise VideoFormatError(f"{p.name} has no video stream (audio only?); give a file with a video track.")
    stream = container.streams.video[0]
    if stream.codec_context is None or not stream.codec_context.name:
        container.close()
        raise VideoFormatError(f"{p.name}: PyAV has no decoder for its video codec; re-encode it to H.264.")
    return container


def _file_key(path: str | os.PathLike) -> tuple[str, int, int]:
    p = _check_path(path)
    st = p.stat()
    return (str(p.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=32)
def _keyframes_cached(key: tuple[str, int, int]) -> tuple[float, ...]:
    container = _open(key[0])
    try:
        stream = container.streams.video[0]
        tb = stream.time_base
        times = [float(pkt.pts * tb) for pkt in container.demux(stream)
                 if pkt.pts is not None and pkt.is_keyframe]
    finally:
        container.close()
    return tuple(sorted(times))


def keyframe_times(path: str | os.PathLike) -> list[float]:
    """Presentation times of the video's keyframes, read from packet flags (nothing is decoded)."""
    return list(_keyframes_cached(_file_key(path)))


@functools.lru_cache(maxsize=32)
def _probe_cached(key: tuple[str, int, int]) -> VideoInfo:
    container = _open(key[0])
    try:
        v = container.streams.video[0]
        fps = float(v.average_rate or v.guessed_rate or 0) or None
        if v.duration is not None:
            duration = float(v.duration * v.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        else:
            raise VideoFormatError(f"{Path(key[0]).name} does not state its duration; remux it: ffmpeg -i in -c copy out.mp4.")
        n_frames = v.frames or (round(duration * fps) if fps else 0)
        a = container.streams.audio[0] if container.streams.audio else None
        info = VideoInfo(
            path=key[0], size_bytes=key[2], container=container.format.name, duration_s=round(duration, 3),
            width=v.codec_context.width, height=v.codec_context.height, fps=round(fps or 0.0, 3),
            n_frames=int(n_frames), video_codec=v.codec_context.name, pix_fmt=str(v.codec_context.pix_fmt),
            keyframe_interval_s=None, has_audio=a is not None,
            audio_codec=a.codec_context.name if a else None,
            audio_sample_rate=a.codec_context.sample_rate if a else None,
            audio_channels=a.codec_context.channels if a else None,
            container_duration_s=round(container.duration / 1_000_000, 3) if container.duration is not None else None,
            streams=tuple({"type": s.type, "codec": s.codec_context.name if s.codec_context else None,
                           "seconds": float(s.duration * s.time_base) if s.duration else None}
                          for s in container.streams),
        )
    finally:
        container.close()
    kf = _keyframes_cached(key)
    if len(kf) > 1:
        gaps = np.diff(kf)
        info = VideoInfo(**{**asdict(info), "keyframe_interval_s": round(float(np.median(gaps)), 3)})
    return info


def probe(path: str | os.PathLike) -> VideoInfo:
    """Duration, fps, resolution, codecs, audio and keyframe interval of a video file.

    The course's one reader of a video's length (a stitched story is checked against its plan with it too).
    Raises :class:`~course_utils.errors.VideoFormatError` with what to do when the file is not a readable video."""
    return _probe_cached(_file_key(path))


def readable_duration(path: str | os.PathLike) -> float | None:
    """:func:`probe`'s ``duration_s``, or None when the file is not a readable video (missing, cut short,
    not a container): for code that must decide, such as the video-generation runner asking whether a
    downloaded clip is whole before it keeps it."""
    try:
        return probe(path).duration_s or None
    except Exception:  # VideoFormatError, or a decoder error on a cut file
        return None


# -- sampling -------------------------------------------------------------------------------------
def sample_times(info: VideoInfo, every_s: float | None = None, count: int | None = None,
                 start_s: float = 0.0, end_s: float | None = None) -> list[float]:
    """The times :func:`sample_frames` will look at: every ``every_s`` seconds, or ``count`` evenly spaced."""
    end = info.duration_s if end_s is None else min(end_s, info.duration_s)
    if (every_s is None) == (count is None):
        raise VideoFormatError("Give exactly one of every_s= (e.g. 1.0) or count= (e.g. 20).")
    if start_s < 0 or end <= start_s:
        raise VideoFormatError(f"Need 0 <= start_s < end_s <= {info.duration_s:g} s; got {start_s:g}..{end:g}.")
    if every_s is not None:
        if every_s <= 0:
            raise VideoFormatError("every_s must be positive (seconds between samples).")
        n = int(math.floor((end - start_s) / every_s + _EPS))
        times = [start_s + k * every_s for k in range(n + 1)]
        return [round(t, 6) for t in times if t < end - _EPS]
    if count < 1:  # type: ignore[operator]
        raise VideoFormatError("count must be at least 1.")
    step = (end - start_s) / count  # type: ignore[operator]
    return [round(start_s + k * step, 6) for k in range(count)]  # type: ignore[arg-type]


#: Jump further ahead than this with a container seek; nearer keyframes are reached by skipping
#: packets without decoding them (cheaper than a seek, which flushes and re-reads the index).
SEEK_AHEAD_S = 5.0


def iter_frames(path: str | os.PathLike, times: Sequence[float], width: int | None = None,
                height: int | None = None, seek: bool = True) -> Iterator[Frame]:
    """Yield the frame shown at each of ``times`` (sorted), decoding as little as possible.

    For each time, the keyframe at or before it is found in the packet index. If the decoder is not
    already past that keyframe, everything before it is skipped: packets are dropped undecoded when
    the keyframe is near, and the container seeks when it is far. Only returned frames are converted
    to RGB (and scaled to ``width``/``height`` if given). ``seek=False`` decodes straight through.
    """
    times = sorted(float(t) for t in times)
    if not times:
        return
    if times[0] < 0:
        raise VideoFormatError(f"Times must be >= 0 s; got {times[0]:g}.")
    key = _file_key(path)
    name = Path(key[0]).name
    keyframes = _keyframes_cached(key) if seek else ()
    container = _open(key[0])
    try:
        stream = container.streams.video[0]
        stream.thread_type = "SLICE"
        codec = stream.codec_context
        tb = stream.time_base
        default_dur = 1.0 / float(stream.average_rate or stream.guessed_rate or 25)
        packets = container.demux(stream)
        held = None            # a packet read ahead and not yet decoded
        decoded: deque = deque()  # frames out of the decoder, not yet looked at (presentation order)
        last = None            # the latest frame at or before the current target
        draining = False       # the decoder has been flushed at the end of the stream

        def when(frame) -> float | None:
            """Presentation time from pts and the stream's time base (flushed frames lack their own)."""
            return None if frame.pts is None else float(frame.pts * tb)

        def read_packet():
            nonlocal held
            if held is not None:
                pkt, held = held, None
                return pkt
            return next(packets, None)

        def jump_to(kf_time: float) -> None:
            """Make the next decoded frame the keyframe at ``kf_time``."""
            nonlocal packets, held, last, draining
            pkt = read_packet()
            ahead = None if pkt is None or pkt.pts is None else float(pkt.pts * tb)
            if ahead is None or ahead > kf_time + _EPS or kf_time - ahead > SEEK_AHEAD_S:
                container.seek(int(round(kf_time / tb)), stream=stream, backward=True, any_frame=False)
                packets, pkt = container.demux(stream), None
            else:  # near: drop packets, undecoded, up to the keyframe
                while pkt is not None and not (pkt.is_keyframe and pkt.pts is not None
                                               and abs(float(pkt.pts * tb) - kf_time) < _EPS):
                    pkt = next(packets, None)
            held = pkt
            codec.flush_buffers()
            decoded.clear()
            last, draining = None, False

        for t in times:
            if keyframes:
                kf_time = keyframes[max(bisect.bisect_right(keyframes, t + _EPS) - 1, 0)]
                latest = when(decoded[-1]) if decoded else (when(last) if last is not None else None)
                if latest is None or latest < kf_time - _EPS:
                    jump_to(kf_time)
            while True:
                if not decoded:
                    if draining:
                        break
                    pkt = read_packet()
                    try:
                        if pkt is None or pkt.size == 0:
                            decoded.extend(codec.decode(None))
                            draining = True
                        else:
                            decoded.extend(codec.decode(pkt))
                    except Exception as exc:  # av decode errors
                        raise VideoFormatError(f"{name}: decoding failed near {t:.2f} s ({exc}); the file may be "
                                               f"truncated or use an unsupported codec.") from exc
                    continue
                ft = when(decoded[0])
                if ft is None:
                    decoded.popleft()
                    continue
                if ft > t + _EPS:
                    break  # the next frame starts after t
                last = decoded.popleft()
                dur = float(last.duration * tb) if getattr(last, "duration", None) else default_dur
                if ft + dur > t + _EPS:
                    break  # this frame is still on screen at t
            shown = last if last is not None else (decoded[0] if decoded else None)
            if shown is None:
                raise VideoFormatError(f"{name}: no frame decodable at {t:.2f} s.")
            image = shown.to_ndarray(format="rgb24", width=width or shown.width, height=height or shown.height)
            yield Frame(round(when(shown), 6), image)
    finally:
        container.close()


def sample_frames(path: str | os.PathLike, every_s: float | None = None, count: int | None = None,
                  *, start_s: float = 0.0, end_s: float | None = None, width: int | None = None,
                  height: int | None = None) -> list[Frame]:
    """Frames every ``every_s`` seconds, or ``count`` evenly spaced, as ``(t, rgb_array)`` pairs.

    >>> for t, rgb in sample_frames("data/video/product_demo.mp4", count=20): ...

    ``t`` is the presentation time of the frame shown at the requested time (never after it, and
    less than one frame before it). Seeks to keyframes when that skips decoding.
    """
    info = probe(path)
    times = sample_times(info, every_s=every_s, count=count, start_s=start_s, end_s=end_s)
    return list(iter_frames(path, times, width=width, height=height))


def frames_at(path: str | os.PathLike, times: Sequence[float], **kwargs) -> list[Frame]:
    """The frames shown at arbitrary ``times`` (seconds)."""
    return list(iter_frames(path, times, **kwargs))


# -- scene changes --------------------------------------------------------------------------------
def frame_differences(path: str | os.PathLike, size: tuple[int, int] = (64, 36)) -> tuple[np.ndarray, np.ndarray]:
    """``(times, diffs)``: mean absolute RGB difference (0..1) of each frame to the previous one, at ``size``."""
    container = _open(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        times, diffs, prev = [], [], None
        for f in container.decode(stream):
            if f.pts is None:
                continue
            small = f.to_ndarray(format="rgb24", width=size[0], height=size[1]).astype(np.int16)
            if prev is not None:
                times.append(float(f.pts * stream.time_base))
                diffs.append(float(np.abs(small - prev).mean()) / 255.0)
            prev = small
    finally:
        container.close()
    return np.asarray(times), np.asarray(diffs)


def scene_changes(path: str | os.PathLike, threshold: float = 0.12, min_gap_s: float = 0.5) -> list[float]:
    """Times (s) of the first frame of each new shot.

    A frame starts a new shot when its mean absolute colour difference to the previous frame (on a
    64x36 thumbnail) exceeds ``threshold`` and is the largest within ``min_gap_s``. Animations inside
    a shot (a cursor, a dialog, a growing chart) change a small part of the picture and stay below it.
    """
    times, diffs = frame_differences(path)
    cuts: list[float] = []
    for i in np.argsort(-diffs):
        if diffs[i] < threshold:
            break
        t = float(times[i])
        if all(abs(t - c) >= min_gap_s for c in cuts):
            cuts.append(t)
    return sorted(round(c, 3) for c in cuts)


# -- contact sheet --------------------------------------------------------------------------------
def contact_sheet(frames: Sequence[Frame] | Sequence[tuple[float, np.ndarray]], cols: int = 5,
                  title: str | None = None, thumb_width_in: float = 2.6, marks: Sequence[float] = ()):
    """A grid of frames labelled MM:SS (a matplotlib Figure). Frames at ``marks`` get a red label."""
    import matplotlib.pyplot as plt

    if not frames:
        raise VideoFormatError("contact_sheet needs at least one frame; sample some with sample_frames().")
    rows = math.ceil(len(frames) / cols)
    h, w = frames[0][1].shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(cols * thumb_width_in, rows * thumb_width_in * h / w + 0.35),
                             squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    marked = {round(m, 3) for m in marks}
    for ax, (t, img) in zip(axes.ravel(), frames):
        ax.imshow(img)
        ax.set_title(mmss(t), fontsize=9, color="red" if round(t, 3) in marked else "black")
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    plt.close(fig)  # shown by returning it (inline backend), not twice
    return fig

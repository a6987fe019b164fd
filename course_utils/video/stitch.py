"""Stitching generated shots into one MP4, locally with PyAV: an opening card, then per shot a title card
and its clip (trimmed to the narration, or its last frame held, scaled to one size), with the narration
as the audio track. Part of the script-to-video pipeline of :mod:`course_utils.video.compose`.
"""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .compose import ShotResult
    from .shots import Shot

CARD_SECONDS = 1.5
FPS = 12
SIZES = {"16:9": (320, 180), "9:16": (180, 320), "1:1": (240, 240)}


def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:
        return ImageFont.load_default()


def title_card(text: str, size: tuple[int, int], subtitle: str = "") -> np.ndarray:
    """A plain title card (RGB array)."""
    from PIL import Image, ImageDraw

    w, h = size
    img = Image.new("RGB", size, (16, 18, 26))
    d = ImageDraw.Draw(img)
    words, lines, line = text.split(), [], ""
    for word in words:  # wrap to the width
        trial = f"{line} {word}".strip()
        if d.textlength(trial, font=_font(18)) > w - 24 and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    y = h // 2 - 12 * len(lines) - (8 if subtitle else 0)
    for ln in lines:
        d.text(((w - d.textlength(ln, font=_font(18))) / 2, y), ln, fill=(245, 245, 245), font=_font(18))
        y += 24
    if subtitle:
        d.text(((w - d.textlength(subtitle, font=_font(11))) / 2, y + 6), subtitle, fill=(160, 160, 175), font=_font(11))
    return np.asarray(img)


def _clip_frames(path: Path | None, size: tuple[int, int]) -> list[tuple[float, np.ndarray]]:
    """(time, RGB frame scaled to ``size``) for every frame of the clip."""
    import av

    if path is None:
        return []
    out = []
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        for frame in c.decode(stream):
            img = frame.to_image()
            if img.size != size:
                img = img.resize(size)
            out.append((float(frame.time or 0.0), np.asarray(img.convert("RGB"))))
    return out


def stitch(title: str, shots: list[Shot], results: list[ShotResult], out_path: str | Path,
           aspect_ratio: str = "16:9", fps: int = FPS, card_seconds: float = CARD_SECONDS) -> Path:
    """One MP4 (H.264 + AAC): an opening card, then per shot a title card and its clip with the narration."""
    import av

    size = SIZES.get(aspect_ratio, (320, 180))
    by_index = {r.shot.index: r for r in results}
    rate = shots[0].sample_rate if shots else 22050
    segments: list[tuple[str, float, object]] = [("card", card_seconds, title_card(title, size, "made with course_utils"))]
    for shot in shots:
        res = by_index.get(shot.index)
        segments.append(("card", card_seconds, title_card(f"{shot.index}. {shot.title}", size)))
        clip = res.result.path if res and res.result else None
        frames = _clip_frames(clip, size) or [(0.0, title_card(shot.title, size, "(no clip: generation failed)"))]
        segments.append(("clip", shot.seconds, (frames, shot)))
    total = sum(seconds for _, seconds, _ in segments)
    audio = np.zeros(int(round(total * rate)), dtype=np.float32)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(out_path), "w", format="mp4") as out:
        v = out.add_stream("libx264", rate=fps)
        v.width, v.height, v.pix_fmt = size[0], size[1], "yuv420p"
        v.options = {"crf": "30", "preset": "veryfast", "threads": "1"}
        v.codec_context.time_base = Fraction(1, fps)
        a = out.add_stream("aac", rate=rate, layout="mono")
        pts, start = 0, 0.0
        for kind, seconds, payload in segments:
            n = int(round(seconds * fps))
            for i in range(n):
                if kind == "card":
                    rgb = payload
                else:
                    frames, _ = payload
                    t = i / fps
                    rgb = next((f for ft, f in reversed(frames) if ft <= t + 1e-6), frames[0][1])
                frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
                frame.pts = pts
                pts += 1
                for packet in v.encode(frame):
                    out.mux(packet)
            if kind == "clip":
                shot = payload[1]
                s0 = int(round(start * rate))
                speech = shot.audio[: max(len(audio) - s0, 0)]
                audio[s0:s0 + len(speech)] = speech
            start += n / fps
        for packet in v.encode():
            out.mux(packet)
        frame_size = 1024
        for i in range(0, len(audio), frame_size):
            chunk = audio[i:i + frame_size]
            af = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk[None, :]), format="fltp", layout="mono")
            af.sample_rate, af.pts = rate, i
            for packet in a.encode(af):
                out.mux(packet)
        for packet in a.encode():
            out.mux(packet)
    return out_path


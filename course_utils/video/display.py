"""Showing a video in a notebook so that every reader sees something.

An embedded ``<video>`` (``IPython.display.Video(..., embed=True)``) plays once the notebook is
trusted, i.e. after it ran; JupyterLab (and GitHub's viewer) drop the embedded ``<source>`` of an
untrusted notebook and show a black player. So every video here is shown as two outputs: a still
(a strip of frames at even times, labelled MM:SS, a PNG that any viewer shows) and the player.
"""
from __future__ import annotations

import io
import os
from pathlib import Path

from .frames import mmss, sample_frames

#: The strip's total width in pixels (fits a notebook column) and the number of frames in it.
STILL_WIDTH = 640
STILL_FRAMES = 4


def still_png(path: str | os.PathLike, frames: int = STILL_FRAMES, width: int = STILL_WIDTH) -> bytes:
    """A PNG strip of ``frames`` frames at even times through the video, each labelled with its time."""
    from PIL import Image, ImageDraw

    thumb_w = max(40, (width - 4 * (frames - 1)) // frames)
    shots = sample_frames(path, count=frames, width=thumb_w)
    if not shots:
        from ..errors import VideoFormatError

        raise VideoFormatError(f"{Path(path).name} has no frames to show.")
    h = max(img.shape[0] for _, img in shots)
    label_h = 16
    sheet = Image.new("RGB", (len(shots) * thumb_w + 4 * (len(shots) - 1), h + label_h), "white")
    draw = ImageDraw.Draw(sheet)
    for i, (t, img) in enumerate(shots):
        x = i * (thumb_w + 4)
        sheet.paste(Image.fromarray(img), (x, 0))
        draw.text((x + 2, h + 2), mmss(t), fill=(40, 40, 40))
    out = io.BytesIO()
    sheet.save(out, format="PNG", optimize=True)
    return out.getvalue()


class VideoWithStill:
    """Displays as a still (:func:`still_png`) and then the embedded player (see the module doc)."""

    def __init__(self, path: str | os.PathLike, width: int = 320, html_attributes: str = "controls",
                 frames: int = STILL_FRAMES):
        self.path = Path(path)
        self.width = width
        self.html_attributes = html_attributes
        self.frames = frames

    def still(self):
        from IPython.display import Image

        return Image(still_png(self.path, self.frames), format="png")

    def player(self):
        from IPython.display import Video

        return Video(str(self.path), embed=True, width=self.width, html_attributes=self.html_attributes)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.still(), self.player())

    def __repr__(self) -> str:
        return f"VideoWithStill({self.path.name})"


def show_video(path: str | os.PathLike, width: int = 320, html_attributes: str = "controls") -> None:
    """Display a still of the video and the embedded player (two outputs)."""
    VideoWithStill(path, width, html_attributes)._ipython_display_()

"""Gemini video understanding with ``google-genai``: upload, wait, ask, price, score.

The flows, each the SDK's own call:

1. :func:`upload_video`: ``client.files.upload`` (the resumable upload protocol), then
   :func:`wait_until_active` polls ``client.files.get`` until the file is ``ACTIVE`` (progress bar,
   timeout, a clear error if it ``FAILED``). Small clips can skip this and go inline
   (:func:`video_part` with a path or bytes; the request may hold up to 100 MB).
2. :func:`analyze_video`: count tokens (``client.models.count_tokens``) and estimate the cost with
   the rules in :mod:`course_utils.costs` *before* the call, reserve it in the ledger, call
   ``client.models.generate_content`` (video first, then the prompt; clipping and fps through
   ``VideoMetadata``; ``media_resolution``; optional structured output with a pydantic schema), then
   settle the ledger with the actual cost from ``response.usage_metadata``.
3. :func:`key_features` asks for the demo's features as :class:`KeyFeatures` (MM:SS timestamps and
   evidence) and :func:`score_features` scores any list of features against the ground truth.

Result types live in :mod:`.analysis`, scoring in :mod:`.scoring`, the OpenAI baselines in
:mod:`.traditional` (import them from there, or from the package ``course_utils.video``).

The client comes from ``course_utils.clients.gemini_client()`` (the local stand-in in replay
mode, the real API in live mode); every function here takes it as its first argument.
"""
from __future__ import annotations

import io
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from .. import costs
from ..config import get_config
from ..endpoints import current_mode
from ..errors import JobFailed, OperationTimeout, VideoFormatError
from ..voice.models import GEMINI_VIDEO_CHEAP_MODEL, GEMINI_VIDEO_MODEL
from .analysis import KeyFeatures, VideoAnalysis
from .frames import mmss, probe

DEFAULT_MODEL = GEMINI_VIDEO_MODEL          # the model ids live in course_utils.voice.models
CHEAP_MODEL = GEMINI_VIDEO_CHEAP_MODEL
#: Request size the API accepts inline (since January 2026); larger files go through the Files API.
INLINE_LIMIT_BYTES = 100 * 1024 * 1024
#: Per-file limit of the Files API (files are kept 48 hours; 20 GB per project).
UPLOAD_LIMIT_BYTES = 2 * 1024 ** 3
#: Video MIME types the Gemini API accepts, by file suffix.
GEMINI_VIDEO_MIME = {".mp4": "video/mp4", ".mpeg": "video/mpeg", ".mpg": "video/mpg", ".mov": "video/mov",
                     ".avi": "video/avi", ".flv": "video/x-flv", ".webm": "video/webm", ".wmv": "video/wmv",
                     ".3gp": "video/3gpp"}


# -- structured output --------------------------------------------------------------------------
KEY_FEATURES_PROMPT = (
    "List the key product features this demo video presents, in order. For each feature give its name as "
    "shown, when its part of the video starts and ends (MM:SS), and the evidence: what is shown on screen "
    "and what the narrator says. Say whether the evidence is visual, audio or both."
)


#: The chapter's prompt (section 2), unchanged: only the SDK call around it changes.
CHAPTER_PROMPT = (
    "Please analyze this video and extract the following information:\n"
    "1. Video topic\n"
    "2. Main objects and scenes appearing\n"
    "3. Key actions and events\n"
    "4. Video duration and rhythm\n"
)

INLINE_CLIP_PROMPT = ("This is a short clip cut from a product demo video. Which feature does it show, and what "
                      "happens on screen and in the narration?")


@dataclass(frozen=True)
class Capability:
    """A row of the chapter's capability table, as a request about the course's demo video."""

    name: str
    chapter: str  # the chapter's description
    prompt: str
    start_s: float | None = None
    end_s: float | None = None
    fps: float | None = None

    @property
    def window(self) -> str:
        span = "whole video" if self.start_s is None else f"{mmss(self.start_s)}-{mmss(self.end_s or 0)}"
        return f"{span}, {self.fps or 1:g} fps"


#: The five capabilities of the chapter's table, each asked of the part of the demo that shows it best.
CAPABILITIES: tuple[Capability, ...] = (
    Capability("Scene Recognition", "Recognize environments and locations in video",
               "Scene recognition: list every distinct kind of screen or setting in this video, with MM:SS ranges.",
               fps=0.5),
    Capability("Object Detection", "Identify appearing objects",
               "Object detection: list the objects and user-interface elements visible in this clip and where "
               "they are on screen.", start_s=109, end_s=148),
    Capability("Action Recognition", "Understand human actions (walk, run, jump)",
               "Action recognition: what does the user do in this clip, step by step, with MM:SS times?",
               start_s=65, end_s=104, fps=5),
    Capability("Temporal Analysis", "Understand event sequence",
               "Temporal analysis: in what order do things happen in this video? Give a timeline with MM:SS times."),
    Capability("Multimodal Fusion", "Combine visual + audio information",
               "Multimodal fusion: combine what you see and what you hear in this clip. Which facts come only "
               "from the narration, and which only from the screen?", start_s=236, end_s=280),
)


# -- files and limits ---------------------------------------------------------------------------
def check_video_file(path: str | os.PathLike, how: Literal["inline", "upload"] = "upload",
                     inline_limit: int = INLINE_LIMIT_BYTES, upload_limit: int = UPLOAD_LIMIT_BYTES) -> tuple[Path, str, int]:
    """``(path, mime_type, size)`` after checking what the API will take; one-line errors otherwise.

    Checks, in order: the file exists; its type is one Gemini accepts; its size fits the inline
    request limit (``how="inline"``) or the Files API limit (``how="upload"``); it opens as video.
    """
    p = Path(path)
    if not p.is_file():
        raise VideoFormatError(f"No video file at {p}: check the path.")
    mime = GEMINI_VIDEO_MIME.get(p.suffix.lower())
    if mime is None:
        raise VideoFormatError(
            f"Gemini does not take {p.suffix or 'files without a suffix'} video; accepted: "
            f"{', '.join(sorted(GEMINI_VIDEO_MIME))}. Convert it: ffmpeg -i {p.name} -c:v libx264 -c:a aac {p.stem}.mp4")
    size = p.stat().st_size
    if how == "inline" and size > inline_limit:
        raise VideoFormatError(
            f"{p.name} is {size / 1e6:.1f} MB, over the {inline_limit / 1e6:.0f} MB inline request limit; "
            f"upload it with upload_video() (Files API) instead.")
    if size > upload_limit:
        raise VideoFormatError(
            f"{p.name} is {size / 1e9:.2f} GB, over the Files API's {upload_limit / 1e9:.0f} GB per-file limit; "
            f"cut it or lower its resolution/bitrate with ffmpeg first.")
    probe(p)  # raises VideoFormatError if it is not a readable video
    return p, mime, size


def upload_video(client, path: str | os.PathLike, display_name: str | None = None, timeout_s: float = 300.0,
                 poll_s: float = 2.0, progress: bool = True):
    """Upload with ``client.files.upload`` and wait until the file is ``ACTIVE``; returns the ``File``."""
    p, mime, _size = check_video_file(path, how="upload")
    uploaded = client.files.upload(file=str(p), config={"display_name": display_name or p.name, "mime_type": mime})
    return wait_until_active(client, uploaded, timeout_s=timeout_s, poll_s=poll_s, progress=progress)


def wait_until_active(client, file, timeout_s: float = 300.0, poll_s: float = 2.0, progress: bool = True):
    """Poll ``client.files.get`` until ``state`` is ``ACTIVE``.

    Raises :class:`JobFailed` if processing ``FAILED`` (with the service's message) and
    :class:`OperationTimeout` after ``timeout_s``. Live, a notebook progress bar shows the state
    (none in replay mode, where it takes a few seconds: ``course_utils.display.progress_bar``).
    """
    from ..display import progress_bar

    name = file.name
    deadline = time.monotonic() + timeout_s
    bar = progress_bar(live=progress and current_mode() != "replay", total=None, desc=f"{name}: {_state(file)}",
                       unit=" polls", leave=False)
    try:
        while True:
            state = _state(file)
            bar.set_description_str(f"{name}: {state}")
            if state == "ACTIVE":
                return file
            if state == "FAILED":
                message = getattr(getattr(file, "error", None), "message", None) or "no message"
                raise JobFailed(f"Gemini could not process {name} ({message}); check that the file plays, "
                                f"re-encode it to MP4 (H.264 + AAC) and upload again.",
                                provider="google", provider_message=message)
            if time.monotonic() >= deadline:
                raise OperationTimeout(f"{name} was still {state} after {timeout_s:g} s; wait longer "
                                       f"(wait_until_active(client, file, timeout_s=...)) or upload a shorter clip.")
            time.sleep(min(poll_s, max(0.0, deadline - time.monotonic())))
            file = client.files.get(name=name)
            bar.update(1)
    finally:
        bar.close()


def _state(file) -> str:
    state = getattr(file, "state", None)
    return str(getattr(state, "value", state) or "STATE_UNSPECIFIED")


# -- building the request -----------------------------------------------------------------------
def _offset(seconds: float | None) -> str | None:
    return None if seconds is None else f"{seconds:g}s"


def video_part(video, *, start_s: float | None = None, end_s: float | None = None, fps: float | None = None,
               media_resolution: str | None = None):
    """A ``types.Part`` for a video: an uploaded ``File`` (by URI), or a path / bytes sent inline.

    ``start_s``/``end_s``/``fps`` become ``VideoMetadata`` (clipping, frames per second sent);
    ``media_resolution`` ("low", "medium", "high") sets the part's own resolution (Gemini 3).
    """
    from google.genai import types

    meta = None
    if start_s is not None or end_s is not None or fps is not None:
        if fps is not None and not (0 < fps <= 24):
            raise VideoFormatError(f"fps must be in (0, 24], not {fps:g}.")
        if start_s is not None and end_s is not None and end_s <= start_s:
            raise VideoFormatError(f"end_s ({end_s:g}) must be after start_s ({start_s:g}).")
        meta = types.VideoMetadata(start_offset=_offset(start_s), end_offset=_offset(end_s), fps=fps)
    resolution = None
    if media_resolution is not None:
        resolution = types.PartMediaResolution(level=_resolution_enum(media_resolution, part=True))
    if isinstance(video, (str, os.PathLike)):
        p, mime, _ = check_video_file(video, how="inline")
        blob = types.Blob(data=p.read_bytes(), mime_type=mime)
        return types.Part(inline_data=blob, video_metadata=meta, media_resolution=resolution)
    if isinstance(video, (bytes, bytearray)):
        if len(video) > INLINE_LIMIT_BYTES:
            raise VideoFormatError(f"{len(video) / 1e6:.1f} MB is over the {INLINE_LIMIT_BYTES / 1e6:.0f} MB inline "
                                   f"limit; upload the file with upload_video() instead.")
        return types.Part(inline_data=types.Blob(data=bytes(video), mime_type="video/mp4"), video_metadata=meta,
                          media_resolution=resolution)
    uri = getattr(video, "uri", None)
    if uri is None:
        raise VideoFormatError("video must be an uploaded File, a path, or MP4 bytes.")
    if _state(video) not in ("ACTIVE", "STATE_UNSPECIFIED"):
        raise VideoFormatError(f"{video.name} is {_state(video)}; wait_until_active() first.")
    return types.Part(file_data=types.FileData(file_uri=uri, mime_type=video.mime_type), video_metadata=meta,
                      media_resolution=resolution)


def _resolution_enum(name: str, part: bool = False):
    from google.genai import types

    key = name.upper().replace("MEDIA_RESOLUTION_", "")
    if key in ("DEFAULT", "UNSPECIFIED"):
        key = "UNSPECIFIED"
    enum = types.PartMediaResolutionLevel if part else types.MediaResolution
    try:
        return enum[f"MEDIA_RESOLUTION_{key}"]
    except KeyError:
        raise VideoFormatError(f"media_resolution must be default, low, medium or high, not {name!r}.") from None


def _duration_of(video) -> tuple[float, bool]:
    """(seconds, has_audio) of a File, a path or bytes."""
    if isinstance(video, (str, os.PathLike)):
        info = probe(video)
        return info.duration_s, info.has_audio
    if isinstance(video, (bytes, bytearray)):
        import av

        with av.open(io.BytesIO(bytes(video))) as c:
            v = c.streams.video[0]
            return float(v.duration * v.time_base), bool(c.streams.audio)
    meta = getattr(video, "video_metadata", None) or {}
    duration = meta.get("videoDuration") or meta.get("video_duration")
    if duration is None:
        raise VideoFormatError(f"{getattr(video, 'name', 'the file')} does not report its duration yet; "
                               f"pass duration_s= to analyze_video().")
    return float(str(duration).rstrip("s")), True


# -- one priced call ----------------------------------------------------------------------------
def estimate_call(model: str, duration_s: float, *, fps: float | None = None, media_resolution: str | None = None,
                  audio: bool = True, prompt: str = "", output_tokens: int = 1000,
                  on=None) -> costs.CostBreakdown:
    """Cost of one call by the token rules (frames x tokens per frame + audio + prompt + output)."""
    return costs.estimate_video_understanding(
        model, duration_s=duration_s, fps=fps, media_resolution=(media_resolution or "default"), audio=audio,
        prompt_tokens=costs.text_tokens(prompt), output_tokens=output_tokens, on=on)


def count_video_tokens(client, model: str, contents) -> int:
    """``client.models.count_tokens`` (free): the API's own count of the input."""
    return int(client.models.count_tokens(model=model, contents=contents).total_tokens or 0)


def analyze_video(client, video, prompt: str, *, model: str = DEFAULT_MODEL, start_s: float | None = None,
                  end_s: float | None = None, fps: float | None = None, media_resolution: str | None = None,
                  schema: type[BaseModel] | None = None, max_output_tokens: int = 4096,
                  expected_output_tokens: int = 1000, count_tokens: bool = True, duration_s: float | None = None,
                  on=None) -> VideoAnalysis:
    """Ask ``prompt`` about ``video`` (an uploaded ``File``, a path or bytes), priced before and after.

    Before: token count from the API (``count_tokens``) and an estimate from the token rules; the
    ledger reserves the estimate (in live mode it refuses what the budget cannot cover). After: the
    actual cost from ``usage_metadata`` settles the ledger entry.
    """
    from google.genai import types

    cfg = get_config()
    duration, has_audio = (duration_s, True) if duration_s is not None else _duration_of(video)
    clip = max(0.0, min(end_s if end_s is not None else duration, duration) - (start_s or 0.0))
    part = video_part(video, start_s=start_s, end_s=end_s, fps=fps)
    contents = [types.Content(role="user", parts=[part, types.Part(text=prompt)])]
    counted = count_video_tokens(client, model, contents) if count_tokens else None
    estimate = estimate_call(model, clip, fps=fps, media_resolution=media_resolution, audio=has_audio,
                             prompt=prompt, output_tokens=expected_output_tokens, on=on)
    what = f"video understanding, {clip:g} s" + (f" at {fps:g} fps" if fps else "")
    entry = cfg.ledger.reserve("google", model, what, estimate.total_usd)
    config = types.GenerateContentConfig(max_output_tokens=max_output_tokens)
    if media_resolution is not None:
        config.media_resolution = _resolution_enum(media_resolution)
    if schema is not None:
        config.response_mime_type = "application/json"
        config.response_schema = schema
    try:
        response = client.models.generate_content(model=model, contents=contents, config=config)
    except BaseException as exc:
        entry.cancel(f"{type(exc).__name__}")
        raise
    usage = response.usage_metadata
    actual = costs.cost_from_gemini_usage(usage, model, on=on)
    entry.settle(actual.total_usd, prompt_tokens=getattr(usage, "prompt_token_count", None),
                 output_tokens=getattr(usage, "candidates_token_count", None))
    parsed = response.parsed if schema is not None else None
    return VideoAnalysis(model, prompt, response.text or "", parsed, counted, estimate, actual, usage, response)


def key_features(client, video, *, model: str = DEFAULT_MODEL, media_resolution: str | None = None,
                 **kwargs) -> VideoAnalysis:
    """The demo's features as :class:`KeyFeatures` (structured output), priced before and after."""
    return analyze_video(client, video, KEY_FEATURES_PROMPT, model=model, media_resolution=media_resolution,
                         schema=KeyFeatures, **kwargs)



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

The client comes from ``course_utils.standins.gemini.gemini_client()`` (the local stand-in in replay
mode, the real API in live mode); every function here takes it as its first argument.
"""
from __future__ import annotations

import difflib
import io
import math
import os
import re
import time
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

from pydantic import BaseModel, Field

from .. import costs
from ..config import get_config
from ..display import no_math
from ..errors import JobFailed, OperationTimeout, VideoFormatError
from .frames import mmss, probe

DEFAULT_MODEL = "gemini-3.8-flash"
CHEAP_MODEL = "gemini-3.5-flash-lite"
#: Request size the API accepts inline (since January 2026); larger files go through the Files API.
INLINE_LIMIT_BYTES = 100 * 1024 * 1024
#: Per-file limit of the Files API (files are kept 48 hours; 20 GB per project).
UPLOAD_LIMIT_BYTES = 2 * 1024 ** 3
#: Video MIME types the Gemini API accepts, by file suffix.
GEMINI_VIDEO_MIME = {".mp4": "video/mp4", ".mpeg": "video/mpeg", ".mpg": "video/mpg", ".mov": "video/mov",
                     ".avi": "video/avi", ".flv": "video/x-flv", ".webm": "video/webm", ".wmv": "video/wmv",
                     ".3gp": "video/3gpp"}
CHARS_PER_TEXT_TOKEN = 4.0  # Google's rule of thumb; the API's count_tokens gives the real figure


# -- structured output --------------------------------------------------------------------------
class KeyFeature(BaseModel):
    """One product feature the video presents."""

    name: str = Field(description="The feature's name as the video presents it.")
    start: str = Field(description="When the feature's part of the video starts, as MM:SS.")
    end: str = Field(description="When it ends, as MM:SS.")
    evidence: str = Field(description="What is shown on screen and what is said that demonstrates the feature.")
    source: Literal["visual", "audio", "both"] = Field(description="Where the evidence comes from.")


class KeyFeatures(BaseModel):
    """The features of a product demo video, in the order they appear."""

    product: str = Field(description="The product's name.")
    features: list[KeyFeature]


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


def parse_mmss(value: str | float | int | None) -> float | None:
    """``"01:15" -> 75.0``; ``"1:02:03" -> 3723.0``; numbers pass through; ``None``/"" -> None."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = re.fullmatch(r"\s*(?:(\d+):)?(\d{1,3}):(\d{2}(?:\.\d+)?)\s*", str(value))
    if not m:
        raise VideoFormatError(f"Not a MM:SS timestamp: {value!r} (expected e.g. '01:15').")
    h, mnt, sec = m.groups()
    return (int(h) * 3600 if h else 0) + int(mnt) * 60 + float(sec)


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
    bar = progress_bar(live=progress and not get_config().is_replay, total=None, desc=f"{name}: {_state(file)}",
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
@dataclass
class VideoAnalysis:
    """A Gemini answer about a video, with its token count and its estimated and actual cost."""

    model: str
    prompt: str
    text: str
    parsed: Any
    counted_tokens: int | None
    estimate: costs.CostBreakdown
    actual: costs.CostBreakdown
    usage: Any
    response: Any = field(repr=False)

    @property
    def prompt_tokens(self) -> int:
        """Input tokens the provider billed (Gemini ``prompt_token_count`` / OpenAI ``prompt_tokens``)."""
        return int(getattr(self.usage, "prompt_token_count", None) or getattr(self.usage, "prompt_tokens", 0) or 0)

    def tokens_by_modality(self) -> dict[str, int]:
        details = getattr(self.usage, "prompt_tokens_details", None)
        if not isinstance(details, list):  # OpenAI usage has no per-modality list
            return {}
        return {str(getattr(d.modality, "value", d.modality)): int(d.token_count or 0) for d in details}

    def summary(self) -> str:
        mods = ", ".join(f"{k.lower()} {v:,}" for k, v in self.tokens_by_modality().items())
        return (f"{self.model}: {self.prompt_tokens:,} input tokens{f' ({mods})' if mods else ''}; "
                f"estimated ${self.estimate.total_usd:.4f}, actual ${self.actual.total_usd:.4f}")

    def __repr__(self) -> str:
        return f"{self.summary()}\n{self.text}"

    def _repr_html_(self) -> str:
        return no_math(f"<p><b>{escape(self.summary())}</b></p>"
                       f"<pre style='white-space:pre-wrap'>{escape(self.text)}</pre>")


def estimate_call(model: str, duration_s: float, *, fps: float | None = None, media_resolution: str | None = None,
                  audio: bool = True, prompt: str = "", output_tokens: int = 1000,
                  on=None) -> costs.CostBreakdown:
    """Cost of one call by the token rules (frames x tokens per frame + audio + prompt + output)."""
    return costs.estimate_video_understanding(
        model, duration_s=duration_s, fps=fps, media_resolution=(media_resolution or "default"), audio=audio,
        prompt_tokens=math.ceil(len(prompt) / CHARS_PER_TEXT_TOKEN), output_tokens=output_tokens, on=on)


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


# -- scoring against the ground truth -----------------------------------------------------------
def _words(s: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", s.lower()))


def _name_score(predicted: str, truth: str) -> float:
    """1.0 when every word of the true name is in the predicted one; else a fuzzy ratio."""
    tw, pw = _words(truth), _words(predicted)
    if tw and tw <= pw:
        return 1.0
    return difflib.SequenceMatcher(None, predicted.lower(), truth.lower()).ratio()


@dataclass
class FeatureScore:
    """Found / missed / timestamp error of one method's features against the ground truth."""

    method: str
    rows: list[dict]
    extra: list[str]

    @property
    def found(self) -> int:
        return sum(r["found"] for r in self.rows)

    @property
    def missed(self) -> list[str]:
        return [r["feature"] for r in self.rows if not r["found"]]

    @property
    def mean_start_error_s(self) -> float | None:
        errs = [r["start_error_s"] for r in self.rows if r["start_error_s"] is not None]
        return sum(errs) / len(errs) if errs else None

    def summary(self) -> str:
        err = self.mean_start_error_s
        err_s = "no timestamps" if err is None else f"mean start error {err:.1f} s"
        return (f"{self.method}: found {self.found}/{len(self.rows)}, missed {len(self.missed)}"
                f"{' (' + ', '.join(self.missed) + ')' if self.missed else ''}, {err_s}"
                f"{', extra: ' + ', '.join(self.extra) if self.extra else ''}")

    def __repr__(self) -> str:
        lines = [self.summary()]
        for r in self.rows:
            e = "-" if r["start_error_s"] is None else f"{r['start_error_s']:.1f} s"
            lines.append(f"  {r['feature']:<18} {'found' if r['found'] else 'MISSED':<7} as {r['predicted'] or '-':<28} "
                         f"true start {r['true_start']}  predicted {r['predicted_start'] or '-':<6} error {e}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{h}</th>" for h in ["feature", "found", "predicted as", "true start", "predicted start", "start error"])
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in (
                r["feature"], "yes" if r["found"] else "MISSED", r["predicted"] or "-", r["true_start"],
                r["predicted_start"] or "-", "-" if r["start_error_s"] is None else f"{r['start_error_s']:.1f} s")) + "</tr>"
            for r in self.rows)
        return no_math(f"<p><b>{escape(self.summary())}</b></p><table><tr>{head}</tr>{body}</table>")


def _field(item, name: str):
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def score_features(predicted: Iterable, ground_truth: dict, method: str = "prediction",
                   min_name_score: float = 0.75) -> FeatureScore:
    """Match predicted features (objects or dicts with ``name`` and optional ``start``) to the truth.

    A true feature is *found* when a predicted name contains all its words (or is a close fuzzy
    match); each prediction matches at most one feature. The start error is |predicted - true| in
    seconds, or None when the method gave no timestamp.
    """
    preds = [p for p in predicted]
    truths = ground_truth["features"]
    pairs = sorted(((_name_score(str(_field(p, "name") or ""), t["name"]), i, j)
                    for i, p in enumerate(preds) for j, t in enumerate(truths)), reverse=True)
    used_p, used_t, match = set(), set(), {}
    for score, i, j in pairs:
        if score < min_name_score or i in used_p or j in used_t:
            continue
        used_p.add(i), used_t.add(j)
        match[j] = i
    rows = []
    for j, t in enumerate(truths):
        p = preds[match[j]] if j in match else None
        start = parse_mmss(_field(p, "start")) if p is not None else None
        rows.append({"feature": t["name"], "found": p is not None, "predicted": _field(p, "name") if p else None,
                     "true_start": mmss(t["start_s"]), "predicted_start": mmss(start) if start is not None else None,
                     "start_error_s": abs(start - t["start_s"]) if start is not None else None})
    extra = [str(_field(p, "name")) for i, p in enumerate(preds) if i not in used_p]
    return FeatureScore(method, rows, extra)


def _has_key(text: str, key: str) -> bool:
    """``key`` (alternatives separated by ``|``) starts a word of ``text`` (case-insensitive): "wed" is in
    "Wednesday", "double book" in "double booked", "mk" is not in "bookmark"."""
    for alt in key.split("|"):
        alt = " ".join(alt.lower().split())
        pattern = (r"(?<![a-z0-9])" if alt[:1].isalnum() else "") + re.escape(alt)
        if re.search(pattern, " ".join(text.lower().split())):
            return True
    return False


def facts_covered(text: str, facts: Sequence[dict]) -> list[bool]:
    """For each ground-truth fact (``{"fact", "keys"}``), whether ``text`` holds all its key phrases.

    A transparent check, not a judge: it can miss a paraphrase ("Wednesday" for "Wed" is fine,
    "half past ten" for "10:30" is not), so read the answers too.
    """
    return [all(_has_key(text, k) for k in f["keys"]) for f in facts]


# -- the "traditional methods" (OpenAI): screenshots to a vision model, audio to a transcriber -----
FRAMES_PROMPT = (
    "These are frames sampled every {step:g} s from a product demo video, each labelled with its time. "
    "List the key product features the video presents, in order. For each feature give its name as shown, "
    "when its part of the video starts and ends (MM:SS), and the evidence you see. Say whether the evidence "
    "is visual, audio or both."
)
TRANSCRIPT_PROMPT = (
    "Here is the transcript of a product demo video's narration (text only, no timestamps). List the key "
    "product features it presents, in order. For each give its name, its start and end as MM:SS if the "
    "transcript tells you (otherwise leave them empty), and the evidence. Say whether the evidence is "
    "visual, audio or both.\n\nTranscript:\n{transcript}"
)
VISION_MODEL = "gpt-6-luna"
TRANSCRIBE_MODEL = "gpt-transcribe"


def frames_to_content(frames: Sequence, detail: str = "high", quality: int = 80) -> list[dict]:
    """Chat content parts for sampled frames: a ``Frame at MM:SS`` label, then the JPEG as a data URL."""
    import base64

    from PIL import Image

    parts: list[dict] = []
    for t, image in frames:
        buf = io.BytesIO()
        Image.fromarray(image).save(buf, "JPEG", quality=quality)
        url = "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode()
        parts.append({"type": "text", "text": f"Frame at {mmss(t)}"})
        parts.append({"type": "image_url", "image_url": {"url": url, "detail": detail}})
    return parts


def _chat_cost(model: str, prompt_tokens: float, output_tokens: float, title: str, on=None) -> costs.CostBreakdown:
    result = costs.CostBreakdown(title)
    result.add("input (text + images)", prompt_tokens, "tokens", costs.price(model, "text_input", on), costs.PER_MILLION)
    result.add("output", output_tokens, "tokens", costs.price(model, "text_output", on), costs.PER_MILLION)
    return result


def _parse_chat(client, model: str, messages: list[dict], schema, estimate: costs.CostBreakdown, what: str,
                prompt: str, on=None) -> VideoAnalysis:
    entry = get_config().ledger.reserve("openai", model, what, estimate.total_usd)
    try:
        completion = client.chat.completions.parse(model=model, messages=messages, response_format=schema)
    except BaseException as exc:
        entry.cancel(type(exc).__name__)
        raise
    usage = completion.usage
    actual = _chat_cost(model, usage.prompt_tokens, usage.completion_tokens, f"{model} response", on)
    entry.settle(actual.total_usd, prompt_tokens=usage.prompt_tokens, output_tokens=usage.completion_tokens)
    message = completion.choices[0].message
    return VideoAnalysis(model, prompt, message.content or "", message.parsed, None, estimate, actual, usage, completion)


def ask_about_frames(client, frames: Sequence, *, model: str = VISION_MODEL, step_s: float | None = None,
                     schema: type[BaseModel] = KeyFeatures, detail: str = "high",
                     expected_output_tokens: int = 800, on=None) -> VideoAnalysis:
    """Traditional method (a): send sampled frames as images to a vision chat model, priced first.

    The estimate counts image tokens with ``costs.openai_image_tokens`` (GPT-4o-class tiling; the
    exact rule for newer models may differ: the actual cost comes from the response's usage).
    """
    if not frames:
        raise VideoFormatError("ask_about_frames needs frames; sample them with sample_frames(path, count=20).")
    step = step_s if step_s is not None else (frames[1][0] - frames[0][0] if len(frames) > 1 else 0)
    prompt = FRAMES_PROMPT.format(step=step)
    h, w = frames[0][1].shape[:2]
    image_tokens = len(frames) * costs.openai_image_tokens(w, h, detail)
    estimate = _chat_cost(model, image_tokens + math.ceil(len(prompt) / CHARS_PER_TEXT_TOKEN) + 6 * len(frames),
                          expected_output_tokens, f"{model}: {len(frames)} frames ({image_tokens:,} image tokens)", on)
    messages = [{"role": "user", "content": [{"type": "text", "text": prompt}, *frames_to_content(frames, detail)]}]
    return _parse_chat(client, model, messages, schema, estimate, f"{len(frames)} sampled frames", prompt, on)


def transcribe(client, audio_path: str | os.PathLike, *, model: str = TRANSCRIBE_MODEL,
               duration_s: float | None = None, on=None) -> tuple[str, costs.CostBreakdown]:
    """Traditional method (b), step 1: the audio track to text (priced per minute), ``(text, actual cost)``."""
    import soundfile

    p = Path(audio_path)
    if not p.is_file():
        raise VideoFormatError(f"No audio file at {p}; make one with extract_audio(video, 'audio.mp3').")
    if duration_s is None:
        try:
            duration_s = soundfile.info(str(p)).duration
        except Exception:  # mp3 on an old libsndfile
            import av

            with av.open(str(p)) as c:
                duration_s = float(c.duration or 0) / 1e6
    rate = costs.price(model, "audio_minute", on)
    estimate = costs.CostBreakdown(f"{model}: {duration_s:.1f} s of audio")
    estimate.add("audio", duration_s / 60, "minutes", rate)
    entry = get_config().ledger.reserve("openai", model, f"transcription, {duration_s:.0f} s", estimate.total_usd)
    try:
        with open(p, "rb") as f:
            result = client.audio.transcriptions.create(model=model, file=f)
    except BaseException as exc:
        entry.cancel(type(exc).__name__)
        raise
    seconds = getattr(getattr(result, "usage", None), "seconds", None) or duration_s
    actual = costs.CostBreakdown(f"{model} transcription")
    actual.add("audio", seconds / 60, "minutes", rate)
    entry.settle(actual.total_usd, seconds=seconds)
    return result.text, actual


def features_from_transcript(client, transcript: str, *, model: str = VISION_MODEL,
                             schema: type[BaseModel] = KeyFeatures, expected_output_tokens: int = 800,
                             on=None) -> VideoAnalysis:
    """Traditional method (b), step 2: a text model lists the features it can find in the transcript."""
    prompt = TRANSCRIPT_PROMPT.format(transcript=transcript)
    estimate = _chat_cost(model, math.ceil(len(prompt) / CHARS_PER_TEXT_TOKEN), expected_output_tokens,
                          f"{model}: transcript of {len(transcript):,} characters", on)
    messages = [{"role": "user", "content": prompt}]
    return _parse_chat(client, model, messages, schema, estimate, "features from transcript", prompt, on)

"""The chapter's "traditional methods" (OpenAI), the baselines native video understanding is scored
against: sampled screenshots to a vision chat model, and the audio track to a transcriber then a text
model. Each call is priced first (:mod:`course_utils.costs`), reserved in the ledger, settled from usage."""
from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Sequence

from pydantic import BaseModel

from .. import costs
from ..config import get_config
from ..errors import VideoFormatError
from ..voice.models import CHAT_MODEL, STT_MODEL
from .analysis import KeyFeatures, VideoAnalysis
from .frames import mmss

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
VISION_MODEL = CHAT_MODEL
TRANSCRIBE_MODEL = STT_MODEL


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


def _parse_chat(client, model: str, messages: list[dict], schema, estimate: costs.CostBreakdown, what: str,
                prompt: str, on=None) -> VideoAnalysis:
    entry = get_config().ledger.reserve("openai", model, what, estimate.total_usd)
    try:
        completion = client.chat.completions.parse(model=model, messages=messages, response_format=schema)
    except BaseException as exc:
        entry.cancel(type(exc).__name__)
        raise
    usage = completion.usage
    actual = costs.chat_cost(model, usage.prompt_tokens, usage.completion_tokens, f"{model} response", on)
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
    estimate = costs.chat_cost(model, image_tokens + costs.text_tokens(prompt) + 6 * len(frames),
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
    estimate = costs.transcription_cost(duration_s, model, f"{model}: {duration_s:.1f} s of audio", on)
    entry = get_config().ledger.reserve("openai", model, f"transcription, {duration_s:.0f} s", estimate.total_usd)
    try:
        with open(p, "rb") as f:
            result = client.audio.transcriptions.create(model=model, file=f)
    except BaseException as exc:
        entry.cancel(type(exc).__name__)
        raise
    seconds = getattr(getattr(result, "usage", None), "seconds", None) or duration_s
    actual = costs.transcription_cost(seconds, model, f"{model} transcription", on)
    entry.settle(actual.total_usd, seconds=seconds)
    return result.text, actual


def features_from_transcript(client, transcript: str, *, model: str = VISION_MODEL,
                             schema: type[BaseModel] = KeyFeatures, expected_output_tokens: int = 800,
                             on=None) -> VideoAnalysis:
    """Traditional method (b), step 2: a text model lists the features it can find in the transcript."""
    prompt = TRANSCRIPT_PROMPT.format(transcript=transcript)
    estimate = costs.chat_cost(model, costs.text_tokens(prompt), expected_output_tokens,
                          f"{model}: transcript of {len(transcript):,} characters", on)
    messages = [{"role": "user", "content": prompt}]
    return _parse_chat(client, model, messages, schema, estimate, "features from transcript", prompt, on)

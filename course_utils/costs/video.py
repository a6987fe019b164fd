"""Video estimators: Gemini video understanding (frames, audio, images) and video generation."""
from __future__ import annotations

import math
from datetime import date
from typing import Any

from ..errors import CourseError
from ..voice.models import GEMINI_VIDEO_MODEL
from .tables import PER_MILLION, CostBreakdown, price, price_row, token_rule, token_rules


def gemini_video_tokens_per_frame(model: str, media_resolution: str = "default") -> float:
    """Tokens per sampled video frame: Gemini 3 uses 70 (default/low/medium) or 280 (high)."""
    res = media_resolution.lower().replace("media_resolution_", "")
    if res not in ("default", "low", "medium", "high", "unspecified"):
        raise CourseError(f"media_resolution must be default, low, medium or high, not {media_resolution!r}.")
    if model.startswith(("gemini-2", "gemini-1")):
        return token_rule("gemini2_video_tokens_per_frame_low" if res == "low" else "gemini2_video_tokens_per_frame_default")
    return token_rule("gemini3_video_tokens_per_frame_high" if res == "high" else "gemini3_video_tokens_per_frame_default")


def estimate_video_understanding(model: str = GEMINI_VIDEO_MODEL, duration_s: float = 300.0, fps: float | None = None,
                                 media_resolution: str = "default", audio: bool = True, prompt_tokens: int = 200,
                                 output_tokens: int = 800, on: str | date | None = None) -> CostBreakdown:
    """Tokens and cost of sending a video to Gemini: frames at ``fps`` (default 1) x tokens per frame + audio."""
    fps = token_rule("gemini_video_default_fps") if fps is None else fps
    frames = math.ceil(duration_s * fps)
    tpf = gemini_video_tokens_per_frame(model, media_resolution)
    result = CostBreakdown(f"{model}: {duration_s:g} s video at {fps:g} fps, media_resolution={media_resolution}")
    result.add(f"video frames ({frames} x {tpf:g} tokens)", frames * tpf, "tokens", price(model, "input_video", on), PER_MILLION)
    if audio:
        result.add("audio track", duration_s * token_rule("gemini_audio_tokens_per_second"), "tokens",
                   price(model, "input_audio", on), PER_MILLION)
    result.add("prompt", prompt_tokens, "tokens", price(model, "input_text", on), PER_MILLION)
    result.add("output (incl. thinking)", output_tokens, "tokens", price(model, "output_text", on), PER_MILLION)
    return result


def estimate_gemini_images(model: str = GEMINI_VIDEO_MODEL, n_images: int = 20, media_resolution: str = "low",
                           prompt_tokens: int = 200, output_tokens: int = 800, on: str | date | None = None) -> CostBreakdown:
    """Sampled screenshots sent as images: Gemini 3 image tokens by media resolution."""
    per = token_rule(f"gemini3_image_tokens_{'medium' if media_resolution == 'default' else media_resolution}")
    result = CostBreakdown(f"{model}: {n_images} images at media_resolution={media_resolution}")
    result.add(f"images ({n_images} x {per:g} tokens)", n_images * per, "tokens", price(model, "input_image", on), PER_MILLION)
    result.add("prompt", prompt_tokens, "tokens", price(model, "input_text", on), PER_MILLION)
    result.add("output (incl. thinking)", output_tokens, "tokens", price(model, "output_text", on), PER_MILLION)
    return result


# -- video generation ----------------------------------------------------------------------------
_OMNI_PREFIX = "gemini-omni"


def estimate_video_generation(provider: str, model: str, seconds: float, resolution: str = "720p",
                              prompt_tokens: int = 100, on: str | date | None = None) -> CostBreakdown:
    """Cost of generating ``seconds`` of video.

    Per-second models: the row ``video_second_<resolution>``. Gemini Omni Flash is billed in tokens:
    seconds x output tokens per second at that resolution (token_rules.csv) x the output-video rate,
    plus the prompt at the input rate.
    """
    res = resolution.lower()
    result = CostBreakdown(f"{provider} {model}: {seconds:g} s at {res}")
    if model.startswith(_OMNI_PREFIX):
        rule = f"omni_flash_output_tokens_per_second_{res}"
        if rule not in token_rules():
            known = [k.rsplit("_", 1)[-1] for k in token_rules() if k.startswith("omni_flash_output_tokens_per_second_")]
            raise CourseError(f"No confirmed token rate for {model} at {res}; known resolutions: {', '.join(known)}.")
        tps = token_rule(rule)
        result.add(f"video output ({tps:g} tokens/s)", seconds * tps, "tokens", price(model, "output_video", on), PER_MILLION)
        result.add("prompt", prompt_tokens, "tokens", price(model, "input", on), PER_MILLION)
        result.notes.append(f"rule: cost/s = {tps:g} tokens/s x ${price(model, 'output_video', on)}/1M "
                            f"= ${tps * price(model, 'output_video', on) / PER_MILLION:.4f}/s")
    else:
        row = price_row(model, f"video_second_{res}", on)
        result.add("video", seconds, "seconds", row.usd)  # type: ignore[arg-type]
        if row.status not in ("current",):
            result.notes.append(f"{row.status}: {row.note}")
    return result


def cost_from_omni_usage(usage: Any, model: str, on: str | date | None = None) -> float:
    """USD of one Gemini Omni Flash interaction from its ``usage``: video output tokens at the output-video
    rate, input tokens at the input rate, any other output at the text-output rate (at the video rate
    when the model has no text-output row: an upper bound)."""
    if usage is None:
        return 0.0
    video_tokens = sum(m.tokens or 0 for m in (usage.output_tokens_by_modality or []) if str(m.modality) == "video")
    other_out = max((usage.total_output_tokens or 0) - video_tokens, 0)
    cost = video_tokens * price(model, "output_video", on) / PER_MILLION
    cost += (usage.total_input_tokens or 0) * price(model, "input", on) / PER_MILLION
    if other_out:
        try:
            cost += other_out * price(model, "output_text", on) / PER_MILLION
        except CourseError:  # no text-output row for Omni
            cost += other_out * price(model, "output_video", on) / PER_MILLION
    return cost

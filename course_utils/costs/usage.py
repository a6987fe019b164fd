"""Pricing of token-billed text, image and Gemini calls from their ``usage`` (and their estimates)."""
from __future__ import annotations

import math
from datetime import date
from typing import Any, Mapping

from .tables import PER_MILLION, CostBreakdown, _get, price, token_rule


def _gemini_get(obj: Any, name: str, default: Any = 0) -> Any:
    """A Gemini usage field from an SDK object, or a dict in either form: snake_case (the SDK's
    ``model_dump()``) or camelCase (the wire JSON, ``usageMetadata``)."""
    if isinstance(obj, Mapping) and name not in obj:
        head, *rest = name.split("_")
        name = head + "".join(p.title() for p in rest)
    return _get(obj, name, default)


def cost_from_gemini_usage(usage_metadata: Any, model: str, on: str | date | None = None) -> CostBreakdown:
    """Cost of one Gemini response from its ``usage_metadata`` (SDK object, or dict with snake_case or
    camelCase keys), by modality. One rule on both sides: tokens a total counts beyond its
    per-modality details (separators, timestamps) are priced as text."""
    g = _gemini_get
    result = CostBreakdown(f"{model} response")

    def side(total: int, details: list, kind: str) -> None:
        counted = 0
        for d in details:
            modality = str(g(d, "modality", "TEXT")).split(".")[-1].lower()
            n = g(d, "token_count")
            counted += n
            if n:
                result.add(f"{modality} {kind}", n, "tokens", price(model, f"{kind}_{modality}", on), PER_MILLION)
        if total - counted > 0:
            label = "output" if kind == "output" and not details else f"other {kind} (not in details)"
            result.add(label, total - counted, "tokens", price(model, f"{kind}_text", on), PER_MILLION)

    side(g(usage_metadata, "prompt_token_count"), g(usage_metadata, "prompt_tokens_details", None) or [], "input")
    out_details = g(usage_metadata, "candidates_tokens_details", None) or g(usage_metadata, "response_tokens_details", None) or []
    out_total = g(usage_metadata, "candidates_token_count") or g(usage_metadata, "response_token_count")
    side(out_total, out_details, "output")
    thoughts = g(usage_metadata, "thoughts_token_count")
    if thoughts:
        result.add("thinking (billed as output)", thoughts, "tokens", price(model, "output_text", on), PER_MILLION)
    return result


def openai_image_tokens(width: int, height: int, detail: str = "high") -> int:
    """OpenAI image input tokens (GPT-4o-class tiling): base + tiles of 512 px after scaling."""
    base, tile = token_rule("openai_image_base_tokens"), token_rule("openai_image_tile_tokens")
    if detail == "low":
        return int(base)
    scale = min(1.0, 2048 / max(width, height))
    w, h = width * scale, height * scale
    scale = min(1.0, 768 / min(w, h))
    w, h = w * scale, h * scale
    return int(base + tile * math.ceil(w / 512) * math.ceil(h / 512))


# -- OpenAI chat (text and images) -------------------------------------------------------------------
def chat_cost(model: str, prompt_tokens: float, output_tokens: float, title: str,
              on: str | date | None = None) -> CostBreakdown:
    """A Chat Completions call from its token counts (estimated or from ``usage``): input (text and
    images, billed alike) and output."""
    result = CostBreakdown(title)
    result.add("input (text + images)", prompt_tokens, "tokens", price(model, "text_input", on), PER_MILLION)
    result.add("output", output_tokens, "tokens", price(model, "text_output", on), PER_MILLION)
    return result


def vision_cost(usage: Any, model: str, image_tokens: int, title: str = "vision call",
                on: str | date | None = None) -> CostBreakdown:
    """Cost of a Chat Completions call with one image: the API folds image tokens into
    ``prompt_tokens`` (billed at the input rate), so the image's share is computed by the tile rule."""
    prompt = _get(usage, "prompt_tokens")
    completion = _get(usage, "completion_tokens")
    cached = _get(_get(usage, "prompt_tokens_details", None), "cached_tokens")
    rate_in, rate_out = price(model, "text_input", on), price(model, "text_output", on)
    out = CostBreakdown(f"{model} {title}")
    image = min(image_tokens, prompt)
    out.add(f"{model}: image input (tile rule)", image, "tokens", rate_in, PER_MILLION)
    text = prompt - image - cached
    if text:
        out.add(f"{model}: text input", text, "tokens", rate_in, PER_MILLION)
    if cached:
        out.add(f"{model}: cached input", cached, "tokens", price(model, "text_cached_input", on), PER_MILLION)
    out.add(f"{model}: output", completion, "tokens", rate_out, PER_MILLION)
    out.notes.append("image tokens are billed as input tokens; their count here is the tile rule's "
                     "(85 + 170 per 512 px tile at detail high), not reported separately by the API")
    return out


# -- transcription -----------------------------------------------------------------------------------
def transcription_cost(seconds: float, model: str, title: str, on: str | date | None = None) -> CostBreakdown:
    """A per-minute transcription model on ``seconds`` of audio (the estimate from the file's length,
    the actual from the billed seconds)."""
    result = CostBreakdown(title)
    result.add("audio", seconds / 60, "minutes", price(model, "audio_minute", on))
    return result

"""Usage accounting of the Realtime stand-in: token counts of items, the prompt a response reads,
prompt caching, and the ``usage`` block of ``response.done`` (with the course's token rules).

Part of the local Realtime server (:mod:`course_utils.realtime.server`), split along its seams.
"""
from __future__ import annotations

import asyncio
import base64
import io
import json
from dataclasses import dataclass, field
from typing import Any

from ..voice.formats import duration_ms
from .protocol import CACHE_MIN_TOKENS


def text_tokens(text: str) -> int:
    """A stand-in for the tokenizer: the token rule of :func:`course_utils.costs.text_tokens`."""
    from .. import costs

    return costs.text_tokens(text)


def _audio_tokens(ms: float, role: str) -> int:
    from .. import costs

    return int(round(costs.realtime_audio_tokens(ms / 1000.0, role)))




# -- per-connection state ----------------------------------------------------------------------------
@dataclass(eq=False)
class _Item:
    data: dict                 # the item as the protocol shows it (without audio)
    role: str = ""
    audio: bytes = b""         # PCM16 24 kHz of an audio item (user input or assistant output)
    version: int = 0           # bumps on truncate: what the prompt cache sees
    image_tokens: int | None = None  # counted once, on first use

    @property
    def id(self) -> str:
        return self.data["id"]

    def tokens(self) -> tuple[int, int, int]:
        """(text, audio, image) tokens this item adds to a prompt."""
        text, audio, image = 0, 0, 0
        d = self.data
        if d["type"] == "message":
            for part in d.get("content") or []:
                if part.get("type") in ("input_text", "output_text"):
                    text += text_tokens(part.get("text") or "")
            if self.audio:
                audio += _audio_tokens(duration_ms(self.audio),
                                       "assistant" if self.role == "assistant" else "user")
            if self.image_tokens is None:
                self.image_tokens = sum(_image_tokens(part) for part in d.get("content") or []
                                        if part.get("type") == "input_image")
            image = self.image_tokens
        elif d["type"] == "function_call":
            text += text_tokens(d.get("name", "") + (d.get("arguments") or ""))
        elif d["type"] == "function_call_output":
            text += text_tokens(d.get("output") or "")
        return text, audio, image


def _image_tokens(part: dict) -> int:
    """Tokens of an ``input_image`` part by the course's tile rule (costs.openai_image_tokens).

    The image's size is read from its data URL; one that cannot be read counts as a low-detail image.
    """
    from .. import costs

    detail = "low" if part.get("detail") == "low" else "high"
    url = part.get("image_url") or ""
    try:
        from PIL import Image

        header, _, payload = url.partition(",")
        if not header.startswith("data:image/") or ";base64" not in header:
            raise ValueError("not a base64 data URL")
        with Image.open(io.BytesIO(base64.b64decode(payload, validate=True))) as img:
            width, height = img.size
    except Exception:
        return costs.openai_image_tokens(1, 1, "low")
    return costs.openai_image_tokens(width, height, detail)


@dataclass(eq=False)
class _Response:
    id: str
    turn_index: int
    data: dict
    conversation: bool                    # False for conversation="none"
    modalities: list
    max_output_tokens: Any
    context: list                         # [(signature, text, audio, image tokens)] the prompt it read
    task: asyncio.Task | None = None
    cancel_reason: str | None = None
    sleeping: bool = False
    output_items: list = field(default_factory=list)
    out_text_tokens: int = 0
    out_audio_ms: float = 0.0
    status: str = "in_progress"



class _BudgetReached(Exception):
    pass


class UsageMixin:
    """What a :class:`~course_utils.realtime.session.RealtimeSession` counts: prompts, budgets, usage."""

    def _prompt(self, params: dict, conversation: bool) -> list:
        instructions = params.get("instructions", self.session.get("instructions") or "")
        tools = params.get("tools", self.session.get("tools") or [])
        context = [(("instructions", instructions, json.dumps(tools, sort_keys=True)),
                    text_tokens(instructions) + text_tokens(json.dumps(tools)), 0, 0)]
        items = list(self.items) if conversation else []
        extra = [_Item(dict(it), role=it.get("role", "")) for it in params.get("input") or []]
        for item in items + extra:
            t, a, i = item.tokens()
            context.append(((item.id if "id" in item.data else id(item), item.version), t, a, i))
        return context


    def _over_budget(self, resp: _Response) -> bool:
        limit = resp.max_output_tokens
        return isinstance(limit, int) and resp.out_text_tokens + _audio_tokens(resp.out_audio_ms, "assistant") >= limit


    def _usage(self, resp: _Response) -> dict:
        context = resp.context
        in_text = sum(c[1] for c in context)
        in_audio = sum(c[2] for c in context)
        in_image = sum(c[3] for c in context)
        # prompt caching: the prefix identical to the previous prompt, once it reaches 1,024 tokens
        cached_text = cached_audio = cached_image = 0
        prev = self.previous_context
        if sum(c[1] + c[2] + c[3] for c in prev) >= CACHE_MIN_TOKENS:
            for mine, theirs in zip(context, prev):
                if mine[0] != theirs[0]:
                    break
                cached_text += mine[1]
                cached_audio += mine[2]
                cached_image += mine[3]
            if cached_text + cached_audio + cached_image < CACHE_MIN_TOKENS:
                cached_text = cached_audio = cached_image = 0
        if resp.conversation:
            self.previous_context = context
        out_audio = _audio_tokens(resp.out_audio_ms, "assistant")
        out_text = resp.out_text_tokens
        cached = cached_text + cached_audio + cached_image
        return {"total_tokens": in_text + in_audio + in_image + out_text + out_audio,
                "input_tokens": in_text + in_audio + in_image, "output_tokens": out_text + out_audio,
                "input_token_details": {"text_tokens": in_text, "audio_tokens": in_audio, "image_tokens": in_image,
                                        "cached_tokens": cached,
                                        "cached_tokens_details": {"text_tokens": cached_text, "audio_tokens": cached_audio,
                                                                  "image_tokens": cached_image}},
                "output_token_details": {"text_tokens": out_text, "audio_tokens": out_audio}}

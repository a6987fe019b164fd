"""The support case's vision call: a screenshot described by a vision model (priced first, settled
from usage), the conversation items either way of sharing a screen, and recording the calls."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from . import costs
from .config import get_config
from .support_screens import Screen, image_match_slice, load_screen
from .voice.models import CHAT_MODEL

VISION_MODEL = CHAT_MODEL   # the chapter's gpt-4.1-mini is deprecated (leaves the API 2027-01-14)
VISION_FIXTURE = ("support_vision", "screens")
VISION_PROMPT = ("What problem does this screen show? Quote any error text and codes exactly. "
                 "Answer in at most three sentences.")


def screen_item_text(description: str) -> str:
    """What the describe path injects: the vision model's words, marked as such."""
    return f"[I shared my screen. A vision model describes it:] {description}"


def description_item(description: str) -> dict:
    """The chapter's injected item: a user message with the description as ``input_text``."""
    return {"type": "message", "role": "user", "content": [{"type": "input_text", "text": screen_item_text(description)}]}


def image_item(screen: Screen, detail: str = "high") -> dict:
    """The newer way: the screenshot itself as an ``input_image`` content part (a data URL)."""
    return {"type": "message", "role": "user",
            "content": [{"type": "input_text", "text": "[I shared my screen.]"},
                        {"type": "input_image", "image_url": screen.data_url, "detail": detail}]}


@dataclass
class VisionResult:
    """One vision call: the description, how long it took, its usage and cost."""

    screen: str
    model: str
    description: str
    latency_ms: float
    usage: dict
    image_tokens: int
    cost: costs.CostBreakdown
    raw: dict = field(default_factory=dict, repr=False)   # the response as JSON (record mode saves it)
    prompt: str = VISION_PROMPT


def estimate_vision(screen: Screen, model: str = VISION_MODEL, detail: str = "high", prompt: str = VISION_PROMPT,
                    output_tokens: int = 150) -> costs.CostBreakdown:
    """The price of one vision call before it runs (for the ledger)."""
    usage = {"prompt_tokens": screen.image_tokens(detail) + costs.text_tokens(prompt) + 10, "completion_tokens": output_tokens}
    return costs.vision_cost(usage, model, screen.image_tokens(detail), f"estimate: {screen.name}")


async def analyze_screen(client, screen: Screen, model: str = VISION_MODEL, detail: str = "high",
                         prompt: str = VISION_PROMPT) -> VisionResult:
    """Describe a screenshot with a vision model through ``openai.AsyncOpenAI`` (priced first, settled from usage).

    The chapter calls the *sync* ``OpenAI()`` client inside its async function, which blocks the event
    loop (and with it the Realtime receive loop) for the whole call; the async client does not.
    """
    ledger = get_config().ledger
    entry = ledger.reserve("openai", model, f"support call: describe {screen.name}", estimate_vision(screen, model, detail, prompt).total_usd)
    t0 = time.monotonic()
    try:
        response = await client.chat.completions.create(
            model=model,
            messages=[{"role": "user", "content": [
                {"type": "text", "text": prompt},
                {"type": "image_url", "image_url": {"url": screen.data_url, "detail": detail}},
            ]}],
        )
    except Exception:
        entry.cancel("the vision call failed")
        raise
    latency = (time.monotonic() - t0) * 1000
    usage = response.usage.model_dump() if response.usage else {}
    tokens = screen.image_tokens(detail)
    cost = costs.vision_cost(usage, model, tokens, f"describe {screen.name}")
    entry.settle(cost.total_usd, usage=usage)
    return VisionResult(screen.name, model, response.choices[0].message.content or "", latency, usage, tokens, cost,
                        response.model_dump(mode="json"), prompt)


def save_vision_exchanges(name: str, visions: list[VisionResult], root=None) -> Any:
    """Record mode: write the vision calls as a ``support_vision/<name>`` REST fixture (secrets scrubbed),
    matched like the hand-written one (model + the prompt's start + a slice of the screenshot)."""
    from datetime import date

    from .fixtures import save_fixture

    exchanges = [{"method": "POST", "path": "/v1/chat/completions", "screen": v.screen,
                  "match": {"model": v.model, "contains": [v.prompt[:40], image_match_slice(load_screen(v.screen).b64)]},
                  "status": 200, "latency_ms": round(v.latency_ms), "json": v.raw} for v in visions]
    manifest = {"provenance": f"recorded: live {', '.join(sorted({v.model for v in visions}))} calls on "
                              f"{date.today().isoformat()} by course_utils.support_case (record mode); latency_ms "
                              f"measured; every secret scrubbed before saving",
                "kind": "openai_rest_exchanges", "screens": [v.screen for v in visions]}
    return save_fixture(VISION_FIXTURE[0], name, manifest, {"exchanges.json": json.dumps(exchanges, indent=2)},
                        secrets=get_config().secrets(), root=root)


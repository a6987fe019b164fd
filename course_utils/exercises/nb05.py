"""Exercises of notebook 05 (the support call): an image's tokens, the vision call without blocking the
call, and what one shared screen costs each way.

Checkers of our own: q2 runs the learner's ``async`` function on its own event loop against the local
OpenAI REST stand-in (the real ``openai.AsyncOpenAI`` client, the recorded vision answers with their
made-up latency) while a ticker task measures whether the loop kept running; otter's test files cannot
see that. q1 and q3 compute the expected figures from ``course_utils.costs`` (token rules and prices in
``data/pricing``), so they follow the data.
"""
from __future__ import annotations

import asyncio
import inspect
import math
import time
from typing import Any

from .. import costs
from ..voice.models import REALTIME_MODEL
from . import Exercise

__all__ = ["EXERCISES"]


# -- q1: image tokens by the tile rule -------------------------------------------------------------
IMAGE_CASES = [(800, 500, "high"), (1920, 1080, "high"), (300, 2400, "high"), (512, 512, "high"), (4000, 3000, "high"),
               (800, 500, "low")]


def _tiles(width: float, height: float, *, fit=True, shrink=True, upscale=False, rounding=math.ceil) -> int:
    if fit:
        scale = min(1.0, 2048 / max(width, height))
        width, height = width * scale, height * scale
    if shrink:
        scale = 768 / min(width, height)
        scale = scale if upscale else min(1.0, scale)
        width, height = width * scale, height * scale
    return int(rounding(width / 512) * rounding(height / 512))


def _image_tokens(width, height, detail, *, base=True, low_tiles=False, **tile_options) -> int:
    b, t = costs.token_rule("openai_image_base_tokens"), costs.token_rule("openai_image_tile_tokens")
    if detail == "low" and not low_tiles:
        return int(b)
    return int((b if base else 0) + t * _tiles(width, height, **tile_options))


IMAGE_MISTAKES = [
    ("at detail low an image is the base 85 tokens, whatever its size: no tiles", {"low_tiles": True}),
    ("you left out the 85 base tokens every image costs", {"base": False}),
    ("a tile that is only partly covered still counts: round tiles up (math.ceil)", {"rounding": math.floor}),
    ("you skipped the first step: scale the image to fit in 2048 x 2048 before the 768 px step", {"fit": False}),
    ("you skipped the second step: scale the shortest side down to 768 px before counting 512 px tiles",
     {"shrink": False}),
    ("a short side under 768 px is not scaled up: only images larger than that shrink", {"upscale": True}),
]


def _check_image_tokens(image_tokens) -> str | None:
    for width, height, detail in IMAGE_CASES:
        got = image_tokens(width, height, detail)
        want = costs.openai_image_tokens(width, height, detail)
        if got is None:
            return "your function returned None; return the number of tokens"
        if round(float(got)) == want:
            continue
        for message, variant in IMAGE_MISTAKES:
            if round(float(got)) == _image_tokens(width, height, detail, **variant):
                return message
        return f"a {width}x{height} image at detail {detail} is {want} tokens, not {got}"
    return None


# -- q2: the vision call, without blocking the call's event loop ----------------------------------
class _Recorder:
    """``client.chat.completions.create`` of a real AsyncOpenAI client, with its arguments and answer kept."""

    def __init__(self, client: Any):
        self._client = client
        self.calls: list[dict] = []
        self.answers: list[Any] = []
        self.chat = self
        self.completions = self

    async def create(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        answer = await self._client.chat.completions.create(**kwargs)
        self.answers.append(answer)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _image_parts(kwargs: dict) -> list[dict]:
    parts = []
    for message in kwargs.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, list):
            parts += [p for p in content if isinstance(p, dict) and p.get("type") != "text"]
    return parts


async def _check_describe(describe_screen) -> str | None:
    import openai

    from ..clients import async_openai_client
    from ..support_screens import load_screen
    from ..support_vision import VISION_FIXTURE

    screen = load_screen("sync_error.png")
    # speed 1: the recorded latency as it is (about a second), so a blocked event loop shows
    client = _Recorder(async_openai_client(fixtures=[VISION_FIXTURE], speed=1.0))
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.02)

    ticking = asyncio.create_task(ticker())
    try:
        await asyncio.sleep(0.05)
        result = describe_screen(client, screen)
        if not inspect.isawaitable(result):
            return ("describe_screen must be an async def that awaits the AsyncOpenAI client you are given: the "
                    "Realtime call runs on the same event loop")
        try:
            text = await result
        except openai.NotFoundError:
            return ("the replay stand-in has no recorded answer for that request: send model VISION_MODEL and the "
                    "prompt VISION_PROMPT (from course_utils.support_vision) with the screenshot (replay answers only what was recorded)")
        await asyncio.sleep(0.05)
    finally:
        ticking.cancel()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    if gaps and max(gaps) > 0.75:
        return (f"your function blocked the event loop for {max(gaps):.1f} s (a sync client inside async def, the "
                "chapter's bug): await the AsyncOpenAI client you were given, client.chat.completions.create(...)")
    if not client.calls:
        return "your function did not use the client it was given: call await client.chat.completions.create(...)"
    parts = _image_parts(client.calls[-1])
    if any(p.get("type") == "input_image" for p in parts):
        return ("Chat Completions takes the image as {'type': 'image_url', 'image_url': {'url': ...}}; input_image is "
                "the Realtime (and Responses) part type")
    urls = [str((p.get("image_url") or {}).get("url", "")) for p in parts if p.get("type") == "image_url"]
    if not urls:
        return "the request carries no image: add a {'type': 'image_url', 'image_url': {'url': screen.data_url}} part"
    if not urls[0].startswith("data:image/png;base64,"):
        return "image_url.url must be a data URL ('data:image/png;base64,' + the base64: screen.data_url), not bare base64"
    answer = client.answers[-1]
    if text is answer or hasattr(text, "choices"):
        return "return the description's text (response.choices[0].message.content), not the whole response"
    want = answer.choices[0].message.content
    if text != want:
        return f"return the model's words as they came (response.choices[0].message.content), not {str(text)[:60]!r}"
    return None


# -- q3: what one shared screen adds to the call ---------------------------------------------------
COST_CASES = [("image", 0, {}), ("image", 5, {}), ("describe", 0, {}), ("describe", 5, {}),
              ("image", 3, {"image_tokens": 85}), ("describe", 2, {"description_tokens": 120, "vision_usd": 0.0001})]
DEFAULTS = {"image_tokens": 425, "description_tokens": 70, "vision_usd": 0.00008}


def _screen_cost(mode, later, image_tokens=425, description_tokens=70, vision_usd=0.00008, *, cached=True,
                 rereads=True, image_item="image", vision=True) -> float:
    kind = image_item if mode == "image" else "text"
    tokens = image_tokens if mode == "image" else description_tokens
    first = tokens * costs.price(REALTIME_MODEL, f"{kind}_input") / 1e6
    again_item = f"{kind}_cached_input" if cached else f"{kind}_input"
    again = (later * tokens * costs.price(REALTIME_MODEL, again_item) / 1e6) if rereads else 0.0
    return first + again + (vision_usd if mode == "describe" and vision else 0.0)


COST_MISTAKES = [
    ("every later response re-reads the item: add later_responses x its tokens at the cached price", {"rereads": False}),
    ("the re-reads hit the prompt cache: price them at the cached input rate, not the full one", {"cached": False}),
    ("an image is billed at the model's image input price ($5 per 1M), not the text price", {"image_item": "text"}),
    ("the describe path also pays for the vision call (vision_usd)", {"vision": False}),
]


def _check_screen_cost(screen_cost) -> str | None:
    for mode, later, overrides in COST_CASES:
        args = {**DEFAULTS, **overrides}
        got = screen_cost(mode, later, **args)
        want = _screen_cost(mode, later, **args)
        if got is None:
            return "your function returned None; return the cost in USD"
        got = float(got)
        if abs(got - want) <= 1e-12 + 1e-6 * want:
            continue
        if abs(got - want * 1e6) <= 1e-3 * want * 1e6:
            return "you returned micro-dollars: prices are per 1M tokens, so divide tokens x price by 1,000,000"
        for message, variant in COST_MISTAKES:
            alt = _screen_cost(mode, later, **args, **variant)
            if abs(alt - want) > 1e-15 and abs(got - alt) <= 1e-12 + 1e-6 * alt:
                return message
        return f"screen_cost({mode!r}, {later}, ...) is ${want:.7f}, not ${got:.7f}"
    return None


EXERCISES = [
    Exercise(
        key="q1",
        question=("Write image_tokens(width, height, detail='high'): the input tokens of one image by OpenAI's tile rule. "
                  "At detail low: 85. At high: scale the image to fit in 2048 x 2048, then scale its shortest side down "
                  "to 768 px (never up), count the 512 px tiles that cover it, and return 85 + 170 per tile."),
        check=_check_image_tokens,
        hints=["800x500 fits both limits, so it is 2 x 1 tiles: 85 + 2 x 170 = 425.",
               "Scaling never enlarges: scale = min(1, 2048 / longest side), then min(1, 768 / shortest side). Tiles per "
               "side: math.ceil(side / 512)."],
    ),
    Exercise(
        key="q2",
        question=("Write async def describe_screen(client, screen) that asks the vision model what the screen shows "
                  "and returns its words: await client.chat.completions.create(model=VISION_MODEL, messages=[one user "
                  "message with the text VISION_PROMPT and the screenshot as an image_url data URL]) and return the "
                  "message's content. The call must not block the event loop the Realtime session runs on. VISION_MODEL and "
                  "VISION_PROMPT come from course_utils.support_vision."),
        check=_check_describe,
        hints=["client is an openai.AsyncOpenAI: its calls are awaited. screen.data_url is the PNG as a data URL.",
               "content=[{'type': 'text', 'text': VISION_PROMPT}, {'type': 'image_url', 'image_url': "
               "{'url': screen.data_url, 'detail': 'high'}}]; the answer is response.choices[0].message.content."],
    ),
    Exercise(
        key="q3",
        question=("Write screen_cost(mode, later_responses, image_tokens=425, description_tokens=70, vision_usd=0.00008): "
                  "what one shared screen adds to a gpt-realtime-2.1 call, in USD. mode 'image': the image's tokens at the "
                  "image input price, then re-read by each of the later responses at the cached image price. mode "
                  "'describe': the vision call (vision_usd), plus the description's tokens at the text input price, "
                  "re-read at the cached text price. Prices: costs.price(REALTIME_MODEL, item) per 1M tokens (REALTIME_MODEL from course_utils.voice.models), item "
                  "one of image_input, image_cached_input, text_input, text_cached_input."),
        check=_check_screen_cost,
        hints=["The first response reads the item at the full price; each later one reads it again, cached.",
               "image, 5 later responses: (425 x 5 + 5 x 425 x 0.5) / 1,000,000 USD."],
    ),
]

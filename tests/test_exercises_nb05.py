"""Notebook 05's exercises: each reference solution passes its checker; each typical mistake gets its message."""
from __future__ import annotations

import math

import pytest

from course_utils import costs
from course_utils import support_vision as sv
from course_utils.clients import openai_client
from course_utils.exercises import Grader
from course_utils.exercises.solutions.nb05 import SOLUTIONS
from course_utils.voice import models

NAMES = {"q1": "image_tokens", "q2": "describe_screen", "q3": "screen_cost"}


@pytest.fixture(scope="module")
def grader():
    return Grader("05")


def solved(key):
    namespace: dict = {}  # each solution imports what it uses
    exec(compile(SOLUTIONS[key], f"<solution {key}>", "exec"), namespace)
    return namespace[NAMES[key]]


def wrong(grader, key, answer, *needles):
    result = grader.check(key, answer)
    assert result.status == "wrong", result
    for needle in needles:
        assert needle in result.message, result.message
    return result


@pytest.mark.parametrize("key", sorted(NAMES))
def test_reference_solution_is_right(grader, key):
    result = grader.check(key, solved(key))
    assert result.status == "right", result


def test_stubs_are_not_done(grader):
    def stub(*args, **kwargs):
        raise NotImplementedError

    async def async_stub(client, screen):
        raise NotImplementedError

    assert grader.check("q1", stub).status == "todo"
    assert grader.check("q2", async_stub).status == "todo"
    assert grader.check("q3", stub).status == "todo"


# -- q1 -----------------------------------------------------------------------------------------------
def _tokens(*, base=85, fit=True, shrink=True, upscale=False, rounding=math.ceil, low_tiles=False):
    def image_tokens(width, height, detail="high"):
        if detail == "low" and not low_tiles:
            return 85
        if fit:
            s = min(1.0, 2048 / max(width, height))
            width, height = width * s, height * s
        if shrink:
            s = 768 / min(width, height)
            s = s if upscale else min(1.0, s)
            width, height = width * s, height * s
        return base + 170 * rounding(width / 512) * rounding(height / 512)
    return image_tokens


def test_q1_mistakes(grader):
    wrong(grader, "q1", _tokens(low_tiles=True), "detail low")
    wrong(grader, "q1", _tokens(base=0), "85 base tokens")
    wrong(grader, "q1", _tokens(rounding=math.floor), "round tiles up")
    wrong(grader, "q1", _tokens(fit=False), "2048 x 2048")
    wrong(grader, "q1", _tokens(shrink=False), "768 px")
    wrong(grader, "q1", _tokens(upscale=True), "not scaled up")


# -- q2 -----------------------------------------------------------------------------------------------
def _content(screen, image_part):
    return [{"type": "text", "text": sv.VISION_PROMPT}, image_part]


def test_q2_blocking_sync_client_is_named(grader):
    async def describe_screen(client, screen):  # the chapter's bug: a sync client inside async def
        sync = openai_client(fixtures=[sv.VISION_FIXTURE])
        response = sync.chat.completions.create(model=sv.VISION_MODEL, messages=[{"role": "user", "content": _content(
            screen, {"type": "image_url", "image_url": {"url": screen.data_url, "detail": "high"}})}])
        return response.choices[0].message.content

    wrong(grader, "q2", describe_screen, "blocked the event loop")


def test_q2_mistakes(grader):
    def not_async(client, screen):
        return "a description"

    async def input_image(client, screen):
        r = await client.chat.completions.create(model=sv.VISION_MODEL, messages=[{"role": "user", "content": _content(
            screen, {"type": "input_image", "image_url": screen.data_url})}])
        return r.choices[0].message.content

    async def bare_base64(client, screen):
        r = await client.chat.completions.create(model=sv.VISION_MODEL, messages=[{"role": "user", "content": _content(
            screen, {"type": "image_url", "image_url": {"url": screen.b64}})}])
        return r.choices[0].message.content

    async def whole_response(client, screen):
        return await client.chat.completions.create(model=sv.VISION_MODEL, messages=[{"role": "user", "content": _content(
            screen, {"type": "image_url", "image_url": {"url": screen.data_url}})}])

    async def other_prompt(client, screen):
        r = await client.chat.completions.create(model=sv.VISION_MODEL, messages=[{"role": "user", "content": [
            {"type": "text", "text": "Describe this screenshot."},
            {"type": "image_url", "image_url": {"url": screen.data_url}}]}])
        return r.choices[0].message.content

    wrong(grader, "q2", not_async, "async def")
    wrong(grader, "q2", input_image, "input_image is the Realtime")
    wrong(grader, "q2", bare_base64, "data URL")
    wrong(grader, "q2", whole_response, "not the whole response")
    wrong(grader, "q2", other_prompt, "no recorded answer")


# -- q3 -----------------------------------------------------------------------------------------------
def _cost(*, rereads=True, cached=True, image_item="image", vision=True, scale=1e6):
    def screen_cost(mode, later_responses, image_tokens=425, description_tokens=70, vision_usd=0.00008):
        kind = image_item if mode == "image" else "text"
        tokens = image_tokens if mode == "image" else description_tokens
        usd = tokens * costs.price(models.REALTIME_MODEL, f"{kind}_input")
        if rereads:
            usd += later_responses * tokens * costs.price(models.REALTIME_MODEL, f"{kind}_cached_input" if cached else f"{kind}_input")
        return usd / scale + (vision_usd if mode == "describe" and vision else 0.0)
    return screen_cost


def test_q3_mistakes(grader):
    wrong(grader, "q3", _cost(rereads=False), "re-reads the item")
    wrong(grader, "q3", _cost(cached=False), "cached input rate")
    wrong(grader, "q3", _cost(image_item="text"), "image input price")
    wrong(grader, "q3", _cost(vision=False), "vision call")
    wrong(grader, "q3", _cost(scale=1), "micro-dollars")

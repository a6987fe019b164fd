"""Notebook 03's exercises: each reference solution passes its checker; each typical mistake gets its message."""
from __future__ import annotations

import math

import pytest

from course_utils import costs
from course_utils.exercises import Grader
from course_utils.exercises.solutions.nb03 import SOLUTIONS

NAMES = {"q1": "video_tokens", "q2": "cost_from_usage", "q3": "my_settings"}


@pytest.fixture(scope="module")
def grader():
    return Grader("03")


def solved(key):
    namespace: dict = {}
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
    assert grader.check(key, solved(key)).status == "right"


def test_stubs_are_not_done(grader):
    def stub(*args, **kwargs):
        raise NotImplementedError

    assert grader.check("q1", stub).status == "todo"
    assert grader.check("q2", stub).status == "todo"
    assert grader.check("q3", None).status == "todo"


# -- q1 -----------------------------------------------------------------------------------------------
def _tokens(*, per_frame=None, audio_rate=32, use_fps=True, rounding=math.ceil, prompt=True, respect_audio=True):
    def video_tokens(duration_s, fps=1.0, media_resolution="default", audio=True, prompt_tokens=200):
        frames = rounding(duration_s * fps) if use_fps else math.ceil(duration_s)
        tpf = per_frame(media_resolution) if per_frame else (280 if media_resolution == "high" else 70)
        has_audio = audio if respect_audio else True
        return frames * tpf + (duration_s * audio_rate if has_audio else 0) + (prompt_tokens if prompt else 0)
    return video_tokens


def test_q1_mistakes(grader):
    wrong(grader, "q1", _tokens(per_frame=lambda r: 66 if r == "low" else 258), "258 tokens per frame")
    wrong(grader, "q1", _tokens(per_frame=lambda r: 70), "high is 280")
    wrong(grader, "q1", _tokens(per_frame=lambda r: {"low": 66, "high": 280}.get(r, 70)), "low is 70")
    wrong(grader, "q1", _tokens(audio_rate=0), "left out the audio track")
    wrong(grader, "q1", _tokens(audio_rate=25), "25 audio tokens per second")
    wrong(grader, "q1", _tokens(use_fps=False), "ignored fps")
    wrong(grader, "q1", _tokens(rounding=math.floor), "math.ceil")
    wrong(grader, "q1", _tokens(prompt=False), "prompt's tokens")
    wrong(grader, "q1", _tokens(respect_audio=False), "audio=False")


# -- q2 -----------------------------------------------------------------------------------------------
def _cost(*, thinking=True, out_item="output_text", by_modality=True, use_date=True, scale=1e6):
    def cost_from_usage(usage, model, on=None):
        day = on if use_date else "2026-11-25"
        usd = 0.0
        for d in usage.prompt_tokens_details:
            item = f"input_{d.modality.value.lower()}" if by_modality else "input_text"
            usd += d.token_count * costs.price(model, item, day)
        out = usage.candidates_token_count + ((usage.thoughts_token_count or 0) if thinking else 0)
        return (usd + out * costs.price(model, out_item, day)) / scale
    return cost_from_usage


def test_q2_mistakes(grader):
    wrong(grader, "q2", _cost(thinking=False), "thoughts_token_count")
    wrong(grader, "q2", _cost(out_item="input_text"), "output rate")
    wrong(grader, "q2", _cost(by_modality=False), "modality's rate")
    wrong(grader, "q2", _cost(use_date=False), "wrong date")
    wrong(grader, "q2", _cost(scale=1), "micro-dollars")


def test_q2_accepts_a_cost_breakdown(grader):
    def via_package(usage, model, on=None):
        return costs.cost_from_gemini_usage(usage, model, on=on)

    assert grader.check("q2", via_package).status == "right"


# -- q3 -----------------------------------------------------------------------------------------------
def test_q3_mistakes(grader):
    wrong(grader, "q3", {"fps": 1.0, "media_resolution": "default"}, "30,800 tokens, over the 25,000 budget")
    wrong(grader, "q3", {"fps": 0.5, "media_resolution": "high"}, "280 tokens per frame")
    wrong(grader, "q3", {"fps": 0.5, "media_resolution": "low"}, "02:41", "Start button")
    wrong(grader, "q3", {"fps": 0.6}, "give a dict")
    wrong(grader, "q3", {"fps": 0.6, "media_resolution": "tiny"}, "media_resolution is one of")


@pytest.mark.parametrize("fps", [0.55, 0.6, 0.65, 0.72])
def test_q3_accepts_every_frame_rate_that_fits_and_sees_everything(grader, fps):
    assert grader.check("q3", {"fps": fps, "media_resolution": "default"}).status == "right"

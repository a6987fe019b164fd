"""Exercises of notebook 03 (video understanding): count a video's tokens, price a call from its usage,
choose a frame rate that fits a token budget and still sees every event.

Checkers of our own (otter's test files would freeze the expected figures): the reference figures come
from ``course_utils.costs`` (token rules and dated prices in ``data/pricing``) and from the demo video's
ground truth, so they follow the data; each wrong figure is compared with the figures the usual mistakes
give, to name the mistake.
"""
from __future__ import annotations

import json
import math
from typing import Any, Callable

from .. import costs
from ..fixtures import DATA_DIR
from . import Exercise

__all__ = ["EXERCISES", "TOKEN_BUDGET", "demo_events"]

AS_OF = "2026-11-25"
DURATION_S = 300.0
TOKEN_BUDGET = 25_000
PROMPT_TOKENS = 200


def _rule(name: str) -> float:
    return costs.token_rule(name)


# -- q1: input tokens of a video call ---------------------------------------------------------------
TOKEN_CASES = [  # (duration_s, fps, media_resolution, audio, prompt_tokens)
    (300.0, 1.0, "default", True, 200),
    (44.0, 5.0, "default", True, 200),
    (300.0, 0.5, "high", True, 200),
    (45.0, 0.5, "low", True, 200),
    (300.0, 1.0, "medium", False, 150),
]


def _tokens(duration_s, fps, resolution, audio, prompt, *, per_frame=None, frames=None, audio_rate=None,
            with_audio=None, with_prompt=True) -> float:
    """Input tokens by Gemini 3's rules, or by a mistaken variant of them."""
    n = math.ceil(duration_s * fps) if frames is None else frames(duration_s, fps)
    tpf = costs.gemini_video_tokens_per_frame("gemini-3.8-flash", resolution) if per_frame is None else per_frame(resolution)
    rate = _rule("gemini_audio_tokens_per_second") if audio_rate is None else audio_rate
    has_audio = audio if with_audio is None else with_audio
    return n * tpf + (duration_s * rate if has_audio else 0) + (prompt if with_prompt else 0)


def _old(res: str) -> float:
    return _rule("gemini2_video_tokens_per_frame_low" if res == "low" else "gemini2_video_tokens_per_frame_default")


TOKEN_MISTAKES: list[tuple[str, dict]] = [
    ("on Gemini 3 low is 70 tokens per frame, like default and medium (66 was the rule before Gemini 3)",
     {"per_frame": lambda res: {"low": 66.0, "high": 280.0}.get(res, 70.0)}),
    ("you used 258 tokens per frame (66 at low), the rule of Gemini models before 3; Gemini 3 counts 70 per frame at "
     "default, low and medium, 280 at high", {"per_frame": _old}),
    ("media_resolution high is 280 tokens per frame on Gemini 3, not 70", {"per_frame": lambda res: 70.0}),
    ("you left out the audio track (32 tokens per second)", {"with_audio": False}),
    ("with audio=False there is no audio track to count", {"with_audio": True}),
    ("you used 25 audio tokens per second; the course's rule is 32 (one Google page says 25: usage_metadata "
     "tells you which)", {"audio_rate": 25.0}),
    ("you ignored fps: the frames sent are duration x fps, not one per second",
     {"frames": lambda d, f: math.ceil(d)}),
    ("a last partial interval still samples a frame: round duration x fps up (math.ceil), not down",
     {"frames": lambda d, f: math.floor(d * f)}),
    ("you left out the prompt's tokens", {"with_prompt": False}),
]


def _check_tokens(video_tokens: Callable[..., Any]) -> str | None:
    for duration, fps, res, audio, prompt in TOKEN_CASES:
        got = video_tokens(duration, fps=fps, media_resolution=res, audio=audio, prompt_tokens=prompt)
        want = _tokens(duration, fps, res, audio, prompt)
        if got is None:
            return "your function returned None; return the number of input tokens"
        if abs(float(got) - want) < 0.5:
            continue
        for message, variant in TOKEN_MISTAKES:
            if abs(float(got) - _tokens(duration, fps, res, audio, prompt, **variant)) < 0.5:
                return message
        case = f"{duration:g} s at {fps:g} fps, media_resolution={res}, audio={audio}, {prompt}-token prompt"
        return f"for {case} you counted {float(got):,.0f} tokens, not {want:,.0f}"
    return None


# -- q2: the cost of a call from its usage_metadata -----------------------------------------------
def _usage(prompt: dict[str, int], candidates: int, thoughts: int):
    from google.genai import types

    details = [types.ModalityTokenCount(modality=types.MediaModality(m.upper()), token_count=n) for m, n in prompt.items()]
    return types.GenerateContentResponseUsageMetadata(
        prompt_token_count=sum(prompt.values()), candidates_token_count=candidates, thoughts_token_count=thoughts or None,
        total_token_count=sum(prompt.values()) + candidates + thoughts, prompt_tokens_details=details)


USAGE_CASES = [  # (model, prompt tokens by modality, output, thinking, date)
    ("gemini-3.8-flash", {"video": 21_000, "audio": 9_600, "text": 350}, 850, 400, AS_OF),
    ("gemini-3.1-flash-lite", {"video": 21_000, "audio": 9_600, "text": 200}, 600, 0, AS_OF),
    ("gemini-3.8-flash", {"video": 3_080, "audio": 1_408, "text": 40}, 500, 1_200, "2027-01-02"),
]


def _usage_cost(model, prompt, out, thoughts, on, *, thinking=True, out_rate="output_text", by_modality=True,
                date=None) -> float:
    on = date or on
    if by_modality:
        usd = sum(n * costs.price(model, f"input_{m}", on) for m, n in prompt.items())
    else:
        usd = sum(prompt.values()) * costs.price(model, "input_text", on)
    usd += (out + (thoughts if thinking else 0)) * costs.price(model, out_rate, on)
    return usd / 1e6


USAGE_MISTAKES = [
    ("thinking tokens (thoughts_token_count) are billed as output tokens: add them", {"thinking": False}),
    ("output tokens are billed at the output rate, not the input rate", {"out_rate": "input_text"}),
    ("on gemini-3.1-flash-lite audio input costs more than text and video: price each entry of "
     "prompt_tokens_details at its modality's rate", {"by_modality": False}),
    ("you priced on the wrong date: pass on= to costs.price (Gemini 3.8 Flash's promotional price ends "
     "2026-12-31)", {"date": AS_OF}),
]


def _check_usage_cost(cost_from_usage: Callable[..., Any]) -> str | None:
    for model, prompt, out, thoughts, on in USAGE_CASES:
        usage = _usage(prompt, out, thoughts)
        got = cost_from_usage(usage, model, on=on)
        if got is None:
            return "your function returned None; return the cost in USD (a number)"
        got = float(getattr(got, "total_usd", got))
        want = costs.cost_from_gemini_usage(usage, model, on=on).total_usd
        if abs(got - want) <= 1e-9 + 1e-6 * want:
            continue
        if abs(got - want * 1e6) <= 1e-3 * want * 1e6:
            return "you returned micro-dollars: prices are per 1M tokens, so divide tokens x price by 1,000,000"
        for message, variant in USAGE_MISTAKES:
            alt = _usage_cost(model, prompt, out, thoughts, on, **variant)
            if abs(alt - want) > 1e-12 and abs(got - alt) <= 1e-9 + 1e-6 * alt:
                return message
        return f"for {model} on {on} you got ${got:.6f}, not ${want:.6f}"
    return None


# -- q3: frame rate and resolution under a token budget ---------------------------------------------
def demo_events() -> list[dict]:
    """Every on-screen event of the demo video's ground truth (start_s, end_s, what)."""
    truth = json.loads((DATA_DIR / "video" / "product_demo.ground_truth.json").read_text())
    return [e for f in truth["features"] for e in f["events"]]


def _mmss(seconds: float) -> str:
    return f"{int(seconds) // 60:02d}:{int(seconds) % 60:02d}"


def _check_settings(settings: Any) -> str | None:
    if not isinstance(settings, dict) or not {"fps", "media_resolution"} <= set(settings):
        return 'give a dict like {"fps": 1.0, "media_resolution": "default"}'
    fps, res = float(settings["fps"]), str(settings["media_resolution"]).lower()
    if res not in ("default", "low", "medium", "high"):
        return f"media_resolution is one of default, low, medium, high, not {res!r}"
    if not 0 < fps <= 24:
        return f"the API takes fps in (0, 24], not {fps:g}"
    frames = math.ceil(DURATION_S * fps)
    tpf = costs.gemini_video_tokens_per_frame("gemini-3.8-flash", res)
    audio = DURATION_S * _rule("gemini_audio_tokens_per_second")
    total = frames * tpf + audio + PROMPT_TOKENS
    if total > TOKEN_BUDGET:
        if res == "high":
            return (f"high resolution is 280 tokens per frame: {frames} frames make {frames * tpf:,.0f} tokens before the "
                    f"audio, far over {TOKEN_BUDGET:,}; on Gemini 3 video, low and default are both 70")
        return (f"{frames} frames x {tpf:g} + audio {audio:,.0f} + prompt {PROMPT_TOKENS} = {total:,.0f} tokens, over the "
                f"{TOKEN_BUDGET:,} budget: lower fps (the audio's 9,600 tokens do not shrink)")
    times = [k / fps for k in range(frames)]
    for event in demo_events():
        if not any(event["start_s"] <= t < event["end_s"] for t in times):
            length = event["end_s"] - event["start_s"]
            return (f"at {fps:g} fps a frame comes every {1 / fps:g} s, so the {length:g}-second event at "
                    f"{_mmss(event['start_s'])} ({event['what']}) falls between two frames: sample a little more often")
    return None


EXERCISES = [
    Exercise(
        key="q1",
        question=("Write video_tokens(duration_s, fps=1.0, media_resolution='default', audio=True, prompt_tokens=200): "
                  "the input tokens of one Gemini 3 call on a video, by the rules above (frames x tokens per frame, "
                  "audio tokens per second, the prompt). Read the rules from costs.token_rule(...) or write the numbers."),
        check=_check_tokens,
        hints=["Frames sent = duration x fps, rounded up. Tokens per frame on Gemini 3: 70 at default, low and medium; "
               "280 at high.",
               "Audio: 32 tokens per second of the track (costs.token_rule('gemini_audio_tokens_per_second')), only if "
               "audio is True; then add the prompt."],
    ),
    Exercise(
        key="q2",
        question=("Write cost_from_usage(usage, model, on=None) that returns a call's cost in USD from its "
                  "response.usage_metadata: each entry of prompt_tokens_details at its modality's input price, the "
                  "output (candidates_token_count) and the thinking (thoughts_token_count) at the output price, on the "
                  "date `on`. Prices: costs.price(model, 'input_video' | 'input_audio' | 'input_text' | 'output_text', on), "
                  "USD per 1M tokens."),
        check=_check_usage_cost,
        hints=["for d in usage.prompt_tokens_details: d.modality.value is 'VIDEO', 'AUDIO' or 'TEXT', d.token_count the "
               "tokens.",
               "thoughts_token_count may be None: count it as 0. Divide the sum of tokens x price by 1,000,000."],
    ),
    Exercise(
        key="q3",
        question=(f"One call on the whole 300 s demo, with its audio and a 200-token prompt, may use at most "
                  f"{TOKEN_BUDGET:,} input tokens, and must still see every event in the ground truth "
                  "(truth['features'][i]['events']; the shortest lasts 1 s). Assume the frames are taken at 0, 1/fps, "
                  "2/fps, ... s. Choose my_settings = {'fps': ..., 'media_resolution': ...}."),
        check=_check_settings,
        hints=["At 1 fps the call is 300 x 70 + 300 x 32 + 200 = 30,800 tokens. How many frames fit in 25,000?",
               "0.5 fps fits, but frames at even seconds miss the click at 02:41 (161-162 s). Try an fps between 0.5 "
               "and the largest that fits, and check each event has a frame inside it."],
    ),
]

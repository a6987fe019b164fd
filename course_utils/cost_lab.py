"""Cost-estimation exercises for notebook 06: each has a question, a hidden solution and a checker.

``check(name, answer)`` says whether the learner's figure is right (within the exercise's
tolerance), or how far off it is and, where the error matches a common mistake, why.
Solutions are computed from ``course_utils.costs`` on the exercise's date, so they change with the
pricing data, never drift from it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import costs
from .voice.models import GEMINI_VIDEO_MODEL, OPENAI_LIVE_MODEL, REALTIME_MINI_MODEL, REALTIME_MODEL

AS_OF = "2026-11-25"  # the date every exercise is priced on


@dataclass
class Exercise:
    name: str
    question: str
    solve: Callable[[], float]
    tolerance: float = 0.05  # relative
    unit: str = "USD"
    mistakes: dict[str, Callable[[], float]] = field(default_factory=dict)  # explanation -> the wrong figure


# -- a realtime voice support line ---------------------------------------------------------------
CALLS_PER_DAY, CALL_TURNS, USER_S, ASSISTANT_S = 200, 16, 5.0, 10.0  # 16 turns x 15 s = a 4-minute call


def _call(model: str, caching: bool) -> float:
    return costs.estimate_realtime_conversation(model, turns=CALL_TURNS, user_seconds_per_turn=USER_S,
                                                assistant_seconds_per_turn=ASSISTANT_S, caching=caching, on=AS_OF).total_usd


def _read_once(model: str) -> float:
    """The mistake: price each second of audio once, as if responses did not re-read the conversation."""
    one = costs.estimate_realtime_conversation(model, turns=1, user_seconds_per_turn=USER_S * CALL_TURNS,
                                               assistant_seconds_per_turn=ASSISTANT_S * CALL_TURNS, caching=False, on=AS_OF)
    return one.total_usd


def _video_gen_cheapest() -> float:
    return min(c for _, c in video_generation_table())


def video_generation_table(seconds: float = 30.0, resolution: str = "720p") -> list[tuple[str, float]]:
    """Cost of ``seconds`` of finished video from each current per-second or token-priced model (the
    models each video adapter lists in ``cost_table_models``)."""
    from .video.generate.adapter import cost_table_models

    models = cost_table_models()
    return [(f"{p}/{m}", costs.estimate_video_generation(p, m, seconds, resolution, on=AS_OF).total_usd) for p, m in models]


EXERCISES: dict[str, Exercise] = {e.name: e for e in [
    Exercise("support_line_daily",
             f"A support line takes {CALLS_PER_DAY} calls a day. Each call is {CALL_TURNS} turns of {USER_S:g} s caller speech "
             f"and a {ASSISTANT_S:g} s spoken answer (4 minutes), on {REALTIME_MINI_MODEL} with prompt caching on and "
             "500 tokens of instructions. What does a day of calls cost (USD)?",
             lambda: CALLS_PER_DAY * _call(REALTIME_MINI_MODEL, True),
             mistakes={"you priced each second of audio once, but every response re-reads the whole conversation so far":
                       lambda: CALLS_PER_DAY * _read_once(REALTIME_MINI_MODEL),
                       "you left caching off: the re-read prefix is billed at the cached rate":
                       lambda: CALLS_PER_DAY * _call(REALTIME_MINI_MODEL, False),
                       "you priced one call, not a day of calls": lambda: _call(REALTIME_MINI_MODEL, True),
                       f"that is the flagship {REALTIME_MODEL}'s price, not the mini's":
                       lambda: CALLS_PER_DAY * _call(REALTIME_MODEL, True)}),
    Exercise("support_line_no_cache",
             "Same line, same model, with caching switched off. How many USD more per day?",
             lambda: CALLS_PER_DAY * (_call(REALTIME_MINI_MODEL, False) - _call(REALTIME_MINI_MODEL, True)),
             mistakes={"that is the whole uncached day, not the difference":
                       lambda: CALLS_PER_DAY * _call(REALTIME_MINI_MODEL, False)}),
    Exercise("support_line_live",
             f"Same calls on {OPENAI_LIVE_MODEL} over WebSocket (no standby). What does a day cost (USD)?",
             lambda: costs.estimate_live_session(OPENAI_LIVE_MODEL, CALLS_PER_DAY * CALL_TURNS * (USER_S + ASSISTANT_S) / 60,
                                                 on=AS_OF).total_usd,
             mistakes={"you priced one call, not a day of calls":
                       lambda: costs.estimate_live_session(OPENAI_LIVE_MODEL, CALL_TURNS * (USER_S + ASSISTANT_S) / 60, on=AS_OF).total_usd}),
    Exercise("demo_video_default",
             f"The 5-minute (300 s) product demo with its audio, sent to {GEMINI_VIDEO_MODEL} at the default media resolution "
             "and 1 frame per second, with a 200-token prompt and 800 output tokens. What does one call cost (USD)?",
             lambda: costs.estimate_video_understanding(GEMINI_VIDEO_MODEL, 300, on=AS_OF).total_usd,
             mistakes={"you used 258 tokens per frame, the rule of Gemini models before 3":
                       lambda: ((300 * 258 + 300 * 32 + 200) * costs.price(GEMINI_VIDEO_MODEL, "input", AS_OF)
                              + 800 * costs.price(GEMINI_VIDEO_MODEL, "output", AS_OF)) / 1e6,
                       "you left out the audio track (32 tokens per second)":
                       lambda: costs.estimate_video_understanding(GEMINI_VIDEO_MODEL, 300, audio=False, on=AS_OF).total_usd,
                       "you used the price from 2027-01-01, after the promotion":
                       lambda: costs.estimate_video_understanding(GEMINI_VIDEO_MODEL, 300, on="2027-01-02").total_usd}),
    Exercise("demo_video_high_vs_low",
             "How many times more does the same call cost at HIGH media resolution than at LOW? (a ratio)",
             lambda: costs.estimate_video_understanding(GEMINI_VIDEO_MODEL, 300, media_resolution="high", on=AS_OF).total_usd
             / costs.estimate_video_understanding(GEMINI_VIDEO_MODEL, 300, media_resolution="low", on=AS_OF).total_usd,
             unit="x",
             mistakes={"on Gemini 3 low and default are both 70 tokens per frame, but high is 280 - and the audio and "
                       "output do not scale with resolution, so the ratio is below 4": lambda: 4.0}),
    Exercise("demo_screenshots",
             f"Instead of the video, 20 evenly spaced screenshots sent as images at LOW media resolution to {GEMINI_VIDEO_MODEL} "
             "(same prompt and output). What does that cost (USD)?",
             lambda: costs.estimate_gemini_images(GEMINI_VIDEO_MODEL, 20, "low", on=AS_OF).total_usd,
             mistakes={"you priced the screenshots as video frames (70 tokens); images cost 280 tokens each at low":
                       lambda: ((20 * 70 + 200) * costs.price(GEMINI_VIDEO_MODEL, "input", AS_OF)
                                + 800 * costs.price(GEMINI_VIDEO_MODEL, "output", AS_OF)) / 1e6}),
    Exercise("script_to_video_cheapest",
             "A 30-second script-to-video job (six 5 s shots) at 720p. What does the cheapest current provider in the "
             "pricing table charge for it (USD)?",
             _video_gen_cheapest,
             mistakes={"that is Veo 3.1 Fast (and the closed Sora 2) at $0.10/s; a cheaper current model exists": lambda: 30 * 0.10}),
]}


@dataclass
class Verdict:
    exercise: str
    answer: float
    expected: float
    right: bool
    message: str

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.right


def question(name: str) -> str:
    return EXERCISES[name].question


def check(name: str, answer: float | None) -> Verdict:
    """Compare the learner's ``answer`` with the solution; explain a known mistake when it matches one."""
    if name not in EXERCISES:
        raise KeyError(f"No exercise {name!r}; exercises: {', '.join(EXERCISES)}")
    ex = EXERCISES[name]
    expected = ex.solve()
    fmt = (lambda v: f"{v:.2f}x") if ex.unit == "x" else (lambda v: f"${v:,.4f}")
    if answer is None:
        return Verdict(name, float("nan"), expected, False, f"{name}: no answer yet - replace None with your estimate.")
    answer = float(answer)
    off = (answer - expected) / expected if expected else float("inf")
    if abs(off) <= ex.tolerance:
        return Verdict(name, answer, expected, True, f"✓ {name}: right - {fmt(answer)} (solution {fmt(expected)}).")
    near = [(abs(answer - wrong) / abs(wrong), text) for text, wrong in ((t, f()) for t, f in ex.mistakes.items())
            if abs(answer - wrong) <= ex.tolerance * abs(wrong)]
    why = min(near)[1] if near else None  # the closest known mistake
    message = f"✗ {name}: {fmt(answer)} is {abs(off):.0%} too {'high' if off > 0 else 'low'}."
    message += f" Likely: {why}." if why else " Recheck the token rules and the prices for that date."
    return Verdict(name, answer, expected, False, message)


def conversation_growth(minutes: list[float], models: tuple[str, ...] = (REALTIME_MODEL, REALTIME_MINI_MODEL)) -> dict[str, list[float]]:
    """Cost of one call vs its length (4 turns a minute) for each model; gpt-live-1.1 flat per minute."""
    out: dict[str, list[float]] = {}
    for model in models:
        out[model] = [costs.estimate_realtime_conversation(model, turns=max(1, round(m * 4)), on=AS_OF).total_usd for m in minutes]
    out[OPENAI_LIVE_MODEL] = [costs.estimate_live_session(OPENAI_LIVE_MODEL, m, on=AS_OF).total_usd for m in minutes]
    return out

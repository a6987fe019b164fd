"""Cost of one conversation against its length, for each way to talk to a model, and where they cross.

Every figure comes from :mod:`course_utils.costs` (prices and token rules in ``data/pricing``):

* ``gpt-realtime-2.1`` and ``gpt-realtime-2.1-mini``: :func:`estimate_realtime_conversation` -
  token-billed; each reply re-reads the conversation, so each minute costs more than the last;
* ``gpt-live-1.1``: :func:`estimate_live_session` - a flat rate per minute of session time;
* Gemini Live (``gemini-3.8-live``): :func:`estimate_gemini_live` - token-billed, context re-read
  every turn, no caching;
* the cascade (transcribe -> small chat model -> TTS): :func:`estimate_cascade_conversation`.

All share one :class:`ConversationShape` (turns per minute, who talks how much of each turn). A curve
is the cumulative cost at the end of each turn, joined by straight lines (cost accrues during a
turn); two curves cross where their difference changes sign, found exactly on each segment - the
crossing points are computed, not read off the plot.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations

import numpy as np

from .. import costs
from ..errors import CourseError
from ..voice.models import GEMINI_LIVE_MODEL, OPENAI_LIVE_MODEL, REALTIME_MINI_MODEL, REALTIME_MODEL


@dataclass(frozen=True)
class ConversationShape:
    """What a conversation looks like, minute by minute (the same for every option)."""

    turns_per_minute: float = 4.0           # a user turn + a reply every 15 s
    user_talk_fraction: float = 0.4         # the user speaks 6 s of each 15 s turn
    assistant_talk_fraction: float = 0.4    # the assistant speaks 6 s; 3 s of silence
    instructions_tokens: int = 500

    @property
    def turn_seconds(self) -> float:
        return 60.0 / self.turns_per_minute

    @property
    def user_seconds(self) -> float:
        return self.turn_seconds * self.user_talk_fraction

    @property
    def assistant_seconds(self) -> float:
        return self.turn_seconds * self.assistant_talk_fraction


@dataclass
class CostCurve:
    """Cumulative cost (USD) at breakpoints (minutes), linear in between; starts at (0, 0)."""

    label: str
    model: str
    minutes: np.ndarray
    usd: np.ndarray
    billing: str
    notes: list[str] = field(default_factory=list)

    def at(self, minutes: float | np.ndarray) -> float | np.ndarray:
        """Cost of a conversation of ``minutes`` (interpolated between turn ends)."""
        return np.interp(minutes, self.minutes, self.usd)

    def per_minute(self, minutes: float) -> float:
        """The cost of the minute ending at ``minutes`` (growth shows as a rising figure)."""
        return float(self.at(minutes) - self.at(max(0.0, minutes - 1.0)))


@dataclass(frozen=True)
class Crossing:
    """Where ``cheaper_before`` stops being the cheaper of the two."""

    minutes: float
    usd: float
    cheaper_before: str
    cheaper_after: str

    def __str__(self) -> str:
        return (f"{self.cheaper_before} and {self.cheaper_after} cross at {self.minutes:.2f} min (${self.usd:.3f}): "
                f"{self.cheaper_before} is cheaper before, {self.cheaper_after} after")


def _from_rows(label: str, model: str, rows: list[dict], turns_per_minute: float, billing: str, notes) -> CostCurve:
    minutes = np.array([0.0] + [r["turn"] / turns_per_minute for r in rows])
    usd = np.array([0.0] + [r["cumulative_usd"] for r in rows])
    return CostCurve(label, model, minutes, usd, billing, list(notes))


def cost_curves(max_minutes: float = 30.0, shape: ConversationShape = ConversationShape(),
                on: str | date | None = None, caching: bool = True) -> list[CostCurve]:
    """The five options' cost curves from 0 to ``max_minutes`` for conversations of ``shape``."""
    turns = math.ceil(max_minutes * shape.turns_per_minute)
    tpm = shape.turns_per_minute
    out = []
    for model in (REALTIME_MODEL, REALTIME_MINI_MODEL):
        est = costs.estimate_realtime_conversation(model, turns, shape.user_seconds, shape.assistant_seconds,
                                                   shape.instructions_tokens, caching=caching, on=on)
        out.append(_from_rows(f"Realtime {model}", model, est.rows, tpm, "tokens; each reply re-reads the conversation",
                              est.notes))
    live_minutes = np.array([t / tpm for t in range(turns + 1)])
    rate = costs.estimate_live_session(OPENAI_LIVE_MODEL, 1.0, on=on).total_usd
    out.append(CostCurve(f"Live {OPENAI_LIVE_MODEL}", OPENAI_LIVE_MODEL, live_minutes, live_minutes * rate,
                         "per minute of session time, silence included",
                         [f"${rate:g}/min ({costs.price_row(OPENAI_LIVE_MODEL, 'session_minute', on).source})"]))
    est = costs.estimate_gemini_live(GEMINI_LIVE_MODEL, turns / tpm, tpm, shape.user_talk_fraction,
                                     shape.assistant_talk_fraction, shape.instructions_tokens, on=on)
    out.append(_from_rows(f"Gemini Live {GEMINI_LIVE_MODEL}", GEMINI_LIVE_MODEL, est.rows, tpm,
                          "tokens; context re-read every turn", est.notes))
    try:
        est = costs.estimate_cascade_conversation(turns, shape.user_seconds, shape.assistant_seconds,
                                                  shape.instructions_tokens, on=on)
    except CourseError as exc:  # e.g. its TTS model has shut down on that date: no curve, say why
        import warnings
        warnings.warn(f"No cascade curve: {exc}", stacklevel=2)
        return out
    out.append(_from_rows("Cascade (STT + chat + TTS)", est.model, est.rows, tpm, "per minute + tokens", est.notes))
    return out


def crossings(a: CostCurve, b: CostCurve, after: float = 0.0) -> list[Crossing]:
    """Every point after ``after`` minutes where ``a`` and ``b`` swap places (exact on each segment)."""
    xs = np.unique(np.concatenate([a.minutes, b.minutes]))
    xs = xs[(xs >= 0) & (xs <= min(a.minutes[-1], b.minutes[-1]))]
    d = a.at(xs) - b.at(xs)
    found: list[Crossing] = []
    sign = 0.0
    for i in range(len(xs) - 1):
        x0, x1, d0, d1 = xs[i], xs[i + 1], d[i], d[i + 1]
        if d0 != 0:
            sign = math.copysign(1.0, d0)
        if sign and d1 != 0 and math.copysign(1.0, d1) != sign:
            # the root of the straight line through (x0, d0), (x1, d1); a run of zeros counts once
            x = x0 + d0 * (x1 - x0) / (d0 - d1) if d0 != 0 else x0
            if x > after:
                before, later = (a, b) if sign < 0 else (b, a)
                found.append(Crossing(float(x), float(a.at(x)), before.label, later.label))
    return found


def all_crossings(curves: list[CostCurve], after: float = 0.0) -> list[Crossing]:
    """Crossings of every pair of curves, in order of minutes."""
    return sorted((c for a, b in combinations(curves, 2) for c in crossings(a, b, after)), key=lambda c: c.minutes)


def cheapest(curves: list[CostCurve], minutes: float) -> CostCurve:
    return min(curves, key=lambda c: float(c.at(minutes)))


def table(curves: list[CostCurve], lengths=(1, 5, 10, 15, 30)) -> list[dict]:
    """Cost of one conversation of each length, per option (rows for a notebook table)."""
    rows = []
    for c in curves:
        row = {"option": c.label, "billing": c.billing}
        for m in lengths:
            row[f"{m} min"] = round(float(c.at(m)), 4)
        row["cost of minute 30"] = round(c.per_minute(lengths[-1]), 4)
        rows.append(row)
    return rows


def plot_crossover(curves: list[CostCurve], found: list[Crossing] | None = None, start: float = 1.0, ax=None):
    """Cost of one conversation vs its length (log scale: the options differ by 30x), crossings marked."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(9, 5))
    else:
        fig = ax.figure
    end = min(c.minutes[-1] for c in curves)
    xs = np.linspace(start, end, 400)
    styles = {OPENAI_LIVE_MODEL: dict(lw=2.5, color="black")}
    for c in curves:
        ax.plot(xs, c.at(xs), label=c.label, **styles.get(c.model, {"lw": 1.8}))
    for k, x in enumerate(found if found is not None else all_crossings(curves, after=start)):
        if start <= x.minutes <= end:
            ax.plot([x.minutes], [x.usd], "o", color="crimson", ms=6, zorder=5)
            ax.annotate(f"{x.minutes:.1f} min", (x.minutes, x.usd), xytext=(6, -12 - 9 * (k % 2)),
                        textcoords="offset points", fontsize=8, color="crimson")
    ax.set_yscale("log")
    ax.set_xlabel("conversation length (minutes)")
    ax.set_ylabel("cost of the whole conversation (USD, log scale)")
    ax.set_title("One conversation, five ways: where the costs cross")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return fig

"""The cost crossover: curves from course_utils.costs, crossings computed exactly, checked by hand."""
from __future__ import annotations

import numpy as np
import pytest

from course_utils.live.crossover import (
    ConversationShape,
    CostCurve,
    all_crossings,
    cheapest,
    cost_curves,
    crossings,
    plot_crossover,
    table,
)


def line(label, xs, ys):
    return CostCurve(label, label, np.array(xs, float), np.array(ys, float), "test")


def test_crossing_of_two_straight_lines():
    a = line("a", [0, 10], [0, 20])        # 2 $/min
    b = line("b", [0, 10], [3, 13])        # $3 up front, then 1 $/min
    (x,) = crossings(a, b)
    assert x.minutes == pytest.approx(3.0) and x.usd == pytest.approx(6.0)       # 2x = x + 3
    assert (x.cheaper_before, x.cheaper_after) == ("a", "b")


def test_touching_is_not_crossing_and_a_tie_counts_once():
    a = line("a", [0, 1, 2, 3], [0, 1, 2, 3])
    touch = line("t", [0, 1, 2, 3], [1, 1, 2.5, 4])     # meets a at x=1, stays above
    assert crossings(a, touch) == []
    tie = line("tie", [0, 1, 2, 3], [1, 1, 2, 2])       # above, equal on [1, 2], then below
    (x,) = crossings(a, tie)                             # one crossing, where "tie" becomes strictly cheaper
    assert x.minutes == pytest.approx(2.0) and (x.cheaper_before, x.cheaper_after) == ("a", "tie")


def test_gemini_live_meets_gpt_live_where_the_arithmetic_says():
    """Hand computation, default shape (4 turns/min; 6 s user, 6 s assistant per 15 s turn; 500
    instruction tokens; Gemini audio 32 tokens/s; transcript 3 text tokens per reply second):

    turn t re-reads 500 text tokens and 32 x (6t + 6(t-1)) = 384t - 192 audio tokens, and outputs
    192 audio + 18 text tokens. At $0.75 (text in), $3 (audio in), $12 (audio out), $4.50 (text out) per 1M:
        cost(t) = (500 x 0.75 + (384t - 192) x 3 + 192 x 12 + 18 x 4.5) / 1e6 = (1152 t + 2184) / 1e6
        C(n) = sum over t <= n = 576e-6 n^2 + 2760e-6 n
    gpt-live-1.1 at $0.05/min: n turns = n/4 min -> 0.0125 n.
        n=16: C = 0.147456 + 0.04416 = 0.191616 < 0.2      (diff -0.008384)
        n=17: C = 0.166464 + 0.04692 = 0.213384 > 0.2125   (diff +0.000884)
    crossing at n = 16 + 0.008384 / (0.008384 + 0.000884) = 16.904618 turns = 4.226155 min.
    """
    curves = {c.model: c for c in cost_curves(30)}
    gemini, live = curves["gemini-3.8-live"], curves["gpt-live-1.1"]
    assert gemini.at(4.0) == pytest.approx(0.191616)
    assert gemini.at(4.25) == pytest.approx(0.213384)
    (x,) = crossings(gemini, live)
    assert x.minutes == pytest.approx(4.226155, abs=1e-5)
    assert x.cheaper_before == gemini.label and x.cheaper_after == live.label


def test_live_is_flat_and_realtime_grows():
    curves = {c.model: c for c in cost_curves(30)}
    live, rt = curves["gpt-live-1.1"], curves["gpt-realtime-2.1-mini"]
    assert live.at(1) == pytest.approx(0.05) and live.at(30) == pytest.approx(1.50)   # $0.05 x minutes
    assert live.per_minute(2) == pytest.approx(live.per_minute(30))
    assert rt.per_minute(30) > 1.5 * rt.per_minute(2)                                # each reply re-reads more
    assert all(rt.at(m) < live.at(m) for m in np.linspace(0.25, 30, 120))           # no crossing within 30 min
    assert crossings(rt, live) == []


def test_all_crossings_sorted_and_cheapest():
    curves = cost_curves(30)
    found = all_crossings(curves, after=1.0)
    assert [c.minutes for c in found] == sorted(c.minutes for c in found)
    assert all(1.0 < c.minutes <= 30 for c in found)
    # the crossing list agrees with a brute-force check of who is cheaper on either side
    for c in found:
        by_label = {k.label: k for k in curves}
        lo, hi = by_label[c.cheaper_before], by_label[c.cheaper_after]
        assert lo.at(c.minutes - 0.05) <= hi.at(c.minutes - 0.05) and lo.at(c.minutes + 0.05) >= hi.at(c.minutes + 0.05)
    assert cheapest(curves, 10).label.startswith("Cascade")


def test_shape_changes_the_answer_and_table_and_plot():
    chatty = ConversationShape(turns_per_minute=6, user_talk_fraction=0.3, assistant_talk_fraction=0.6)
    assert chatty.user_seconds == pytest.approx(3.0) and chatty.assistant_seconds == pytest.approx(6.0)
    default = {c.model: c for c in cost_curves(10)}
    busy = {c.model: c for c in cost_curves(10, chatty)}
    assert busy["gpt-live-1.1"].at(10) == pytest.approx(default["gpt-live-1.1"].at(10))   # Live ignores who talks
    assert busy["gpt-realtime-2.1"].at(10) > default["gpt-realtime-2.1"].at(10)
    rows = table(list(default.values()), lengths=(1, 5, 10))
    live_row = next(r for r in rows if r["option"].startswith("Live"))
    assert (live_row["1 min"], live_row["10 min"], live_row["cost of minute 30"]) == (0.05, 0.5, 0.05)
    fig = plot_crossover(list(default.values()))
    assert len(fig.axes[0].get_lines()) >= 5

"""The cost lab's checkers accept the solution and reject wrong answers, naming the mistake."""
from __future__ import annotations

import pytest

from course_utils import cost_lab


@pytest.mark.parametrize("name", sorted(cost_lab.EXERCISES))
def test_solution_is_accepted_and_far_answers_rejected(name):
    expected = cost_lab.EXERCISES[name].solve()
    assert expected > 0
    assert cost_lab.check(name, expected).right
    assert cost_lab.check(name, expected * 1.03).right          # within the 5% tolerance
    for wrong in (expected * 1.5, expected * 0.5, expected * 10):
        verdict = cost_lab.check(name, wrong)
        assert not verdict.right and ("too high" in verdict.message or "too low" in verdict.message)
    assert not cost_lab.check(name, None).right


@pytest.mark.parametrize("name", sorted(cost_lab.EXERCISES))
def test_each_known_mistake_is_recognised(name):
    ex = cost_lab.EXERCISES[name]
    for explanation, wrong in ex.mistakes.items():
        value = wrong()
        if abs(value - ex.solve()) <= ex.tolerance * ex.solve():
            continue  # a "mistake" that happens to give the right figure is not a mistake here
        verdict = cost_lab.check(name, value)
        assert not verdict.right and explanation in verdict.message


def test_support_line_by_hand():
    # gpt-realtime-2.1-mini, one 4-minute call (16 turns of 5 s + 10 s), caching on, written out:
    # turn k prompt: 500 text + audio 50 + (k-1) x 250; cached = previous prompt once it is >= 1,024 tokens.
    text_in, text_cached, text_out, audio_in, audio_cached, audio_out = 0.60, 0.06, 2.40, 10.0, 0.30, 20.0
    total, prev = 0.0, 0.0
    for k in range(1, 17):
        audio = 50 + (k - 1) * 250
        cached = prev if prev >= 1024 else 0
        ct, ca = min(cached, 500), max(0, cached - 500)
        total += ((500 - ct) * text_in + ct * text_cached + (audio - ca) * audio_in + ca * audio_cached
                  + 200 * audio_out + 30 * text_out) / 1e6
        prev = 500 + audio
    assert cost_lab.EXERCISES["support_line_daily"].solve() == pytest.approx(200 * total)


def test_live_day_is_flat_per_minute():
    assert cost_lab.EXERCISES["support_line_live"].solve() == pytest.approx(200 * 4 * 0.05)

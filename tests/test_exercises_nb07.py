"""Notebook 07's checkers: each reference solution passes, each typical mistake gets its own message."""
from __future__ import annotations

import asyncio
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from course_utils.exercises import Grader, nb07
from course_utils.exercises.solutions.nb07 import SOLUTIONS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from test_lesson_loops_voice import notebook_cell  # noqa: E402

NAMES = {"q1": "delegate", "q2": "live_session_usd", "q3": "crossing_minute"}


@pytest.fixture(scope="module")
def grader():
    return Grader("07")


@pytest.fixture(scope="module")
def lookup_order():
    """The notebook's own lookup (section 2), which q1's solution calls."""
    return notebook_cell("07_live_apis", "lookup_order")["lookup_order"]


def solved(key: str, **earlier):
    namespace: dict = dict(earlier)
    exec(SOLUTIONS[key], namespace)
    return namespace[NAMES[key]]


def wrong(grader, key, answer, *fragments):
    result = grader.check(key, answer)
    assert result.status == "wrong", result
    for fragment in fragments:
        assert fragment in result.message, result.message


@pytest.mark.parametrize("key", sorted(NAMES))
def test_reference_solution_is_right(grader, lookup_order, key):
    assert grader.check(key, solved(key, lookup_order=lookup_order)).status == "right"


def test_stubs_are_not_done(grader):
    def stub(*args):
        raise NotImplementedError

    for key in NAMES:
        assert grader.check(key, stub).status == "todo"


# -- q1: the delegate ---------------------------------------------------------------------------------
WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
         "eight": "8", "nine": "9"}


def parser(words=WORDS, numerals=True, ask=True, answer=lambda digits, request: f"Order {digits} is on its way."):
    def delegate(request):
        digits = ""
        for w in request.user_text.lower().split():
            w = w.strip(".,!?")
            digits += words.get(w, w if numerals and w.isdigit() else "")
        if not digits and ask:
            return "What is your order number?"
        return answer(digits, request)
    return delegate


@pytest.mark.parametrize("answer, fragment", [
    (parser(), "'oh' for zero"),
    (parser({**WORDS, "oh": "0"}, numerals=False), "numerals as well as words"),
    (parser({**WORDS, "oh": "0"}, ask=False), "ask for one"),
    (parser({**WORDS, "oh": "0"}, answer=lambda d, r: {"order": d}), "return a string"),
    (parser({**WORDS, "oh": "0"}, answer=lambda d, r: f"Working on {r.id}, order {d}."), "only names the request"),
    (parser({**WORDS, "oh": "0"}, answer=lambda d, r: "Your order is on its way."), "does not mention it"),
])
def test_q1_mistakes(grader, answer, fragment):
    wrong(grader, "q1", answer, fragment)


def test_q1_the_lessons_order_from_speech_is_not_enough(grader, lookup_order):
    ns = notebook_cell("07_live_apis", "order_from_speech", lookup_order=lookup_order,
                       DelegationRequest=object)
    wrong(grader, "q1", ns["order_from_speech"], "'oh' for zero")


# -- q2: a Live session's price -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def events():
    return asyncio.run(nb07.recorded_session())


def test_q2_the_recorded_session_reports_cumulative_usage(events):
    usage = [(e.type, float(e.usage.seconds)) for e in events if e.type in ("session.usage.updated", "session.closed")]
    assert usage == [("session.usage.updated", 5.0), ("session.usage.updated", 10.0),
                     ("session.usage.updated", 15.0), ("session.usage.updated", 20.0), ("session.closed", 23.0)]
    assert events[0].type == "session.started"
    assert any(e.type == "session.output_audio.delta" for e in events)  # the server answered the caller's line


def seconds_of(events, pick):
    return pick([float(e.usage.seconds) for e in events if e.type in ("session.usage.updated", "session.closed")])


@pytest.mark.parametrize("answer, fragment", [
    (lambda evs, rate: seconds_of(evs, sum) / 60 * rate, "cumulative"),
    (lambda evs, rate: math.ceil(seconds_of(evs, lambda s: s[-1]) / 60) * rate, "not rounded up"),
    (lambda evs, rate: [float(e.usage.seconds) for e in evs if e.type == "session.usage.updated"][-1] / 60 * rate,
     "session.closed carries the final figure"),
    (lambda evs, rate: seconds_of(evs, lambda s: s[-1]) * rate, "divide by 60"),
    (lambda evs, rate: seconds_of(evs, lambda s: s[-1]) / 3600 * rate, "not per hour"),
    (lambda evs, rate: next((float(e.usage.seconds) / 60 * rate for e in evs if e.type == "session.closed"), 0.0),
     "connection dropped"),
    (lambda evs, rate: 0.02, "the session billed 23 s"),
    (lambda evs, rate: "cheap", "one number"),
])
def test_q2_mistakes(grader, events, answer, fragment):
    wrong(grader, "q2", answer, fragment)


# -- q3: the crossing --------------------------------------------------------------------------------
def test_q3_pairs_cover_a_crossing_per_kind_and_one_without():
    found = [nb07.crossing_reference(a, b) for a, b in nb07._pairs()]
    assert found[0] == pytest.approx(2.79, abs=0.01)   # mini without caching vs Live (the notebook says "near 3")
    assert found[2] == pytest.approx(0.27, abs=0.01)   # the flagship vs Live: "after the first quarter-minute"
    assert found[-1] is None                           # the cascade stays under Live


def crossing_with(on_segment):
    """A crossing finder that finds the right segment and then answers ``on_segment(x0, x1, d0, d1)``."""
    def crossing_minute(a, b):
        xs = np.unique(np.concatenate([a.minutes, b.minutes]))
        d = a.at(xs) - b.at(xs)
        for x0, x1, d0, d1 in zip(xs[1:-1], xs[2:], d[1:-1], d[2:]):
            if np.sign(d0) != np.sign(d1):
                return on_segment(x0, x1, d0, d1)
        return None
    return crossing_minute


def marginal(a, b):
    xs = np.arange(1.0, min(a.minutes[-1], b.minutes[-1]), 0.005)
    d = np.array([a.per_minute(x) - b.per_minute(x) for x in xs])
    flips = np.flatnonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)
    return float(xs[flips[0]]) if len(flips) else None


@pytest.mark.parametrize("answer, fragment", [
    (crossing_with(lambda x0, x1, d0, d1: x1), "a turn's end"),
    (crossing_with(lambda x0, x1, d0, d1: x0), "a turn's end"),
    (crossing_with(lambda x0, x1, d0, d1: 4 * (x0 + d0 * (x1 - x0) / (d0 - d1))), "turn number"),
    (lambda a, b: 0.0, "starts at (0, 0)"),
    (marginal, "one more minute of each costs the same"),
    (lambda a, b: None, "they do cross"),
    (lambda a, b: 2.791, "they cross at"),
])
def test_q3_mistakes(grader, answer, fragment):
    wrong(grader, "q3", answer, fragment)


def test_q3_a_fine_grid_is_close_enough(grader):
    def by_grid(a, b):
        xs = np.arange(0.0005, min(a.minutes[-1], b.minutes[-1]), 0.001)
        d = a.at(xs) - b.at(xs)
        flips = np.flatnonzero(np.sign(d[:-1]) != np.sign(d[1:]))
        return float(xs[flips[0]]) if len(flips) else None

    assert grader.check("q3", by_grid).status == "right"


def test_q3_never_crossing_pair_must_be_none(grader, lookup_order):
    reference = solved("q3")

    def always_a_number(a, b):
        return reference(a, b) or 10.0

    wrong(grader, "q3", always_a_number, "never swap places")

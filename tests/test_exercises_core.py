"""The grader itself: stubs are "not done yet", wrong answers get the checker's message, async checkers run."""
from __future__ import annotations

import types

import pytest

from course_utils import exercises
from course_utils.exercises import Exercise, Grader, NotDone


def _fake_grader(monkeypatch, items):
    module = types.SimpleNamespace(EXERCISES=items)
    real = exercises.importlib.import_module
    monkeypatch.setattr(exercises.importlib, "import_module",
                        lambda name: module if name.endswith(".nbzz") else real(name))
    return Grader("zz")


def _double_check(fn):
    if fn(2) == 2:
        return "you returned the input unchanged; multiply it by two"
    return None if fn(3) == 6 else f"for 3 you returned {fn(3)}, not 6"


async def _async_check(value):
    return None if value == 42 else "not the answer"


def _raises_not_done(fn):
    fn(1)
    raise NotDone


def test_stub_right_wrong_and_raising(monkeypatch):
    g = _fake_grader(monkeypatch, [Exercise("q1", "double it", _double_check, hints=["multiply"])])
    assert g.check("q1", None).status == "todo"

    def stub(x):
        raise NotImplementedError

    assert g.check("q1", stub).status == "todo"
    wrong = g.check("q1", lambda x: x)
    assert wrong.status == "wrong" and "unchanged" in wrong.message
    assert g.check("q1", lambda x: 2 * x).status == "right"
    broken = g.check("q1", lambda x: 1 / 0)
    assert broken.status == "wrong" and "ZeroDivisionError" in broken.message
    assert "Hint 1/1" in g.hint("q1") and "solution" in g.hint("q1")
    assert "q1: wrong" in repr(g.summary()) and "score: 0/1" in repr(g.summary())
    g.check("q1", lambda x: x * 2)
    assert "score: 1/1" in repr(g.summary())


def test_async_checker_runs_inside_a_running_loop(monkeypatch):
    import asyncio
    g = _fake_grader(monkeypatch, [Exercise("q1", "?", _async_check)])

    async def inside_notebook_loop():
        return g.check("q1", 42), g.check("q1", 41)

    right, wrong = asyncio.run(inside_notebook_loop())
    assert right and not wrong and "not the answer" in wrong.message


def test_strict_mode_raises_and_unknown_key_is_named(monkeypatch):
    g = _fake_grader(monkeypatch, [Exercise("q1", "?", _raises_not_done)])
    monkeypatch.setenv("COURSE_EXERCISES_STRICT", "1")
    with pytest.raises(AssertionError, match="q1"):
        g.check("q1", lambda x: x)
    with pytest.raises(KeyError, match="q1"):
        g.check("q9", 1)


def test_html_output_does_not_typeset_dollars(monkeypatch):
    g = _fake_grader(monkeypatch, [Exercise("q1", "?", lambda a: "you said $1 and $2")])
    out = g.check("q1", 5)._repr_html_()
    assert "$" not in out and "&#36;1" in out

"""Graded exercises for every notebook: ``grader = Grader("01")``, then ``grader.check("q1", answer)``.

The calling convention is otter-grader's (``grader.check("q1")`` in the notebook, feedback right
below the cell, hints, a score at the end). The checking is our own, for three reasons otter's
doctest-style test files do not cover: many answers here are functions that must run against the
local servers (a WebSocket loop, audio through the VAD, a video job that answers 429), reference
figures are computed from the pricing data on the exercise's date instead of being frozen into a
test file, and a wrong answer should be told its *likely mistake*, not only "failed".

One exercise = an :class:`Exercise` in ``course_utils/exercises/nbNN.py`` (question, checker,
hints). The checker takes the learner's answer and returns ``None`` when it is right or a sentence
naming the mistake; it may be ``async`` (it then runs on its own event loop in a worker thread, so
it works under a notebook's running loop). A learner's stub that raises ``NotImplementedError`` or
is still ``None`` is reported as "not done yet" (so "Run all" of an unsolved notebook passes).

Reference solutions live in ``course_utils/exercises/solutions/nbNN.py`` as ``SOLUTIONS = {key:
code}``: the code of a solved exercise cell. A learner sees one only by asking
(``grader.solution("q1")``); the test suite runs each through its checker, and runs every notebook
with its exercise cells replaced by them (``tests/test_exercises_solved.py``).

Exercise cells in notebooks start with a line ``# EXERCISE q1`` so tools can find (and fill) them.
Under ``COURSE_EXERCISES_STRICT=1`` a check that is not right raises, which the solved-notebook
test uses.
"""
from __future__ import annotations

import asyncio
import html
import importlib
import inspect
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

__all__ = ["Exercise", "Grader", "CheckResult", "NotDone", "run_checker", "EXERCISE_MARK"]

EXERCISE_MARK = "# EXERCISE "
CHECK_TIMEOUT_S = 120.0


class NotDone(Exception):
    """Raised by a checker (or seen by the grader) when the learner has not filled the exercise in yet."""


@dataclass
class Exercise:
    key: str                                  # "q1", "q2", ... unique within a notebook
    question: str                             # what to do, one paragraph
    check: Callable[[Any], Any]               # answer -> None (right) or a message naming the mistake; may be async
    hints: list[str] = field(default_factory=list)
    points: int = 1


@dataclass
class CheckResult:
    notebook: str
    key: str
    status: str          # "right", "wrong" or "todo"
    message: str

    def __bool__(self) -> bool:
        return self.status == "right"

    def __repr__(self) -> str:
        mark = {"right": "✓", "wrong": "✗", "todo": "…"}[self.status]
        return f"{mark} {self.key}: {self.message}"

    def _repr_html_(self) -> str:
        colour = {"right": "#1a7f37", "wrong": "#b42318", "todo": "#57606a"}[self.status]
        text = html.escape(repr(self)).replace("$", "&#36;")
        return (f'<div class="tex2jax_ignore mathjax_ignore" style="border-left:4px solid {colour};padding:4px 8px;'
                f'color:{colour}">{text}</div>')


def _is_stub(answer: Any) -> bool:
    return answer is None or answer is Ellipsis


def run_checker(check: Callable[[Any], Any], answer: Any, timeout: float = CHECK_TIMEOUT_S) -> Any:
    """Call ``check(answer)``; an async checker runs to completion on a fresh loop in a worker thread."""
    result = check(answer)
    if not inspect.isawaitable(result):
        return result
    box: dict[str, Any] = {}

    def worker() -> None:
        try:
            box["value"] = asyncio.run(asyncio.wait_for(_awaited(result), timeout))
        except BaseException as exc:  # handed back to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=worker, name="exercise-check", daemon=True)
    thread.start()
    thread.join(timeout + 5)
    if thread.is_alive():
        raise TimeoutError(f"the check did not finish within {timeout:.0f} s; does your code wait for something that never comes?")
    if "error" in box:
        raise box["error"]
    return box.get("value")


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


class Grader:
    """The exercises of one notebook: ``check``, ``hint``, ``solution``, ``question``, ``summary``."""

    def __init__(self, notebook: str):
        self.notebook = notebook
        module = importlib.import_module(f"{__name__}.nb{notebook}")
        self.exercises: dict[str, Exercise] = {e.key: e for e in module.EXERCISES}
        self.results: dict[str, CheckResult] = {}
        self._hints_shown: dict[str, int] = {}

    def _get(self, key: str) -> Exercise:
        if key not in self.exercises:
            raise KeyError(f"notebook {self.notebook} has no exercise {key!r}; its exercises are {', '.join(self.exercises)}")
        return self.exercises[key]

    def question(self, key: str) -> str:
        return self._get(key).question

    def check(self, key: str, answer: Any = None) -> CheckResult:
        """Grade ``answer``; the result names the likely mistake when it is wrong."""
        exercise = self._get(key)
        if _is_stub(answer):
            result = CheckResult(self.notebook, key, "todo", "not done yet: fill in the cell above, run it, then run this one "
                                 f'(stuck? grader.hint("{key}"))')
        else:
            try:
                verdict = run_checker(exercise.check, answer)
            except (NotDone, NotImplementedError):
                verdict = NotDone
            except Exception as exc:  # the learner's code raised: say what, not a traceback
                verdict = f"your code raised {type(exc).__name__}: {exc}"
            if verdict is NotDone:
                result = CheckResult(self.notebook, key, "todo", "not done yet: your function still raises NotImplementedError "
                                     f'(stuck? grader.hint("{key}"))')
            elif verdict is None:
                result = CheckResult(self.notebook, key, "right", "right.")
            else:
                result = CheckResult(self.notebook, key, "wrong", f'{verdict} (grader.hint("{key}") for a hint)')
        self.results[key] = result
        if os.environ.get("COURSE_EXERCISES_STRICT") == "1" and not result:
            raise AssertionError(f"notebook {self.notebook} exercise {key} is not right: {result!r}")
        return result

    def hint(self, key: str) -> str:
        """The next hint for ``key`` (one more each call), then a pointer to the solution."""
        hints = self._get(key).hints
        shown = self._hints_shown.get(key, 0)
        self._hints_shown[key] = shown + 1
        if shown < len(hints):
            return f"Hint {shown + 1}/{len(hints)} for {key}: {hints[shown]}"
        return f'No more hints for {key}. grader.solution("{key}") shows a solution.'

    def solution(self, key: str) -> "SolutionCode":
        """A reference solution: the code of the solved exercise cell."""
        self._get(key)
        module = importlib.import_module(f"{__name__}.solutions.nb{self.notebook}")
        return SolutionCode(key, module.SOLUTIONS[key])

    def summary(self) -> "Summary":
        return Summary(self)


@dataclass
class SolutionCode:
    key: str
    code: str

    def __repr__(self) -> str:
        return f"# a solution for {self.key}\n{self.code.strip()}"

    def _repr_markdown_(self) -> str:
        return f"A solution for **{self.key}**:\n```python\n{self.code.strip()}\n```"


class Summary:
    def __init__(self, grader: Grader):
        self.rows = [(key, grader.results.get(key)) for key in grader.exercises]
        self.points = sum(grader.exercises[k].points for k, r in self.rows if r)
        self.total = sum(e.points for e in grader.exercises.values())

    def __repr__(self) -> str:
        lines = [f"{key}: {r.status if r is not None else 'not checked'}" for key, r in self.rows]
        return "\n".join(lines + [f"score: {self.points}/{self.total}"])

"""Every notebook's exercises: at least three, each with a solution; "Run all" passes with them solved.

The committed notebooks hold the exercises unsolved (nbval runs them: each check says "not done
yet"). Here each ``# EXERCISE qN`` cell is replaced by its reference solution and the notebook is
executed in replay mode with ``COURSE_EXERCISES_STRICT=1``, so any check that is not right fails.
"""
from __future__ import annotations

import importlib
import os
import re
import sys
from pathlib import Path

import pytest

from course_utils.exercises import EXERCISE_MARK, Grader

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_notebooks  # noqa: E402

SOURCES = run_notebooks.sources()
MARK = re.compile(r"^" + re.escape(EXERCISE_MARK) + r"(q\d+)\b", re.M)


def exercise_cells(nb) -> dict[str, int]:
    """key -> index of the cell that starts with ``# EXERCISE key``."""
    found = {}
    for index, cell in enumerate(nb.cells):
        m = MARK.match(cell.source) if cell.cell_type == "code" else None
        if m:
            assert m.group(1) not in found, f"two cells are marked {EXERCISE_MARK}{m.group(1)}"
            found[m.group(1)] = index
    return found


def notebook_id(source: Path) -> str:
    return source.stem[:2]


def has_exercises(source: Path) -> bool:
    return importlib.util.find_spec(f"course_utils.exercises.nb{notebook_id(source)}") is not None


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_every_notebook_has_three_exercises_each_with_a_cell_and_a_solution(source):
    if notebook_id(source) == "06":
        pytest.skip("06 (the cost lab) has its own seven exercises in course_utils.cost_lab")
    assert has_exercises(source), f"{source.stem} has no course_utils/exercises/nb{notebook_id(source)}.py"
    grader = Grader(notebook_id(source))
    cells = exercise_cells(run_notebooks.read_source(source))
    assert len(grader.exercises) >= 3, f"{source.stem} has {len(grader.exercises)} exercises; at least 3"
    assert sorted(cells) == sorted(grader.exercises), f"{source.stem}: exercise cells {sorted(cells)} vs exercises {sorted(grader.exercises)}"
    for key in grader.exercises:
        assert grader.solution(key).code.strip(), f"{source.stem} {key} has no solution"


@pytest.mark.parametrize("source", [s for s in SOURCES if notebook_id(s) != "06"], ids=lambda p: p.stem)
def test_run_all_passes_with_every_exercise_solved(source, tmp_path):
    if not has_exercises(source):
        pytest.fail(f"{source.stem} has no exercises yet")
    nb = run_notebooks.read_source(source)
    grader = Grader(notebook_id(source))
    for key, index in exercise_cells(nb).items():
        nb.cells[index].source = grader.solution(key).code
    os.environ["COURSE_EXERCISES_STRICT"] = "1"
    try:
        run_notebooks.execute(nb, source.parent, timeout=300)
    finally:
        del os.environ["COURSE_EXERCISES_STRICT"]
    checks = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "✓" in str(o.get("data", o.get("text", "")))]
    assert len(checks) >= len(grader.exercises), f"{source.stem}: {len(checks)} checks said right, {len(grader.exercises)} exercises"

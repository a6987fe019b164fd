"""Each notebook's paired source and its executed .ipynb agree, and the .ipynb was executed from that source.

The sources (``notebooks/NN_name.py``, jupytext percent format) are what contributors edit;
``scripts/run_notebooks.py`` builds and executes the ``.ipynb`` from them. These tests fail when someone
edits one without the other, or changes a source without re-executing it.
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_notebooks  # noqa: E402

SOURCES = run_notebooks.sources()
FIX = "edit the .py source and run: python scripts/run_notebooks.py {name}"


def test_every_notebook_has_a_source_and_no_builder_scripts_remain():
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert notebooks == [p.stem for p in SOURCES], "every notebooks/NN_name.ipynb needs notebooks/NN_name.py beside it"
    assert not list((ROOT / "scripts").glob("build_nb_*.py"))


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_matches_its_source_cell_for_cell(source):
    want = run_notebooks.source_cells(run_notebooks.read_source(source))
    have = run_notebooks.source_cells(nbformat.read(source.with_suffix(".ipynb"), as_version=4))
    for index, (w, h) in enumerate(zip(want, have)):
        assert w == h, f"cell {index} of {source.stem}.ipynb differs from its source; {FIX.format(name=source.name)}"
    assert len(want) == len(have), f"{source.stem}: {len(want)} cells in the source, {len(have)} in the .ipynb; " + FIX.format(name=source.name)


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_was_executed_from_its_current_source(source):
    nb = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    recorded = nb.metadata.get(run_notebooks.METADATA_KEY, {}).get("source_sha256")
    assert recorded == run_notebooks.source_hash(run_notebooks.read_source(source)), (
        f"{source.stem}.ipynb was not executed from its current source; run: python scripts/run_notebooks.py {source.name}")
    code = [c for c in nb.cells if c.cell_type == "code" and not c.source.lstrip().startswith("# NBVAL_SKIP")]
    counts = [c.execution_count for c in code]
    assert counts == list(range(1, len(code) + 1)), f"{source.stem}.ipynb was not executed top to bottom in one run"


def test_the_drift_check_notices_an_edited_cell(tmp_path):
    """The check itself can fail: a one-word edit to a markdown cell changes the hash and the cell comparison."""
    source = SOURCES[0]
    edited = tmp_path / source.name
    edited.write_text(source.read_text().replace("# %% [markdown]\n# ", "# %% [markdown]\n# Edited: ", 1))
    a, b = run_notebooks.read_source(source), run_notebooks.read_source(edited)
    assert run_notebooks.source_cells(a) != run_notebooks.source_cells(b)
    assert run_notebooks.source_hash(a) != run_notebooks.source_hash(b)


def test_the_kernel_keeps_path_and_loses_keys(monkeypatch):
    """run_notebooks executes with this machine's PATH/HOME (espeak-ng, ffmpeg found as under nbval), minus keys."""
    seen = {}

    class FakeClient:  # stands in for nbclient's NotebookClient: records the environment the kernel would get
        def __init__(self, *args, **kwargs):
            pass

        def execute(self):
            import os

            seen.update(os.environ)

    monkeypatch.setattr(run_notebooks, "NotebookClient", FakeClient)
    monkeypatch.setenv("OPENAI_API_KEY", "test-openai-not-for-the-kernel")
    run_notebooks.execute(nbformat.v4.new_notebook(), ROOT, timeout=10)
    assert seen.get("PATH") and seen.get("COURSE_MODE") == "replay"
    assert "OPENAI_API_KEY" not in seen

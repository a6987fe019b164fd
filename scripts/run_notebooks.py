#!/usr/bin/env python3
"""Build each notebook from its paired source and execute it in replay mode, saving the outputs.

Every notebook ``notebooks/NN_name.ipynb`` has a source ``notebooks/NN_name.py`` in jupytext's percent
format: the text a contributor edits (markdown as ``# %% [markdown]`` comments, code as plain code that
ruff reads). The committed ``.ipynb`` is that source, executed in replay mode; nbval checks it and Colab
opens it. So after changing a source, or ``course_utils``, run:

    python scripts/run_notebooks.py                              (every notebook)
    python scripts/run_notebooks.py notebooks/01_realtime_voice.py   (one; the .ipynb path works too)

Keys are removed from the kernel's environment and the mode is forced to replay. The executed notebook
records a hash of its source (``metadata.realtime_video_lab.source_sha256``), so a test can tell when a
source changed without being re-executed (tests/test_notebook_sources.py).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
sys.path.insert(0, str(ROOT))
from course_utils import credential_variables  # noqa: E402

#: Prices in committed outputs are those of the day the pricing data was checked.
PRICE_DATE = "2026-11-25"
KEY_VARS = credential_variables()
#: What every committed notebook carries as metadata (Colab reads ``colab``; Jupyter reads the kernelspec).
NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
    "colab": {"provenance": []},
}
METADATA_KEY = "realtime_video_lab"


def sources() -> list[Path]:
    """Every notebook source, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def source_cells(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(cell type, source) for each cell: what the drift test compares."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


def source_hash(nb: nbformat.NotebookNode) -> str:
    digest = hashlib.sha256()
    for kind, text in source_cells(nb):
        digest.update(kind.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()


def read_source(path: Path) -> nbformat.NotebookNode:
    """The notebook a source describes, with no outputs yet."""
    nb = jupytext.read(path, fmt="py:percent")
    nb.metadata = nbformat.NotebookNode(NOTEBOOK_METADATA)
    return nb


def replay_env() -> dict[str, str]:
    """The environment the kernel gets: replay mode, no keys, deterministic plotting."""
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.update(COURSE_MODE="replay", COURSE_PRICE_DATE=PRICE_DATE, MPLBACKEND="module://matplotlib_inline.backend_inline",
               PYTHONHASHSEED="0", TQDM_DISABLE="0")
    return env


def clean(nb: nbformat.NotebookNode) -> None:
    """Drop what changes on every run without meaning anything (execution timestamps, cell ids)."""
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell["id"] = f"cell-{index:03d}"
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)


def execute(nb: nbformat.NotebookNode, workdir: Path, timeout: int) -> None:
    """Run every cell in replay mode (cells marked NBVAL_SKIP, which need a browser, are left unrun)."""
    skipped = []
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# NBVAL_SKIP"):
            cell.metadata.setdefault("tags", []).append("skip-execution")
            cell.outputs = []
            skipped.append(cell)
    old_env, kernel_env = dict(os.environ), replay_env()  # computed before the clear: PATH, HOME ... stay
    os.environ.clear()
    os.environ.update(kernel_env)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    for cell in skipped:
        cell.metadata["tags"].remove("skip-execution")
        if not cell.metadata["tags"]:
            del cell.metadata["tags"]


def build(source: Path, timeout: int) -> float:
    """Source → executed ``.ipynb`` beside it; returns the seconds it took."""
    nb = read_source(source)
    start = time.monotonic()
    execute(nb, source.parent, timeout)
    clean(nb)
    nb.metadata[METADATA_KEY] = {"source": source.name, "source_sha256": source_hash(nb)}
    nbformat.write(nb, source.with_suffix(".ipynb"))
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="sources (.py) or notebooks (.ipynb); default: all")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args()
    paths = [p.resolve().with_suffix(".py") for p in args.notebooks] or sources()
    for path in paths:
        if not path.exists():
            print(f"no notebook source {path.name}: sources are notebooks/NN_name.py", file=sys.stderr)
            return 2
        seconds = build(path, args.timeout)
        print(f"built and executed {path.with_suffix('.ipynb').name} in replay mode ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

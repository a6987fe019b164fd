#!/usr/bin/env python3
"""Re-execute notebooks in replay mode and save their outputs in place.

Outputs committed to git must always be the replay-mode truth, so run this whenever course_utils
changes:  python scripts/run_notebooks.py            (every notebook)
          python scripts/run_notebooks.py notebooks/01_realtime_voice.ipynb
Keys are removed from the kernel's environment and the mode is forced to replay.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.config import KEY_ALIASES, PROVIDER_KEYS  # noqa: E402

#: Prices in committed outputs are those of the day the pricing data was checked.
PRICE_DATE = "2026-11-25"
KEY_VARS = {v for names in PROVIDER_KEYS.values() for v in names} | {a for al in KEY_ALIASES.values() for a in al}


def replay_env() -> dict[str, str]:
    """The environment the kernel gets: replay mode, no keys, deterministic plotting."""
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env.update(COURSE_MODE="replay", COURSE_PRICE_DATE=PRICE_DATE, MPLBACKEND="module://matplotlib_inline.backend_inline",
               PYTHONHASHSEED="0", TQDM_DISABLE="0")
    return env


def clean(nb: nbformat.NotebookNode) -> None:
    """Drop what changes on every run without meaning anything (execution timestamps)."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)


def run(path: Path, timeout: int) -> float:
    nb = nbformat.read(path, as_version=4)
    skipped = []  # cells nbval skips (they need a browser or a microphone) are not run here either
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.lstrip().startswith("# NBVAL_SKIP"):
            cell.metadata.setdefault("tags", []).append("skip-execution")
            cell.outputs = []
            skipped.append(cell)
    old_env = dict(os.environ)
    os.environ.clear()
    os.environ.update(replay_env())
    start = time.monotonic()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old_env)
    for cell in skipped:
        cell.metadata["tags"].remove("skip-execution")
        if not cell.metadata["tags"]:
            del cell.metadata["tags"]
    clean(nb)
    nbformat.write(nb, path)
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args()
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path in paths:
        seconds = run(path.resolve(), args.timeout)
        print(f"executed {path.name} in replay mode ({seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

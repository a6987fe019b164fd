"""Tiny helpers for the notebook builder scripts (scripts/build_nb_*.py): the standard first cells.

Every notebook starts with: title + Open-in-Colab badge + the cost of running it live, an install
cell that installs only what Colab lacks, then ``course_utils.setup()``.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = "realtime-video-lab/realtime-video-lab"
NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def md(text: str):
    return new_markdown_cell(text.strip("\n"))


def code(text: str):
    return new_code_cell(text.strip("\n"))


def header(filename: str, title: str, live_cost: str, summary: str, colab_extra: str = "") -> list:
    """Title/badge/cost, install (Colab only), setup()."""
    badge = (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
             f"(https://colab.research.google.com/github/{REPO}/blob/main/notebooks/{filename})")
    install = ('import sys\n\nif "google.colab" in sys.modules:  # Colab lacks only these; locally, scripts/install.sh did it\n'
               f'    %pip install -q "realtime-video-lab @ git+https://github.com/{REPO}" anywidget{colab_extra}')
    return [
        md(f"# {title}\n\n{badge}\n\n**Cost of running it live:** {live_cost}. In replay mode (the default) it costs nothing "
           f"and needs no key.\n\n{summary}"),
        md("Install what Colab lacks (nothing runs here outside Colab), then choose the mode. `setup()` prints the mode "
           "and which providers have keys, never a key. Replay mode talks only to local servers on 127.0.0.1."),
        code(install),
        code("import course_utils\n\ncfg = course_utils.setup()  # replay unless COURSE_MODE or setup(mode=...) says otherwise"),
    ]


def write(filename: str, cells: list) -> Path:
    nb = new_notebook(cells=cells, metadata={
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"}, "colab": {"provenance": []}})
    path = NOTEBOOKS / filename
    path.parent.mkdir(exist_ok=True)
    nbformat.write(nb, path)
    return path

"""Every notebook's install cell is the one canonical text (scripts/colab_install_cell.py), pinned to this version.

The cell installs git tag ``v<COURSE_VERSION>`` in Colab; the tag must be this package's version, so a
release bumps ``course_utils.__version__``, pyproject.toml and the canonical cell together (then the
notebook sources get the new cell text, and the tag is made).
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

import course_utils

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import run_notebooks  # noqa: E402

CANONICAL = ROOT / "scripts" / "colab_install_cell.py"
SOURCES = run_notebooks.sources()


def install_cells(source: Path) -> list[str]:
    nb = run_notebooks.read_source(source)
    return [c.source for c in nb.cells if c.cell_type == "code" and '"google.colab" in sys.modules' in c.source]


def test_the_canonical_cell_pins_this_version():
    text = CANONICAL.read_text()
    pinned = re.search(r'^COURSE_VERSION = "([^"]+)"', text, re.M).group(1)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert pinned == course_utils.__version__ == project, (
        f"install cell pins {pinned}, course_utils.__version__ is {course_utils.__version__}, pyproject says {project}: "
        "bump them together")
    assert 'realtime-video-lab@v{version}"' in text, "the cell installs the git tag v<COURSE_VERSION>"


@pytest.mark.parametrize("source", SOURCES, ids=[p.stem for p in SOURCES])
def test_every_notebook_has_the_canonical_install_cell_first(source):
    canonical = CANONICAL.read_text().rstrip("\n")
    cells = install_cells(source)
    assert cells == [canonical], (f"{source.name}: its install cell must be exactly scripts/colab_install_cell.py "
                                  "(copy it in, then run scripts/run_notebooks.py on the notebook)")
    first_code = next(c for c in run_notebooks.read_source(source).cells if c.cell_type == "code")
    assert first_code.source == canonical, f"{source.name}: the install cell must be the first code cell"


def test_outside_colab_the_cell_does_nothing_and_says_so():
    done = subprocess.run([sys.executable, str(CANONICAL)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["not in Colab: nothing to install here"]


def test_with_the_right_version_installed_the_cell_installs_nothing(tmp_path):
    """A clone's editable install (this checkout's .venv has one) stays: the cell says so and runs no pip."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        have = version("realtime-video-lab")
    except PackageNotFoundError:
        pytest.skip("realtime-video-lab is not installed in this environment (scripts/install.sh installs it)")
    if have != course_utils.__version__:
        pytest.skip(f"the installed metadata says {have}; re-run scripts/install.sh after a version bump")
    fake = tmp_path / "google" / "colab"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    code = f"import google.colab, runpy; runpy.run_path({str(CANONICAL)!r}, run_name='__main__')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(tmp_path), "PATH": "/nonexistent"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"realtime-video-lab {course_utils.__version__} is already installed: nothing to do"]

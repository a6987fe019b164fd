"""course_utils.data_location: a checkout uses its own data/; an installed wheel carries the data inside itself.

Colab installs the package from git, with no repository in the working directory: before the data shipped
in the wheel, every notebook stopped at its first price or fixture. The wheel test builds the real wheel
and reads prices, a fixture and the demo video's ground truth from an installed copy, run from elsewhere.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from course_utils import costs, data_location, fixtures

ROOT = Path(__file__).resolve().parent.parent

READ_EVERYTHING = """
import json, sys
import course_utils
from course_utils import costs, data_location, fixtures
from course_utils.fixtures import DATA_DIR
print(json.dumps({
    "package": course_utils.__file__, "data": str(data_location.DATA_DIR), "source": data_location.SOURCE,
    "prices": len(costs.price_table()),
    "provenance": fixtures.load_manifest("cascade", "support_turn")["provenance"][:9],
    "truth": sorted(json.loads((DATA_DIR / "video" / "product_demo.ground_truth.json").read_text()))[:1],
    "speech": fixtures.list_fixtures("speech"),
}))
"""


def run_elsewhere(tmp_path: Path, pythonpath: Path) -> dict:
    """Run READ_EVERYTHING with ``pythonpath`` first on sys.path, from an empty directory (as in Colab's /content)."""
    cwd = tmp_path / "content"
    cwd.mkdir()
    done = subprocess.run([sys.executable, "-c", READ_EVERYTHING], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_checkout_uses_its_own_data():
    assert data_location.SOURCE == "checkout"
    assert data_location.DATA_DIR == ROOT / "data" == data_location.data_dir()
    assert costs.PRICING_DIR == ROOT / "data" / "pricing"
    assert fixtures.FIXTURES_DIR == ROOT / "data" / "fixtures"
    assert fixtures.DATA_DIR == data_location.DATA_DIR  # notebooks import it from fixtures


def test_no_other_module_derives_a_data_path_from_its_location():
    offenders = []
    for path in sorted((ROOT / "course_utils").rglob("*.py")):
        text = path.read_text()
        if path.name != "data_location.py" and "__file__" in text and re.search(r"""["']data["']""", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders, f"use course_utils.data_location.DATA_DIR instead of a path from __file__ in: {offenders}"


def test_an_installed_copy_without_a_checkout_uses_the_data_it_ships(tmp_path):
    """The layout a wheel installs: course_utils/ with the data as course_utils/_data/, and no repository around it."""
    site = tmp_path / "site"
    shutil.copytree(ROOT / "course_utils", site / "course_utils", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data", site / "course_utils" / "_data")
    got = run_elsewhere(tmp_path, site)
    assert got["package"].startswith(str(site)) and got["source"] == "installed package"
    assert got["data"] == str(site / "course_utils" / "_data")
    assert got["prices"] == len(costs.price_table()) and got["provenance"] == "synthetic"
    assert got["truth"] and "espeak" in got["speech"]


def test_an_installed_copy_without_data_says_what_to_do(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "course_utils", site / "course_utils", ignore=shutil.ignore_patterns("__pycache__"))
    done = subprocess.run([sys.executable, "-c", "import course_utils.costs"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert done.returncode != 0
    assert "has no data" in done.stderr and "install cell" in done.stderr


@pytest.mark.slow
def test_the_wheel_ships_every_data_file_and_an_install_reads_them(tmp_path):
    """Build the real wheel (pip wheel --no-deps), install it in a throwaway target, read the data from /content."""
    src = tmp_path / "src"
    for name in ("course_utils", "data"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src / name)
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path / "dist"), str(src)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr[-3000:]
    wheel = next((tmp_path / "dist").glob("realtime_video_lab-*.whl"))
    shipped = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("course_utils/_data/")}
    want = {"course_utils/_data/" + p.relative_to(ROOT / "data").as_posix() for p in (ROOT / "data").rglob("*") if p.is_file()}
    assert want - shipped == set(), f"data files missing from the wheel: {sorted(want - shipped)[:5]}"
    size_mb = sum(p.stat().st_size for p in (ROOT / "data").rglob("*") if p.is_file()) / 1e6
    assert size_mb < 30, f"data/ is {size_mb:.1f} MB; keep committed media small"

    site = tmp_path / "site"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr[-3000:]
    got = run_elsewhere(tmp_path, site)
    assert got["source"] == "installed package" and got["data"] == str(site / "course_utils" / "_data")
    assert got["prices"] == len(costs.price_table()) and got["provenance"] == "synthetic" and got["truth"]

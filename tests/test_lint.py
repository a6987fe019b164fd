"""ruff over course_utils, the notebook sources, tests, bench and scripts (rules and reasons: pyproject.toml [tool.ruff])."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise",
                           "course_utils", "notebooks", "tests", "bench", "scripts"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, "ruff found problems (fix them, or explain a new rule in pyproject.toml):\n" + done.stdout[-4000:]

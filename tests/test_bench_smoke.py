"""The benchmarks still run (their figures are printed, never asserted: shared machines are noisy).

A bench that no test runs breaks silently when the code under it changes (section 3 of the Realtime
bench did, when the conversation model changed); this runs its quick mode and checks each section ends."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_realtime_bench_quick_mode_runs_every_section():
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_realtime.py"), "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    for heading in ("1. Long response stream", "2. Barge-in", "3. Concurrency"):
        assert heading in done.stdout, f"{heading!r} missing from:\n{done.stdout[-1500:]}"
    assert "lost audio deltas: 0" in done.stdout  # a correctness figure, not a timing

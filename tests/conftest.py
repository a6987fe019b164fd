"""Every test runs in replay mode, without keys, with the network closed to all but 127.0.0.1.

The environment is cleaned at import time, so the notebook kernels nbval starts inherit it too.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from course_utils import credential_variables

ROOT = Path(__file__).resolve().parent.parent
KEY_VARS = credential_variables()  # video adapters add their providers' variables when imported
for _name in KEY_VARS:
    os.environ.pop(_name, None)
os.environ["COURSE_MODE"] = "replay"
os.environ["COURSE_PRICE_DATE"] = "2026-11-25"  # committed outputs and tests price on the date the data was checked
# nbval's kernels inherit this environment: they plot inline; this process plots off-screen
os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
import matplotlib  # noqa: E402

matplotlib.use("Agg")

import course_utils  # noqa: E402

course_utils.setup(quiet=True)


@pytest.fixture(autouse=True)
def _back_to_replay():
    """A test may switch to live/record with fake keys; the next test starts in replay again."""
    yield
    for _name in KEY_VARS:
        if os.environ.get(_name, "").startswith("test-"):
            os.environ.pop(_name, None)
    course_utils.setup(mode="replay", quiet=True)


@pytest.fixture
def fake_keys(monkeypatch):
    """Fake credentials (prefixed ``test-``) for every provider, for live-mode code paths pointed at local servers."""
    from course_utils.config import PROVIDER_KEYS

    names = {name for names in PROVIDER_KEYS.values() for name in names}
    for name in names:
        monkeypatch.setenv(name, f"test-{name.lower()}-0123456789abcdef")
    return {name: os.environ[name] for name in names}

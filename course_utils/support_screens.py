"""The support case's data: the shared screenshots (``data/screens``) with their ground truth, and
the support desk's knowledge base behind the agent's ``lookup_error_code`` tool."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from functools import lru_cache

from . import costs
from .errors import CourseError, FixtureError
from .fixtures import DATA_DIR

SCREENS_DIR = DATA_DIR / "screens"


# -- the support tool ------------------------------------------------------------------------------
ERROR_CODES: dict[str, dict] = {
    "0x80072F8F": {
        "code": "0x80072F8F",
        "meaning": "secure connection failed: the server's certificate could not be validated",
        "common_causes": ["the computer's date and time are wrong",
                          "a proxy or antivirus program intercepts secure connections"],
        "first_step": "check that the date and time are set automatically",
        "article": "KB-2047",
    },
}


def lookup_error_code(code: str) -> dict:
    """Look up an error code in the support knowledge base."""
    key = code.strip().upper().replace("0X", "0x")
    if key in ERROR_CODES:
        return ERROR_CODES[key]
    return {"code": code, "meaning": "unknown code", "known_codes": sorted(ERROR_CODES)}


# -- screens ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Screen:
    """One shared screenshot (a PNG from ``data/screens``) and its ground truth."""

    name: str
    png: bytes
    width: int
    height: int
    truth: dict

    @property
    def b64(self) -> str:
        return base64.b64encode(self.png).decode()

    @property
    def data_url(self) -> str:
        return f"data:image/png;base64,{self.b64}"

    def image_tokens(self, detail: str = "high") -> int:
        """OpenAI image input tokens by the course's tile rule (data/pricing/token_rules.csv)."""
        return costs.openai_image_tokens(self.width, self.height, detail)

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return f"Screen({self.name!r}, {self.width}x{self.height}, {len(self.png) / 1024:.1f} KiB)"


@lru_cache(maxsize=1)
def ground_truth() -> dict:
    """``data/screens/ground_truth.json`` (what each screenshot shows, with provenance)."""
    path = SCREENS_DIR / "ground_truth.json"
    if not path.exists():
        raise FixtureError("data/screens/ground_truth.json is missing; run scripts/make_support_screens.py.")
    return json.loads(path.read_text())


def list_screens() -> list[str]:
    return list(ground_truth()["screens"])


def load_screen(name: str) -> Screen:
    """The screenshot ``name`` (e.g. ``"sync_error.png"``) with its ground truth."""
    screens = ground_truth()["screens"]
    if name not in screens:
        raise CourseError(f"No screen {name!r}; data/screens has: {', '.join(screens)}.")
    path = SCREENS_DIR / name
    if not path.exists():
        raise FixtureError(f"data/screens/{name} is missing; run scripts/make_support_screens.py.")
    truth = screens[name]
    return Screen(name, path.read_bytes(), truth["width"], truth["height"], truth)


def image_match_slice(b64: str) -> str:
    """A 48-character slice from the middle of a screenshot's base64: how replay tells screens apart."""
    mid = len(b64) // 2
    return b64[mid: mid + 48]


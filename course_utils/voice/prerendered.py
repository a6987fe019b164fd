"""espeak-ng speech rendered ahead of time, for machines without espeak-ng (Colab has none).

The offline voice of the course is espeak-ng: the cascade's TTS step (notebook 02) and the narration of
script-to-video (notebook 04). Where espeak-ng is installed it runs; where it is not, replay uses the
same words rendered beforehand by ``scripts/make_speech_fixtures.py`` with the same espeak-ng calls,
kept losslessly (FLAC of espeak-ng's own 16-bit output) in ``data/fixtures/speech/espeak/``. Words that
were never rendered need espeak-ng itself: :data:`INSTALL_HINT` says how to get it.
"""
from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from ..fixtures import fixture_dir, list_fixtures, load_manifest

ESPEAK = "espeak-ng"
AREA, NAME = "speech", "espeak"
INSTALL_HINT = ("install espeak-ng (Colab: !apt-get install -y espeak-ng; Debian/Ubuntu: apt-get install espeak-ng; "
                "macOS: brew install espeak-ng)")


def espeak_installed() -> bool:
    """Whether the espeak-ng program is on PATH."""
    return shutil.which(ESPEAK) is not None


def clip_key(text: str, voice: str, words_per_minute: int) -> str:
    """The name a rendering is filed under: the words (whitespace collapsed), the voice and the speed."""
    words = " ".join(text.split())
    return hashlib.sha256(f"{voice}\0{words_per_minute}\0{words}".encode()).hexdigest()[:16]


def find(text: str, voice: str, words_per_minute: int) -> Path | None:
    """The pre-rendered FLAC for exactly these words, voice and speed, or ``None``."""
    if NAME not in list_fixtures(AREA):
        return None
    key = clip_key(text, voice, words_per_minute)
    for clip in load_manifest(AREA, NAME).get("clips", []):
        if clip.get("key") == key:
            return fixture_dir(AREA, NAME) / clip["file"]
    return None


def source_line() -> str:
    """Where speech comes from on this machine, in a few words (for stage tables and status lines)."""
    return "espeak-ng on this machine" if espeak_installed() else "espeak-ng speech pre-rendered in the fixtures"

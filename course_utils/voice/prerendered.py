"""espeak-ng speech rendered ahead of time, for machines without espeak-ng (Colab has none).

The offline voice of the course is espeak-ng (:mod:`.espeak`, the one place that runs it): the cascade's
TTS step (notebook 02) and the narration of script-to-video (notebook 04). Where espeak-ng is installed
it runs; where it is not, :func:`.espeak.speech` takes the same words rendered beforehand by
``scripts/make_speech_fixtures.py`` with the same espeak-ng call, kept losslessly (FLAC of espeak-ng's
own 16-bit output) in ``data/fixtures/speech/espeak/``: this module finds them.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..fixtures import fixture_dir, list_fixtures, load_manifest

AREA, NAME = "speech", "espeak"


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


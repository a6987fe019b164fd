#!/usr/bin/env python3
"""Render, with espeak-ng, the speech the notebooks synthesise in replay mode, for machines without it.

Writes ``data/fixtures/speech/espeak/`` (manifest + one FLAC per clip): the cascade's replayed replies
(notebook 02, ``course_utils.voice.espeak.espeak_pcm``'s voice and speed) and the narration of notebook 04's
script (``course_utils.video.shots.narrate_espeak``'s voice and speed). Each FLAC holds espeak-ng's own
16-bit output losslessly, so the code gets the same samples as from espeak-ng itself. Needs espeak-ng;
run it again whenever a replayed reply or notebook 04's SCRIPT changes:

    python scripts/make_speech_fixtures.py
"""
from __future__ import annotations

import io
import json
import re
import sys
from datetime import date
from pathlib import Path

import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from course_utils.fixtures import fixture_dir, list_fixtures, save_fixture  # noqa: E402
from course_utils.video.shots import parse_script  # noqa: E402
from course_utils.voice.espeak import espeak_version, render  # noqa: E402
from course_utils.voice.prerendered import AREA, NAME, clip_key  # noqa: E402

CASCADE_VOICE, CASCADE_WPM = "en-us+f3", 165    # course_utils.voice.espeak.espeak_pcm's defaults
NARRATION_VOICE, NARRATION_WPM = "en-us", 165   # course_utils.video.shots.narrate_espeak's defaults
SCRIPT_NOTEBOOK = ROOT / "notebooks" / "04_video_generation.py"


def cascade_replies() -> list[str]:
    """Every chat reply the cascade fixtures replay (what the cascade's TTS step speaks in replay)."""
    replies = []
    for name in list_fixtures("cascade"):
        for exchange in json.loads((fixture_dir("cascade", name) / "exchanges.json").read_text()):
            if exchange.get("path", "").endswith("/chat/completions"):
                for choice in (exchange.get("json") or {}).get("choices", []):
                    text = (choice.get("message", {}).get("content") or "").strip()
                    if text:
                        replies.append(text)
    return replies


def notebook_narrations() -> list[str]:
    """The NARRATION lines of the ``SCRIPT = '''...'''`` in notebook 04's source."""
    found = re.search(r"^SCRIPT = '''(.*?)'''", SCRIPT_NOTEBOOK.read_text(), re.S | re.M)
    if not found:
        raise SystemExit(f"no SCRIPT = '''...''' in {SCRIPT_NOTEBOOK.name}")
    return [scene.narration for scene in parse_script(found.group(1))[1]]


def flac(text: str, voice: str, wpm: int) -> bytes:
    """espeak-ng's output for these words as FLAC (same samples, lossless)."""
    samples, rate = render(text, voice, wpm)
    out = io.BytesIO()
    sf.write(out, samples, rate, format="FLAC", subtype="PCM_16")
    return out.getvalue()


def main() -> int:
    version = espeak_version()
    wanted = [("cascade reply", t, CASCADE_VOICE, CASCADE_WPM) for t in cascade_replies()]
    wanted += [("notebook 04 narration", t, NARRATION_VOICE, NARRATION_WPM) for t in notebook_narrations()]
    clips, files = [], {}
    for use, text, voice, wpm in wanted:
        key = clip_key(text, voice, wpm)
        if any(c["key"] == key for c in clips):
            continue
        files[f"{key}.flac"] = flac(text, voice, wpm)
        clips.append({"key": key, "file": f"{key}.flac", "use": use, "voice": voice, "words_per_minute": wpm, "text": text})
    manifest = {
        "name": NAME, "area": AREA,
        "description": "espeak-ng speech for the words the notebooks synthesise in replay mode, used where espeak-ng "
                       "is not installed (Colab); course_utils.voice.prerendered finds a clip by its words, voice and speed.",
        "provenance": f"synthetic: rendered with espeak-ng {version} by scripts/make_speech_fixtures.py; 16-bit mono FLAC of "
                      "espeak-ng's own output (lossless); not captured from any API",
        "made_by": "scripts/make_speech_fixtures.py", "made_on": date.today().isoformat(),
        "clips": clips,
    }
    folder = fixture_dir(AREA, NAME) if NAME in list_fixtures(AREA) else None
    if folder is not None:
        for old in folder.glob("*.flac"):
            old.unlink()
    folder = save_fixture(AREA, NAME, manifest, files)
    size = sum(len(b) for b in files.values())
    print(f"wrote {len(clips)} clips ({size / 1024:.0f} KiB) to {folder.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

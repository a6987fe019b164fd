"""Replay needs no espeak-ng: the speech notebooks 02 and 04 synthesise is pre-rendered in the fixtures.

Colab has no espeak-ng. Without it, the cascade's TTS step and the script-to-video narration take the same
words from ``data/fixtures/speech/espeak/`` (espeak-ng's own output, lossless); words never rendered fail
with one line saying what to install. With espeak-ng present, the fixtures must equal a fresh rendering.
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from course_utils import cascade as cas
from course_utils.errors import CourseError
from course_utils.video.shots import narrate_espeak
from course_utils.voice import espeak, prerendered

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import make_speech_fixtures as maker  # noqa: E402


@pytest.fixture
def no_espeak(monkeypatch):
    """espeak-ng absent from PATH, as in Colab."""
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None if name == "espeak-ng" else real_which(name, *a, **k))


def test_every_word_replay_speaks_is_pre_rendered():
    for text in maker.cascade_replies():
        assert prerendered.find(text, maker.CASCADE_VOICE, maker.CASCADE_WPM), f"cascade reply not pre-rendered: {text[:40]!r}"
    for text in maker.notebook_narrations():
        assert prerendered.find(text, maker.NARRATION_VOICE, maker.NARRATION_WPM), (
            f"notebook 04 narration not pre-rendered: {text!r}; run scripts/make_speech_fixtures.py")


def test_without_espeak_the_cascade_and_the_narration_use_the_fixtures(no_espeak):
    assert not espeak.espeak_installed()
    reply = maker.cascade_replies()[0]
    pcm = espeak.espeak_pcm(reply)
    assert len(pcm) > 24000 * 2 * 5  # more than 5 s of PCM16 24 kHz
    samples, rate = narrate_espeak(maker.notebook_narrations()[0])
    assert rate == 22050 and len(samples) / rate > 1.0
    assert "pre-rendered" in cas.check_tts("espeak-ng") and "apt-get install" in cas.check_tts("espeak-ng")
    assert espeak.source_line() == "espeak-ng speech pre-rendered in the fixtures"


def test_without_espeak_new_words_say_what_to_install(no_espeak):
    with pytest.raises(CourseError, match=r"espeak-ng is not installed.*apt-get install -y espeak-ng"):
        espeak.espeak_pcm("Words nobody rendered.")
    with pytest.raises(CourseError, match=r"espeak-ng is not installed.*apt-get install -y espeak-ng"):
        narrate_espeak("Words nobody rendered.")


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng to compare with")
def test_the_fixtures_equal_a_fresh_rendering(monkeypatch):
    reply = maker.cascade_replies()[0]
    live = espeak.espeak_pcm(reply)
    narration = maker.notebook_narrations()[0]
    live_n, _ = narrate_espeak(narration)
    monkeypatch.setattr(espeak, "espeak_installed", lambda: False)
    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    assert espeak.espeak_pcm(reply) == live
    assert np.array_equal(narrate_espeak(narration)[0], live_n)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")
def test_espeak_ng_gives_its_own_samples_and_its_version_number():
    samples, rate = espeak.render("One two three.", "en-us", 165)
    assert samples.dtype == np.int16 and samples.ndim == 1 and rate == 22050 and len(samples) > rate // 2
    assert re.fullmatch(r"\d+(\.\d+)+\S*", espeak.espeak_version())


def test_the_speech_fixture_says_how_it_was_made():
    manifest = prerendered.load_manifest(prerendered.AREA, prerendered.NAME)
    assert re.search(r"synthetic: rendered with (espeak-ng \d|eSpeak NG)", manifest["provenance"])
    files = list(prerendered.fixture_dir(prerendered.AREA, prerendered.NAME).glob("*.flac"))
    assert len(files) == len(manifest["clips"]) and sum(f.stat().st_size for f in files) < 2_000_000

"""Pricing a Realtime translation session: per minute of audio, one session per listener language."""
from __future__ import annotations

import pytest

from course_utils import costs
from course_utils.errors import CourseError


def test_the_price_row_has_a_source_and_a_date():
    row = costs.price_row("gpt-realtime-translate", "audio_minute")
    assert row.usd == 0.034 and row.unit == "minute"
    assert row.source == "https://developers.openai.com/api/docs/models/gpt-realtime-translate" and row.as_of
    with pytest.raises(CourseError, match="no price before 2026-05-07"):
        costs.price("gpt-realtime-translate", "audio_minute", on="2026-04-30")   # before its launch


def test_cost_from_seconds_of_audio():
    c = costs.cost_from_translation_seconds(90)
    assert c.total_usd == pytest.approx(1.5 * 0.034)
    with_text = costs.cost_from_translation_seconds(90, transcription_seconds=90)
    assert with_text.total_usd == pytest.approx(1.5 * 0.034 + 1.5 * 0.017)
    assert any("not say" in n for n in with_text.notes)


def test_estimate_scales_with_languages_not_people():
    one = costs.estimate_translation_session(60)
    assert one.total_usd == pytest.approx(60 * 0.034)            # $2.04 per hour
    four = costs.estimate_translation_session(60, listeners=4)
    assert four.total_usd == pytest.approx(4 * 60 * 0.034)       # $8.16 per hour for four languages
    transcribed = costs.estimate_translation_session(60, listeners=4, transcription_model="gpt-realtime-whisper")
    assert transcribed.total_usd == pytest.approx(four.total_usd + 60 * 0.017)
    with pytest.raises(CourseError, match="at least 1"):
        costs.estimate_translation_session(10, listeners=0)

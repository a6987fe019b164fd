"""Pricing data and cost functions, each checked against arithmetic written out by hand."""
from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from course_utils import costs
from course_utils.errors import CourseError

ROOT = Path(__file__).resolve().parent.parent
PROMO = "2026-11-25"   # Gemini 3.8 Flash promotional price in force
AFTER = "2027-01-02"   # ... and after it ended


def test_every_price_row_has_a_source_and_a_date():
    with open(ROOT / "data/pricing/prices.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) > 100
    for r in rows:
        assert r["source"].startswith("http"), r
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["as_of"]), r
        assert r["usd"] or "not confirmed" in r["note"], r  # a blank figure must say so
        if r["status"] == "current" and r["valid_until"]:
            assert date.fromisoformat(r["valid_until"]) >= date(2026, 11, 25) or r["model"] == "gemini-3.8-flash", r


def test_realtime_usage_block_priced_by_modality_and_cache():
    usage = {"total_tokens": 821, "input_tokens": 789, "output_tokens": 32,
             "input_token_details": {"text_tokens": 313, "audio_tokens": 476, "cached_tokens": 640,
                                     "cached_tokens_details": {"text_tokens": 256, "audio_tokens": 384}},
             "output_token_details": {"text_tokens": 9, "audio_tokens": 23}}
    cost = costs.cost_from_realtime_usage(usage, "gpt-realtime-2.1")
    expected = (57 * 4 + 256 * 0.40 + 92 * 32 + 384 * 0.40 + 9 * 24 + 23 * 64) / 1e6  # = 0.005116
    assert cost.total_usd == pytest.approx(expected) == pytest.approx(0.005116)


def test_realtime_usage_accepts_sdk_objects():
    from openai.types.realtime import RealtimeResponseUsage
    usage = RealtimeResponseUsage.model_validate({"input_token_details": {"audio_tokens": 100}, "output_token_details": {"audio_tokens": 200}})
    assert costs.cost_from_realtime_usage(usage, "gpt-realtime-2.1-mini").total_usd == pytest.approx((100 * 10 + 200 * 20) / 1e6)


def test_audio_token_rules():
    assert costs.realtime_audio_tokens(3.0, "user") == 30      # 1 token per 100 ms
    assert costs.realtime_audio_tokens(3.0, "assistant") == 60  # 1 token per 50 ms


def test_the_chapters_one_minute_example():
    # The chapter: "1 minute voice conversation ~$0.12-0.20" at $100/$200 per 1M audio tokens.
    # It holds for ONE exchange read once: 30 s user (300 tokens x $100/1M = $0.03)
    # + 30 s reply (600 tokens x $200/1M = $0.12) = $0.15.
    one = costs.estimate_realtime_conversation("gpt-4o-realtime-preview", turns=1, user_seconds_per_turn=30,
                                               assistant_seconds_per_turn=30, instructions_tokens=0, caching=False,
                                               transcript_tokens_per_second=0, on="2024-10-15")
    assert one.total_usd == pytest.approx(0.15)
    # A real minute has several turns, and each response re-reads all audio so far: 4 turns of 5 s + 10 s,
    # 500 instruction tokens, ~3 transcript tokens per second of reply:
    # turn k input audio = 50 + (k-1) x 250 tokens; each turn: 500 x $5 + audio x $100 + 200 x $200 + 30 x $20 (per 1M)
    by_hand = sum(500 * 5 + (50 + (k - 1) * 250) * 100 + 200 * 200 + 30 * 20 for k in range(1, 5)) / 1e6  # 0.3424
    four = costs.estimate_realtime_conversation("gpt-4o-realtime-preview", turns=4, caching=False, on="2024-10-15")
    assert four.total_usd == pytest.approx(by_hand) == pytest.approx(0.3424)
    # the shut-down model cannot be priced today
    with pytest.raises(CourseError, match="ended"):
        costs.estimate_realtime_conversation("gpt-4o-realtime-preview")


def test_cost_per_minute_grows_with_length_and_caching_helps():
    short = costs.estimate_realtime_conversation("gpt-realtime-2.1", turns=4, caching=False)
    long = costs.estimate_realtime_conversation("gpt-realtime-2.1", turns=40, caching=False)
    assert long.usd_per_minute > 2 * short.usd_per_minute
    cached = costs.estimate_realtime_conversation("gpt-realtime-2.1", turns=40, caching=True)
    assert cached.total_usd < long.total_usd / 3
    # turn 4 of the cached 4-turn call, by hand: prompt 500 text + 800 audio; previous prompt 1,050 >= 1,024 is cached
    # (500 text + 550 audio) -> 250 audio uncached. Output 200 audio + 30 text.
    turn4 = (500 * 0.40 + 550 * 0.40 + 250 * 32 + 200 * 64 + 30 * 24) / 1e6
    assert costs.estimate_realtime_conversation("gpt-realtime-2.1", turns=4).rows[3]["usd"] == pytest.approx(turn4)


def test_live_session_flat_per_second():
    assert costs.estimate_live_session("gpt-live-1.1", minutes=12.5).total_usd == pytest.approx(12.5 * 0.05)
    assert costs.estimate_live_session("gpt-live-1.1", minutes=1, standby_minutes=2).total_usd == pytest.approx(0.05 + 2 * 0.02)
    with pytest.raises(CourseError, match="standby_minute"):
        costs.estimate_live_session("gpt-live-1", minutes=1, standby_minutes=1)


def test_gemini_usage_metadata():
    usage = {"prompt_token_count": 31_000, "candidates_token_count": 500, "thoughts_token_count": 300,
             "prompt_tokens_details": [{"modality": "VIDEO", "token_count": 21_000}, {"modality": "AUDIO", "token_count": 9_600},
                                       {"modality": "TEXT", "token_count": 200}]}
    # 30,800 in the details + 200 the details leave out, all at $0.75/1M (3.8 Flash prices every medium alike);
    # 500 + 300 thinking at $3.75/1M
    expected = (31_000 * 0.75 + 800 * 3.75) / 1e6
    assert costs.cost_from_gemini_usage(usage, "gemini-3.8-flash", on=PROMO).total_usd == pytest.approx(expected)
    # gemini-3.1-flash-lite prices audio apart: 9,600 x $0.50, the rest x $0.25, output x $1.50
    lite = (21_000 * 0.25 + 9_600 * 0.50 + 200 * 0.25 + 200 * 0.25 + 800 * 1.50) / 1e6
    assert costs.cost_from_gemini_usage(usage, "gemini-3.1-flash-lite").total_usd == pytest.approx(lite)


def test_video_understanding_estimate_and_the_price_change():
    # 300 s at 1 fps x 70 tokens = 21,000; audio 300 x 32 = 9,600; prompt 200; output 800
    promo = (21_000 + 9_600 + 200) * 0.75 / 1e6 + 800 * 3.75 / 1e6        # 0.0261
    later = (21_000 + 9_600 + 200) * 1.50 / 1e6 + 800 * 7.50 / 1e6        # 0.0522
    assert costs.estimate_video_understanding("gemini-3.8-flash", 300, on=PROMO).total_usd == pytest.approx(promo)
    assert costs.estimate_video_understanding("gemini-3.8-flash", 300, on=AFTER).total_usd == pytest.approx(later)
    # high media resolution: 280 tokens per frame
    high = (300 * 280 + 9_600 + 200) * 0.75 / 1e6 + 800 * 3.75 / 1e6
    assert costs.estimate_video_understanding("gemini-3.8-flash", 300, media_resolution="high", on=PROMO).total_usd == pytest.approx(high)
    with pytest.raises(CourseError, match="media_resolution"):
        costs.estimate_video_understanding(media_resolution="ultra")


def test_video_generation_estimates():
    omni = 5 * 5_792 * 17.50 / 1e6 + 100 * 1.50 / 1e6  # 0.50695: Omni's token price turned into seconds
    assert costs.estimate_video_generation("google", "gemini-omni-1.1-flash", 5, "720p").total_usd == pytest.approx(omni)
    assert costs.estimate_video_generation("runway", "gen4_turbo", 10, "720p").total_usd == pytest.approx(10 * 0.05)
    assert costs.estimate_video_generation("fal", "fal-ai/pika/v2.2/text-to-video", 5, "1080p").total_usd == pytest.approx(0.45)
    assert costs.estimate_video_generation("google", "veo-3.1-generate-001", 8, "4k").total_usd == pytest.approx(8 * 0.60)
    with pytest.raises(CourseError, match="2026-09-24"):
        costs.estimate_video_generation("openai", "sora-2", 5, "720p")
    assert costs.estimate_video_generation("openai", "sora-2-pro", 5, "720p", on="2026-01-01").total_usd == pytest.approx(1.50)
    with pytest.raises(CourseError, match="not confirmed"):
        costs.estimate_video_generation("runway", "gen4.5", 5, "720p")
    with pytest.raises(CourseError, match="known resolutions"):
        costs.estimate_video_generation("google", "gemini-omni-1.1-flash", 5, "4k")


def test_gemini_live_and_cascade_estimates():
    # Gemini Live, 1 minute at 2 turns/min, 40%/40% talk: each turn 12 s user, 12 s reply, 32 tokens/s both ways
    g = costs.estimate_gemini_live("gemini-3.8-live", minutes=1, turns_per_minute=2, instructions_tokens=100,
                                   transcript_tokens_per_second=0)
    t1 = (100 * 0.75 + 384 * 3.00 + 384 * 12.00) / 1e6
    t2 = (100 * 0.75 + (384 + 384 + 384) * 3.00 + 384 * 12.00) / 1e6
    assert g.total_usd == pytest.approx(t1 + t2)
    c = costs.estimate_cascade_conversation(turns=1, user_seconds_per_turn=60, assistant_seconds_per_turn=0,
                                            instructions_tokens=0, words_per_second=0)
    assert c.total_usd == pytest.approx(0.0045)  # one minute of gpt-transcribe
    with pytest.raises(CourseError, match="2027-01-06"):
        costs.estimate_cascade_conversation(on="2027-02-01")  # the TTS model is gone by then


def test_openai_image_tokens():
    assert costs.openai_image_tokens(640, 360, "low") == 85
    # 640x360 -> shortest side scaled up? no: scaling only shrinks -> 2 x 1 tiles -> 85 + 2 x 170
    assert costs.openai_image_tokens(640, 360, "high") == 85 + 170 * 2
    # 2048x4096 -> fit 2048: 1024x2048 -> shortest 768: 768x1536 -> 2 x 3 tiles
    assert costs.openai_image_tokens(2048, 4096, "high") == 85 + 170 * 6

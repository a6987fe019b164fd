"""Script to video: parsing, shot lengths from narration, the plan (fit, cheapest, fallback), generation
with one retry on the fallback, and the stitched MP4 checked against the plan (duration, streams)."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest

from course_utils.errors import CourseError
from course_utils.standins.fal_queue import FalQueueStandin
from course_utils.standins.kling import KlingStandin
from course_utils.standins.vertex_veo import VertexVeoStandin
from course_utils.video import compose
from course_utils.video.frames import probe
from course_utils.video.generate import FalAdapter, KlingAdapter, VeoAdapter
from course_utils.video.shots import parse_script, shot_list
from course_utils.video.stitch import stitch

SCRIPT = """
TITLE: The paper boat
SCENE: Launch
VISUAL: A child's hands set a paper boat on a still pond at sunrise
NARRATION: Every journey starts small, with one careful push away from the shore.
SCENE: The crowd
VISUAL: The boat passes a stadium crowd of ducks cheering on the bank
NARRATION: Some find an audience they never expected.
SCENE: Harbour
VISUAL: The boat reaches a tiny harbour made of stones
NARRATION: And every boat finds a harbour in the end.
"""


def fake_tts(text: str):
    """0.1 s of tone per word at 16 kHz: a deterministic stand-in for a TTS in tests that do not stitch."""
    n = int(0.1 * len(text.split()) * 16000)
    return (0.1 * np.sin(np.arange(n) / 8)).astype(np.float32), 16000


@pytest.fixture
def adapters():
    with VertexVeoStandin() as veo, KlingStandin() as kling, FalQueueStandin() as fal:
        yield {"veo": VeoAdapter(standin=veo), "kling": KlingAdapter(standin=kling), "fal": FalAdapter(standin=fal)}


def test_parse_script():
    title, scenes = parse_script(SCRIPT)
    assert title == "The paper boat"
    assert [s.title for s in scenes] == ["Launch", "The crowd", "Harbour"]
    assert scenes[1].visual.startswith("The boat passes")
    with pytest.raises(CourseError, match="NARRATION"):
        parse_script("SCENE: a\nVISUAL: only a picture")
    with pytest.raises(CourseError, match="no scenes"):
        parse_script("TITLE: nothing")


def test_shots_last_as_long_as_their_narration_and_share_style_and_seed():
    _, scenes = parse_script(SCRIPT)
    shots = shot_list(scenes, style="watercolour", tts=fake_tts)
    for shot in shots:
        assert shot.seconds >= shot.narration_seconds + 0.4
        assert shot.seconds * 2 == int(shot.seconds * 2)  # half seconds
        assert shot.prompt.endswith("Style: watercolour.")
    assert len({s.seed for s in shots}) == 1


def test_plan_picks_the_cheapest_fit_and_a_fallback_on_another_provider(adapters):
    _, scenes = parse_script(SCRIPT)
    shots = shot_list(scenes, tts=fake_tts)
    plan = compose.plan_shots(shots, adapters, [("veo", "veo-3.1-fast-generate-001"), ("kling", "kling-v3"),
                                                ("fal", "pika-2.2"), ("fal", "seedance-2.0-fast")])
    for sp in plan.shots:
        fits = [o for o in sp.options if o.fits]
        assert sp.choice.usd == min(o.usd for o in fits)
        assert sp.choice.clip_seconds >= sp.shot.seconds
        spec = adapters[sp.choice.key].spec(sp.choice.model)
        assert sp.choice.clip_seconds in spec.durations
        assert adapters[sp.fallback.key].provider != adapters[sp.choice.key].provider
    assert plan.total_usd == pytest.approx(sum(sp.choice.usd for sp in plan.shots))
    assert "Plan: 3 shots" in repr(plan) and "<table>" in plan._repr_html_()


def test_plan_says_why_a_model_was_left_out(adapters):
    shots = shot_list(parse_script("SCENE: a\nVISUAL: a pond\nNARRATION: " + "word " * 95)[1],
                              tts=fake_tts)  # 9.5 s of narration: longer than Veo's 8 s
    plan = compose.plan_shots(shots, adapters, [("veo", "veo-3.1-fast-generate-001"), ("fal", "seedance-2.0-fast")])
    assert plan.shots[0].choice.model == "seedance-2.0-fast"
    assert any("clips up to 8 s" in s for s in plan.skipped())
    square = compose.plan_shots(shots, adapters, [("veo", "veo-3.1-fast-generate-001")], aspect_ratio="1:1")
    assert square.shots[0].choice is None and "none fits" in repr(square)


def test_generate_retries_a_failed_shot_once_on_its_fallback_then_stitches(adapters, tmp_path):
    title, scenes = parse_script(SCRIPT)
    shots = shot_list(scenes, style="watercolour")  # espeak-ng, offline
    plan = compose.plan_shots(shots, adapters, [("fal", "pika-2.2"), ("veo", "veo-3.1-fast-generate-001")])
    assert all(sp.choice.model == "pika-2.2" for sp in plan.shots)  # the cheapest everywhere
    results = asyncio.run(asyncio.wait_for(compose.generate_shots(plan, concurrency=2, progress=False), 60))
    crowd = results[1]  # the fal stand-in is scripted to fail "stadium crowd" prompts
    assert crowd.used.model == "veo-3.1-fast-generate-001"
    assert "failed" in crowd.log[0] and crowd.log[1].endswith("(fallback)")
    assert all(r.result is not None for r in results)

    out = stitch(title, shots, results, tmp_path / "story.mp4")
    info = probe(out)
    assert [s["type"] for s in info.streams] == ["video", "audio"]
    assert [s["codec"] for s in info.streams] == ["h264", "aac"]
    assert info.container_duration_s == pytest.approx(plan.planned_seconds, abs=0.1)
    for stream in info.streams:
        assert stream["seconds"] == pytest.approx(plan.planned_seconds, abs=0.1)


def test_a_shot_with_no_clip_becomes_a_still_card(adapters, tmp_path):
    title, scenes = parse_script(SCRIPT)
    shots = shot_list(scenes[:1], tts=fake_tts)
    plan = compose.plan_shots(shots, adapters, [("fal", "pika-2.2")])  # no fallback on another provider
    adapters["fal"].standin.force_next("failure")
    results = asyncio.run(asyncio.wait_for(compose.generate_shots(plan, progress=False), 30))
    assert results[0].result is None and "no clip" in results[0].log[-1]
    out = stitch(title, shots, results, tmp_path / "still.mp4")
    assert probe(out).container_duration_s == pytest.approx(plan.planned_seconds, abs=0.1)


# -- a timed-out first try may still bill: the fallback is a second bill, priced and reserved -------------
def _stuck_plan(adapters):
    _, scenes = parse_script(SCRIPT)
    shots = shot_list(scenes[:1], tts=fake_tts)
    plan = compose.plan_shots(shots, adapters, [("fal", "pika-2.2"), ("veo", "veo-3.1-fast-generate-001")])
    adapters["fal"].standin.force_next("stuck")   # accepted, then never finishes
    return plan


def _entries(what: str):
    from course_utils.config import get_config

    return [e for e in get_config().ledger.entries if e.what == what]


def test_a_timed_out_shot_retried_on_its_fallback_is_billed_twice_and_says_so(adapters):
    plan = _stuck_plan(adapters)
    what = f"shot 1: {plan.shots[0].shot.title}"
    before = len(_entries(what))
    results = asyncio.run(asyncio.wait_for(compose.generate_shots(plan, timeout_s=150, progress=False), 60))
    shot = results[0]
    assert shot.result is not None and shot.used.model == "veo-3.1-fast-generate-001"
    assert shot.billed_twice and [o.model for o, _ in shot.billed] == ["pika-2.2", "veo-3.1-fast-generate-001"]
    assert shot.billed[0][1] == pytest.approx(plan.shots[0].choice.usd)              # the timed-out try, at its estimate
    text = "\n".join(shot.log)
    assert "may still finish and bill" in text and "priced $" in text and "reserved on the ledger" in text
    assert shot.log[-1].startswith("shot 1: billed twice")
    assert compose.billed_twice(results) == [f"shot 1 (Launch) billed twice: {shot.billed[0][0].name} ${shot.billed[0][1]:.3f} + "
                                             f"{shot.used.name} ${shot.billed[1][1]:.3f} = ${sum(u for _, u in shot.billed):.3f}"]
    entries = _entries(what)[before:]                                                 # both attempts are on the ledger
    assert [e.model for e in entries] == ["pika-2.2", "veo-3.1-fast-generate-001"]
    assert [e.status for e in entries] == ["settled", "settled"]


def test_no_second_try_after_a_timeout_when_asked(adapters):
    plan = _stuck_plan(adapters)
    what = f"shot 1: {plan.shots[0].shot.title}"
    before = len(_entries(what))
    results = asyncio.run(asyncio.wait_for(
        compose.generate_shots(plan, timeout_s=150, progress=False, retry_after_timeout=False), 60))
    shot = results[0]
    assert shot.result is None and not shot.billed_twice and compose.billed_twice(results) == []
    assert any("not retried" in line for line in shot.log) and "still card" in shot.log[-1]
    assert [e.model for e in _entries(what)[before:]] == ["pika-2.2"]                  # the fallback was never reserved


def test_a_failed_first_try_is_not_a_second_bill(adapters):
    _, scenes = parse_script(SCRIPT)
    plan = compose.plan_shots(shot_list(scenes[:1], tts=fake_tts), adapters,
                              [("fal", "pika-2.2"), ("veo", "veo-3.1-fast-generate-001")])
    adapters["fal"].standin.force_next("failure")   # refused by the provider: nothing billed
    results = asyncio.run(asyncio.wait_for(compose.generate_shots(plan, progress=False), 60))
    assert results[0].result is not None and not results[0].billed_twice and len(results[0].billed) == 1

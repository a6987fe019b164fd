"""The STT -> chat -> TTS cascade through the real openai client and the local REST stand-in."""
from __future__ import annotations

import numpy as np
import openai
import pytest
from openai.types.audio import Transcription
from openai.types.chat import ChatCompletion

import course_utils
from course_utils import cascade as cas
from course_utils.clients import openai_rest_standin
from course_utils.errors import BudgetExceeded, CourseError
from course_utils.fixtures import fixture_dir, load_manifest
from course_utils.voice.audio import load_audio
from course_utils.voice.conversation import load_conversation
from course_utils.voice.formats import SAMPLE_RATE

AREA, NAME = cas.FIXTURE


@pytest.fixture(scope="module")
def manifest():
    return load_manifest(AREA, NAME)


@pytest.fixture(scope="module")
def exchanges():
    return cas.load_exchanges_json()


# -- the fixture ----------------------------------------------------------------------------------
def test_fixture_says_how_it_was_made_and_that_latencies_are_replayed(manifest, exchanges):
    assert manifest["provenance"].startswith("synthetic:") and "not captured from a live API" in manifest["provenance"]
    assert manifest["replayed"] is True
    stages = manifest["stage_latencies"]
    assert set(stages) == {"transcribe", "chat", "speak"}
    for info in stages.values():
        assert info["source"].startswith("https://") and info["latency_ms"] > 0 and info["note"]
    by_path = {ex["path"]: ex for ex in exchanges}
    assert by_path["/v1/audio/transcriptions"]["latency_ms"] == stages["transcribe"]["latency_ms"]
    assert by_path["/v1/chat/completions"]["latency_ms"] == stages["chat"]["latency_ms"]
    assert by_path["/v1/audio/speech"]["latency_ms"] == stages["speak"]["latency_ms"]
    for ex in exchanges:
        assert ex["latency_source"] == stages[{"/v1/audio/transcriptions": "transcribe", "/v1/chat/completions": "chat",
                                               "/v1/audio/speech": "speak"}[ex["path"]]]["source"]
    for ref in manifest["reference_figures"]:
        assert ref["source"].startswith("https://") and ref["ms"] > 0


def test_fixture_bodies_validate_against_the_sdk_types(manifest, exchanges):
    by_path = {ex["path"]: ex for ex in exchanges}
    tr = Transcription.model_validate(by_path["/v1/audio/transcriptions"]["json"])
    assert tr.text == manifest["question_text"] and tr.usage.type == "duration"
    chat = ChatCompletion.model_validate(by_path["/v1/chat/completions"]["json"])
    assert chat.model == cas.CHAT_MODEL and chat.choices[0].message.content == manifest["reply_text"]
    assert chat.usage.total_tokens == chat.usage.prompt_tokens + chat.usage.completion_tokens
    speech = by_path["/v1/audio/speech"]
    assert speech["content_type"] == "audio/flac" and speech["body_file"].endswith(".flac")
    pcm = load_audio(fixture_dir(AREA, NAME) / speech["body_file"])   # 24 kHz mono
    assert 5_000 < len(pcm) / SAMPLE_RATE * 1000 < 30_000
    assert np.abs(pcm).max() > 3000  # speech, not silence


def test_question_clip_is_the_realtime_fixtures_first_user_turn(manifest):
    samples = load_audio(cas.fixture_question())
    assert abs(len(samples) / SAMPLE_RATE - manifest["question_seconds"]) < 0.05
    spec = manifest["question_audio"]
    assert spec["fixture"] == ["realtime", "barge_in"]   # the same utterance goes through both paths of notebook 02
    user = load_conversation(spec["fixture"][1], spec["fixture"][0]).user[0]
    assert user.path.name == spec["file"] and user.text == manifest["question_text"]


# -- a turn through the stages --------------------------------------------------------------------
def test_replay_turn_goes_through_the_real_client_and_times_each_stage(manifest):
    standin = openai_rest_standin([cas.FIXTURE])
    before = len(standin.requests)
    turn = cas.Cascade(tts=cas.ESPEAK).run(cas.fixture_question())
    assert turn.transcript == manifest["question_text"]
    assert turn.reply == manifest["reply_text"]
    assert [s.name for s in turn.stages] == ["transcribe", "chat", "speak"]
    for a, b in zip(turn.stages, turn.stages[1:]):   # strictly in series
        assert a.end_ms <= b.start_ms
    for s in turn.stages:
        assert s.start_ms <= s.first_ms <= s.end_ms
    # the stand-in waited the replayed delays (a lower bound: a sleep never returns early)
    lat = manifest["stage_latencies"]
    assert turn.stages[0].duration_ms >= lat["transcribe"]["latency_ms"]
    assert turn.stages[1].duration_ms >= lat["chat"]["latency_ms"]
    assert "replayed" in turn.stages[0].timing and lat["chat"]["source"] in turn.stages[1].source
    assert turn.stages[2].timing == "measured" and turn.replayed
    assert turn.time_to_first_audio_ms == turn.stages[2].first_ms
    assert 3_000 < turn.reply_ms < 30_000
    paths = [r.path for r in standin.requests[before:]]
    assert paths == ["/v1/audio/transcriptions", "/v1/chat/completions"]
    auth = standin.requests[before].header("Authorization")
    assert auth is not None and "replay-mode-no-key" not in auth  # scrubbed in the log


def test_openai_tts_step_replays_until_its_shutdown(manifest, exchanges):
    turn = cas.Cascade(tts=cas.OPENAI_TTS_MODEL, on="2026-12-01").run(cas.fixture_question())
    body = next(ex["body_file"] for ex in exchanges if ex["path"] == "/v1/audio/speech")
    expected = load_audio(fixture_dir(AREA, NAME) / body).astype("<i2").tobytes()
    assert turn.audio == expected
    speak = turn.stages[2]
    assert speak.model == cas.OPENAI_TTS_MODEL and "replayed" in speak.timing
    assert speak.duration_ms >= manifest["stage_latencies"]["speak"]["latency_ms"]


def test_after_the_shutdown_the_tts_step_fails_before_any_call():
    standin = openai_rest_standin([cas.FIXTURE])
    before = len(standin.requests)
    with pytest.raises(cas.ModelRetired) as info:
        cas.Cascade(tts=cas.OPENAI_TTS_MODEL, on="2027-01-07")
    message = str(info.value)
    assert "2027-01-06" in message and "espeak-ng" in message and "\n" not in message
    assert len(standin.requests) == before
    assert "shutting down" in cas.check_tts(cas.OPENAI_TTS_MODEL, on="2026-11-25")


def test_unknown_or_unavailable_tts_is_a_clear_error(monkeypatch):
    with pytest.raises(CourseError, match="Unknown TTS"):
        cas.Cascade(tts="tts-9000")
    monkeypatch.setattr(cas.espeak, "espeak_installed", lambda: False)
    assert "pre-rendered in the fixtures" in cas.check_tts(cas.ESPEAK)  # replay: the replies were rendered ahead
    course_utils.setup(mode="live", quiet=True)
    with pytest.raises(CourseError, match="espeak-ng is not installed.*apt-get install espeak-ng"):
        cas.check_tts(cas.ESPEAK)


def test_gemini_tts_is_refused_in_replay_with_a_way_out():
    with pytest.raises(CourseError, match="no recorded exchange to replay") as info:
        cas.Cascade(tts=cas.GEMINI_TTS_MODEL)
    assert "espeak-ng" in str(info.value) and "mode='live'" in str(info.value)


def test_interruption_the_cascade_keeps_the_whole_reply_in_its_history():
    turn = cas.Cascade(tts=cas.ESPEAK).run(cas.fixture_question())
    report = turn.interrupt(heard_ms=2000)
    assert report.history_text == turn.reply                       # nothing told the model
    assert 0 < len(report.heard_text_estimate) < len(turn.reply)   # the user heard only the start
    assert turn.reply.startswith(report.heard_text_estimate)
    assert turn.interrupt(10**9).heard_ms == turn.reply_ms


def test_every_call_is_priced_in_the_ledger():
    ledger = course_utils.get_config().ledger
    before = len(ledger.entries)
    cas.Cascade(tts=cas.OPENAI_TTS_MODEL, on="2026-12-01").run(cas.fixture_question())
    new = ledger.entries[before:]
    assert [e.model for e in new] == [cas.STT_MODEL, cas.CHAT_MODEL, cas.OPENAI_TTS_MODEL]
    assert all(e.estimate_usd > 0 and e.status == "settled" and not e.charged for e in new)


def test_live_mode_prices_before_calling(fake_keys):
    course_utils.setup(mode="live", budget_usd=0.0, quiet=True)
    c = cas.Cascade(tts=cas.ESPEAK)
    assert isinstance(c._client, openai.OpenAI) and "127.0.0.1" not in str(c._client.base_url)
    with pytest.raises(BudgetExceeded):
        c.run(cas.fixture_question())


def test_waterfall_plot_draws_one_bar_per_stage():
    import matplotlib
    matplotlib.use("Agg")
    turn = cas.Cascade(tts=cas.ESPEAK).run(cas.fixture_question())
    ax = cas.plot_waterfall(turn.stages)
    assert len(ax.patches) == 3
    assert "replayed" in cas.stages_table_html(turn.stages)
    rows = cas.replayed_latency_table()
    assert [r["stage"] for r in rows] == ["transcribe", "chat", "speak"]
